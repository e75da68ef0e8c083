"""Testbench object: owns the clock, the reset, the bus objects and their drivers, the bridge and
the HDL probes, and offers chip-level operations (load weights / input / offsets, set timing, run
one VMM, read results). Every coroutine returns right after a rising clock edge. The passive
monitors on the same bus objects (``axil_bus``, ``vbus``) belong to the pyuvm env
(``hxtb.env.env.VmmEnv``).

Assumes the toplevel is ``tb_top`` (tb/hdl/tb_top.sv) with IDEAL_ARRAY = 0 (Python bridge) or 1
(HDL ideal array; then no bridge is started).

The clock: under Verilator the simulator's main loop generates it (tb/hdl/tb_main.cpp, built in
by hxtb.build; it announces itself with the plusarg ``+hx_clock_half``); otherwise (Icarus, or a
Verilator build with cocotb's main loop) cocotb's clock driver does. Both give
Python the same read and write points: a coroutine woken by ``RisingEdge(clk_i)`` reads the values
the flops sample at that edge, and what it writes is sampled at the next edge.
"""

from __future__ import annotations

import gc
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import cocotb
import numpy as np
import numpy.typing as npt
from cocotb.clock import Clock
from cocotb.triggers import (
    ClockCycles,
    FallingEdge,
    ReadOnly,
    RisingEdge,
    SimTimeoutError,
    Timer,
    Trigger,
)

import hxsim
from hxsim import regmap
from hxsim.types import I64
from hxtb import config
from hxtb.agents.axil import AxilAgent, axil_bus
from hxtb.agents.vport import VectorPortDriver, VportBus
from hxtb.bridge import AnalogBridge, VmmObservation, settled_on_wake
from hxtb.vpi import VpiAccess, port
from hxtb.wake import WakePorts

CLK_NS = 8


def sim_clock_half_ps() -> int:
    """Half the clock period the simulator's main loop generates (plusarg ``hx_clock_half``, in
    1 ps units), or 0 when the testbench must drive the clock itself."""
    return int(cocotb.plusargs.get("hx_clock_half", 0) or 0)


@dataclass
class HdlStamps:
    """Phase time stamps of the last VMM from tb_top (cycles relative to the VMM start;
    0xFFFF_FFFF = did not happen)."""

    nrn_len: int
    cadc_start_at: tuple[int, int]
    cadc_starts: int
    ramp_first: tuple[int, int]
    ramp_len: tuple[int, int]
    ramp_err: int
    irq_rise_at: int
    ev_count: int


@dataclass
class VmmResult:
    """Everything read back after one VMM."""

    y: I64
    raw_b: I64
    raw_r: I64
    cycles_last: int
    events_last: int
    status: int
    vmm_count: int
    stamps: HdlStamps
    obs: VmmObservation | None
    errs: list[bool] = field(default_factory=list)


class WaitGuard:
    """The end of a VMM awaited with one edge trigger and a hang guard in HDL (tb_top's wait
    guard), instead of cocotb's ``with_timeout`` (a trigger raced against a timer: two tasks and a
    timer callback per wait). ``arm(max_cycles)`` toggles ``wd_kick_i`` (and writes
    ``wd_limit_i`` when the limit changes); then ``busy_fall`` fires when hx_top's ``busy`` falls
    (at the next clock edge if it is low already) and ``irq_rise`` when ``irq_o`` rises, or either
    of them ``max_cycles`` clock cycles after ``arm`` on a hang (the caller tells the two apart by
    reading ``busy`` / ``irq_o``)."""

    LIMIT_MAX = 2**32 - 1

    def __init__(self, dut: Any, vpi: VpiAccess | None = None,
                 wake: WakePorts | None = None) -> None:
        self.kick = port(dut.wd_kick_i, vpi)
        self.limit = port(dut.wd_limit_i, vpi)
        self._kick = 0
        self._limit = 0
        self.kick.set(0)
        self.limit.set(0)
        self.busy_fall: Trigger = (wake.edge("wait_busy_o", rising=False) if wake is not None
                                   else FallingEdge(dut.wait_busy_o))
        self.irq_rise: Trigger = (wake.edge("wait_irq_o", rising=True) if wake is not None
                                  else RisingEdge(dut.wait_irq_o))

    def arm(self, max_cycles: int) -> None:
        """Restart the guard with a limit of ``max_cycles`` clock cycles (1 .. 2**32 - 1;
        ValueError otherwise)."""
        if not 1 <= max_cycles <= self.LIMIT_MAX:
            raise ValueError(f"max_cycles: {max_cycles} outside 1..{self.LIMIT_MAX}")
        if max_cycles != self._limit:
            self.limit.set(max_cycles)
            self._limit = max_cycles
        self._kick ^= 1
        self.kick.set(self._kick)


def _int(h: Any) -> int:
    return int(h.value.to_unsigned())


class Testbench:
    """hx_top in tb_top, with agents and (unless the HDL ideal array is built in) the bridge."""

    def __init__(self, dut: Any, chip: hxsim.ChipInstance | None = None, seed: int = 0,
                 backpressure: float = 0.0) -> None:
        self.dut = dut
        self.log = logging.getLogger("hxtb.tb")
        self.log.setLevel(logging.INFO)
        self.rng = random.Random(seed)
        dut.rst_ni.value = 0
        half = sim_clock_half_ps()
        if half and 2 * half != CLK_NS * 1000:
            raise RuntimeError(f"simulator clock period {2 * half} ps, testbench expects "
                               f"{CLK_NS} ns")
        # None: the simulator generates the clock (Verilator, tb/hdl/tb_main.cpp)
        self.clock = None if half else Clock(dut.clk_i, CLK_NS, unit="ns", impl="gpi")
        self.clk_edge = RisingEdge(dut.clk_i)
        self.axil_bus = axil_bus(dut)
        # No reset signal for cocotbext-axi: the testbench resets only while no access is in
        # flight, and the master's seven reset monitors (one value-change callback each) would be
        # checked at every simulator time step.
        # Signal access: the simulator's VPI directly (hxtb.vpi) unless the knob fast_vpi is
        # off; the bus drivers use it only under Verilator, whose cocotb writes are the same
        # inertial puts (other simulators: cocotb's scheduled writes), the bridge everywhere.
        self.vpi = VpiAccess.open(config.get().fast_vpi)
        self.settled_on_wake = settled_on_wake()
        drv_vpi = self.vpi if self.settled_on_wake else None
        self.drivers_direct = drv_vpi is not None
        self.wake = WakePorts.open(config.get().wake_ports)
        self.axil = AxilAgent(self.axil_bus, dut.clk_i, vpi=drv_vpi)
        self.vbus = VportBus.from_dut(dut, dut.clk_i)
        self.vdrv = VectorPortDriver(self.vbus, random.Random(seed ^ 0x5A5A), backpressure,
                                     vpi=drv_vpi)
        self.ideal_hdl = int(dut.IDEAL_ARRAY.value) != 0
        self.chip = chip if chip is not None else hxsim.ChipInstance(hxsim.ChipParams.ideal())
        self.bridge: AnalogBridge | None = (
            None if self.ideal_hdl
            else AnalogBridge(dut, self.chip, vpi=self.vpi, wake=self.wake))
        self.guard = WaitGuard(dut, drv_vpi, self.wake)
        self._busy = port(dut.u_dut.busy, drv_vpi)
        self._timing: dict[str, int] | None = None
        dut.cross_codes_i.value = 0
        dut.cmp_hold_low_i.value = 0

    async def start(self) -> None:
        """Start the clock and the bridge; reset the DUT; enable the done IRQ."""
        await Timer(1, "ns")  # reset applied before the first clock edge
        # Everything imported and built so far lives for the whole run: keep it out of the
        # cyclic garbage collector's scans (they cost ~2 % of a co-simulation's CPU time).
        gc.freeze()
        if self.clock is not None:
            self.clock.start()
        if self.bridge is not None:
            cocotb.start_soon(self.bridge.run())
        await self.reset()

    async def reset(self) -> None:
        self.dut.rst_ni.value = 0
        await self.cycles(3)
        self.dut.rst_ni.value = 1
        await self.cycles(2)
        self._timing = None
        await self.axil.write_ok(regmap.IRQ_ENABLE, regmap.IRQ_DONE)

    async def cycles(self, n: int) -> None:
        """Return after the ``n``-th rising clock edge from now."""
        await ClockCycles(self.dut.clk_i, n)

    # ---- loads ----
    async def store_phys_row(self, r: int, row: npt.ArrayLike) -> list[bool]:
        """Store one physical SRAM row (256 magnitudes); returns the two responses' err flags."""
        even, odd = regmap.split_halves(row)
        e0 = await self.vdrv.store(regmap.VA_SYN + 2 * r, regmap.pack_lanes(even))
        e1 = await self.vdrv.store(regmap.VA_SYN + 2 * r + 1, regmap.pack_lanes(odd))
        return [e0, e1]

    async def load_weights(self, w: npt.ArrayLike, rows: list[int] | None = None) -> list[bool]:
        """Store signed logical weights w[128, 256] (only logical ``rows`` if given)."""
        phys = hxsim.weights_to_physical(w)
        errs: list[bool] = []
        for i in rows if rows is not None else range(128):
            errs += await self.store_phys_row(2 * i, phys[2 * i])
            errs += await self.store_phys_row(2 * i + 1, phys[2 * i + 1])
        return errs

    async def load_input(self, x: npt.ArrayLike) -> bool:
        return await self.vdrv.store(regmap.VA_INPUT, regmap.pack_lanes(x))

    async def load_dac_offsets(self, dac: npt.ArrayLike) -> bool:
        return await self.vdrv.store(regmap.VA_DAC, regmap.pack_lanes(dac))

    async def load_col_offsets(self, off: npt.ArrayLike) -> list[bool]:
        even, odd = regmap.split_halves(off)
        e0 = await self.vdrv.store(regmap.VA_COL_OFFSET, regmap.pack_lanes(even))
        e1 = await self.vdrv.store(regmap.VA_COL_OFFSET + 1, regmap.pack_lanes(odd))
        return [e0, e1]

    async def set_timing(self, t: hxsim.Timing) -> None:
        """Write the timing registers that differ from what this testbench last wrote."""
        new = t.to_dict()
        for name, addr in regmap.TIMING_REGS.items():
            if self._timing is None or self._timing[name] != new[name]:
                await self.axil.write_ok(addr, new[name])
        self._timing = new

    async def read_cols(self, base: int) -> tuple[I64, list[bool]]:
        """Load the two halves at ``base``/``base + 1`` -> 256 unsigned column bytes."""
        d0, e0 = await self.vdrv.load(base)
        d1, e1 = await self.vdrv.load(base + 1)
        return regmap.join_halves(regmap.unpack_lanes(d0), regmap.unpack_lanes(d1)), [e0, e1]

    def stamps(self) -> HdlStamps:
        d = self.dut
        return HdlStamps(
            nrn_len=_int(d.nrn_len_q),
            cadc_start_at=(_int(d.cadc_start_at_q[0]), _int(d.cadc_start_at_q[1])),
            cadc_starts=_int(d.cadc_starts_q),
            ramp_first=(_int(d.ramp_first_q[0]), _int(d.ramp_first_q[1])),
            ramp_len=(_int(d.ramp_len_q[0]), _int(d.ramp_len_q[1])),
            ramp_err=_int(d.ramp_err_q),
            irq_rise_at=_int(d.irq_rise_at_q),
            ev_count=_int(d.ev_count_q),
        )

    # ---- one VMM ----
    async def start_vmm(self) -> None:
        await self.axil.write_ok(regmap.CTRL, regmap.CTRL_START)

    async def after_wake(self) -> None:
        """After a wake on an edge of a signal the model sets (the wait guard's, ``cadc_start_o``):
        return at a point where the model's values are settled and writes are sampled at the next
        rising clock edge. Under Verilator that is the wake itself (edges of model signals are
        seen after a complete evaluation of the clock edge; writes are applied before the next
        one); event-driven simulators (Icarus) wake in the middle of the edge's evaluation, so
        there this waits for the next rising clock edge."""
        if not self.settled_on_wake:
            await self.clk_edge

    async def wait_done(self, max_cycles: int) -> None:
        """Wait for the done interrupt (rising ``irq_o``), then return after a clock edge;
        ``SimTimeoutError`` if it does not rise within ``max_cycles`` cycles."""
        self.guard.arm(max_cycles)
        await self.guard.irq_rise
        if not int(self.dut.irq_o.value):
            raise SimTimeoutError(f"no done interrupt within {max_cycles} cycles")
        await self.clk_edge

    async def run_vmm(self, max_cycles: int, read_raw: bool = True) -> VmmResult:
        """START, wait for done, read counters, status and result vectors, clear the IRQ."""
        await self.start_vmm()
        await self.wait_done(max_cycles)
        await ReadOnly()
        stamps = self.stamps()
        await self.clk_edge
        return await self.read_back(stamps, read_raw)

    async def run_vmm_y(self, max_cycles: int) -> I64:
        """The short way through one VMM (the co-simulation bench, as its C++ harness does):
        START, wait for the falling edge of ``busy`` (one trigger), load the two halves of the
        result vector. No counters, stamps or IRQ handling."""
        await self.start_vmm()
        self.guard.arm(max_cycles)
        await self.guard.busy_fall
        if self._busy.get():
            raise SimTimeoutError(f"hx_top still busy after {max_cycles} cycles")
        await self.after_wake()
        y_u, errs = await self.read_cols(regmap.VA_RESULT)
        if any(errs):
            raise AssertionError("result load refused")
        return np.where(y_u >= 128, y_u - 256, y_u)

    async def read_back(self, stamps: HdlStamps, read_raw: bool = True) -> VmmResult:
        cycles_last = await self.axil.read_ok(regmap.CYCLES_LAST)
        events_last = await self.axil.read_ok(regmap.EVENTS_LAST)
        status = await self.axil.read_ok(regmap.STATUS)
        vmm_count = await self.axil.read_ok(regmap.VMM_COUNT)
        await self.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_DONE)
        y_u, errs = await self.read_cols(regmap.VA_RESULT)
        y = np.where(y_u >= 128, y_u - 256, y_u)
        raw_b = raw_r = np.zeros(0, dtype=np.int64)
        if read_raw:
            raw_b, e = await self.read_cols(regmap.VA_BASELINE)
            errs += e
            raw_r, e = await self.read_cols(regmap.VA_RAW_RESULT)
            errs += e
        obs = self.bridge.obs if self.bridge is not None else None
        return VmmResult(y=y, raw_b=raw_b, raw_r=raw_r, cycles_last=cycles_last,
                         events_last=events_last, status=status, vmm_count=vmm_count,
                         stamps=stamps, obs=obs, errs=errs)

    async def wait_phase(self, phase: int, max_cycles: int = 200_000) -> None:
        """Poll STATUS.PHASE (a few AXI reads, not per clock) until it equals ``phase``."""
        for _ in range(max_cycles // 16):
            st = await self.axil.read_ok(regmap.STATUS)
            if regmap.st_phase(st) == phase:
                return
            await Timer(16 * CLK_NS, "ns")
            await self.clk_edge
        raise AssertionError(f"phase {phase} not reached")
