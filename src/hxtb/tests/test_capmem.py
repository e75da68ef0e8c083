"""cocotb tests of the CapMem block (rtl/hx_capmem.sv) and of AXI4-Lite sub-word access, all
through the AXI4-Lite port (docs/interfaces.md section 4, docs/verification.md "CapMem and
sub-word access").

- CapMem: reset values, write/read-back of every cell, the values the RTL presents to the analog
  array (hx_top's ``capmem_*_o``, read as the bridge reads them), range refusal (values above
  1022 and bits above the cell: BAD_REG_VALUE) and busy refusal (WRITE_WHILE_BUSY), each refusal
  counted once and changing nothing; the bridge hands the RTL's cells to the model at the next
  VMM, and reads them only when tb_top's tracker says they changed.
- Sub-word access: every WSTRB pattern (16) at every byte offset (4) on an RW register, an RO
  register and a CapMem window word, and reads at every byte offset, driven on the pins (the
  cocotbext-axi master cannot send non-contiguous or empty strobes), each access predicted by
  ``hxsim.regmodel.HxTopRegModel`` (the contract's rule written once in Python) and the
  issue's example checked by its number.
- Power-up state: synapse SRAM rows never written load as 0 (err 0) on every simulator
  (``test_sram_powerup``: the first test of this module, in a fresh simulator process).

Expected values come from the contract (``hxsim.regmap``: addresses, resets, ranges) and the
register model; random values are drawn from ``cocotb.RANDOM_SEED`` (printed by cocotb; rerun
with ``make sim TEST=<name> SEED=<seed>``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import cocotb
import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

import hxsim
from hxsim import regmap as rm
from hxsim.capmem import CAPMEM_MAX, CapMemConfig
from hxsim.regmodel import HxTopRegModel
from hxtb.bridge import CapMemReader, Signals
from hxtb.tbench import Testbench
from hxtb.vpi import VpiAccess

QUAD_REGS = [r for r in rm.REGISTERS if r.capmem]
#: every CapMem cell address: the quadrant registers, then every window word
CELL_ADDRS = [r.addr for r in QUAD_REGS] + [w.addr + w.stride * j for w in rm.WINDOWS
                                            for j in range(w.count)]


def _rng() -> random.Random:
    return random.Random(cocotb.RANDOM_SEED)


async def _setup(dut: Any) -> tuple[Testbench, HxTopRegModel]:
    """The testbench after reset, and the register model in the same state (IRQ_ENABLE as
    Testbench.reset writes it)."""
    tb = Testbench(dut, seed=cocotb.RANDOM_SEED)
    await tb.start()
    model = HxTopRegModel()
    assert model.axi_write(rm.IRQ_ENABLE, rm.IRQ_DONE)
    return tb, model


def _sample_addrs(rng: random.Random) -> list[int]:
    """Quadrant registers, the first and last word of each window and two random words."""
    out = [r.addr for r in QUAD_REGS]
    for w in rm.WINDOWS:
        out += [w.addr, w.end - w.stride, w.addr + w.stride * rng.randrange(1, w.count - 1)]
    return out


async def _check_state(tb: Testbench, model: HxTopRegModel, what: str) -> None:
    """Every CapMem cell reads what the model holds, and the RTL presents the same cells to the
    analog array."""
    for a in CELL_ADDRS:
        got = await tb.axil.read_ok(a)
        exp, _ = model.axi_read(a)
        assert got == exp, f"{what}: read {a:#05x} = {got}, expected {exp}"
    # read through cocotb's handles and through the direct VPI path (hxtb.vpi): both must agree
    for path, vpi in (("cocotb", None), ("direct VPI", VpiAccess.open())):
        if path == "direct VPI" and vpi is None:
            raise AssertionError("the simulator process exports no VPI functions (hxtb.vpi)")
        presented = CapMemReader(Signals(tb.dut, vpi)).read()
        assert presented == model.capmem, (f"{what}: hx_top's capmem outputs ({path}) differ "
                                           f"from the registers: "
                                           f"{_cfg_diff(presented, model.capmem)}")


def _cfg_diff(a: CapMemConfig, b: CapMemConfig) -> str:
    parts = []
    for kind, x, y in (("quadrant", a.quadrant, b.quadrant), ("column", a.column, b.column)):
        for name in x:
            idx = np.flatnonzero(x[name] != y[name])
            if idx.size:
                parts.append(f"{kind} {name}[{int(idx[0])}] = {int(x[name][idx[0]])} "
                             f"(expected {int(y[name][idx[0]])}; {idx.size} differ)")
    return "; ".join(parts)


async def _check_refused(tb: Testbench, model: HxTopRegModel, code: int, what: str) -> None:
    """STATUS, ERROR_COUNT and IRQ_STATUS after a refusal: as the model predicts, with ``code``."""
    st = await tb.axil.read_ok(rm.STATUS)
    assert rm.st_err_code(st) == code, f"{what}: ERR_CODE {rm.st_err_code(st)}, expected {code}"
    assert model.err_code == code, f"{what}: the model says ERR_CODE {model.err_code}"
    cnt = await tb.axil.read_ok(rm.ERROR_COUNT)
    assert cnt == model.error_count, f"{what}: ERROR_COUNT {cnt}, expected {model.error_count}"
    irq = await tb.axil.read_ok(rm.IRQ_STATUS)
    assert irq & rm.IRQ_STATUS_ERROR, f"{what}: IRQ_STATUS.ERROR not set"


@cocotb.test()
async def test_sram_powerup(dut: Any) -> None:
    """Every half row of the synapse SRAM, never written, loads as 0 without an error, on
    Verilator (2-state) and Icarus (4-state) alike: the SRAM model powers up at 0 (issue 13; it
    has no reset, so this holds only before the first store: the test runs first in its
    simulator process and refuses to run later)."""
    t0 = get_sim_time("ns")
    assert t0 == 0, f"test_sram_powerup must run first in its simulator process (time {t0} ns)"
    tb, _ = await _setup(dut)
    for row in range(rm.PHYS_ROWS):
        for half in range(2):
            data, err = await tb.vdrv.load(rm.VA_SYN + 2 * row + half)
            assert (data, err) == (0, False), \
                f"load of never-written SRAM row {row} half {half}: data {data:#x}, err {err}"


@cocotb.test()
async def test_capmem_reset(dut: Any) -> None:
    """After reset every CapMem cell reads its contract reset value (= hxsim.capmem.DEFAULTS)
    and hx_top presents the default configuration."""
    tb, model = await _setup(dut)
    assert model.capmem == CapMemConfig.default()
    await _check_state(tb, model, "after reset")


@cocotb.test()
async def test_capmem_write_read(dut: Any) -> None:
    """Every cell written with a random legal value (0 and 1022 included) reads it back; the
    outputs to the analog array carry every value at its cell; the tracker marks the change."""
    tb, model = await _setup(dut)
    rng = _rng()
    values = [rng.randint(0, CAPMEM_MAX) for _ in CELL_ADDRS]
    values[0], values[-1] = 0, CAPMEM_MAX
    for a, v in zip(CELL_ADDRS, values, strict=True):
        assert model.axi_write(a, v)
        await tb.axil.write_ok(a, v)
    assert int(tb.dut.capmem_dirty_q.value), "tb_top's CapMem tracker not set by the writes"
    await _check_state(tb, model, "after writing every cell")
    assert await tb.axil.read_ok(rm.ERROR_COUNT) == 0


@cocotb.test()
async def test_capmem_range(dut: Any) -> None:
    """Values above 1022 (1023, 1024, bits above the cell, all ones) are refused (SLVERR,
    BAD_REG_VALUE, counted once, cell unchanged); 0 and 1022 are accepted."""
    tb, model = await _setup(dut)
    rng = _rng()
    for a in _sample_addrs(rng):
        for v in (CAPMEM_MAX + 1, CAPMEM_MAX + 2, (1 << 10) | rng.randint(0, 1021),
                  1 << rng.randint(10, 31), 0xFFFF_FFFF):
            assert not model.axi_write(a, v)
            resp = await tb.axil.write(a, v)
            assert resp == rm.SLVERR, f"write {a:#05x} = {v:#x}: resp {resp}, expected SLVERR"
            await _check_refused(tb, model, rm.BAD_REG_VALUE, f"write {a:#05x} = {v:#x}")
            got, exp = await tb.axil.read_ok(a), model.axi_read(a)[0]
            assert got == exp, f"{a:#05x} = {got} after a refused write, expected {exp}"
        for v in (0, CAPMEM_MAX):
            assert model.axi_write(a, v)
            await tb.axil.write_ok(a, v)
            assert await tb.axil.read_ok(a) == v, f"{a:#05x}: {v} not stored"
    await _check_state(tb, model, "after the range checks")


@cocotb.test()
async def test_capmem_busy(dut: Any) -> None:
    """While a VMM runs, CapMem writes are refused (SLVERR, WRITE_WHILE_BUSY, counted once, cell
    unchanged), also when the value is out of range (busy is checked first); after the VMM the
    same write is accepted."""
    tb, model = await _setup(dut)
    rng = _rng()
    await tb.set_timing(hxsim.Timing(reset_cycles=8000))
    model.axi_write(rm.T_RESET, 8000)
    await tb.axil.write_ok(rm.CTRL, rm.CTRL_START)
    model.busy = True  # the model has no clock: it is told
    addrs = _sample_addrs(rng)
    for a in addrs:
        for v in (rng.randint(0, CAPMEM_MAX), CAPMEM_MAX + 1):
            assert not model.axi_write(a, v)
            resp = await tb.axil.write(a, v)
            assert resp == rm.SLVERR, f"write {a:#05x} while busy: resp {resp}, expected SLVERR"
            st = await tb.axil.read_ok(rm.STATUS)
            assert st & rm.STATUS_BUSY, "the VMM ended before the check (lengthen reset_cycles)"
            await _check_refused(tb, model, rm.WRITE_WHILE_BUSY, f"write {a:#05x} while busy")
            got, exp = await tb.axil.read_ok(a), model.axi_read(a)[0]
            assert got == exp, f"{a:#05x} = {got} changed while busy, expected {exp}"
    await tb.axil.write_ok(rm.CTRL, rm.CTRL_ABORT)
    model.busy = False
    for a in addrs:
        v = rng.randint(0, CAPMEM_MAX)
        assert model.axi_write(a, v)
        await tb.axil.write_ok(a, v)
    await _check_state(tb, model, "after the VMM")


@cocotb.test()
async def test_capmem_bridge(dut: Any) -> None:
    """The bridge takes the CapMem cells from the RTL at the next VMM's baseline conversion
    (what hx_top presents, not what was written), reads them only when tb_top's tracker marks a
    change, and hands each new configuration to the model once."""
    tb, model = await _setup(dut)
    bridge = tb.bridge
    assert bridge is not None, "needs the Python bridge (IDEAL_ARRAY = 0)"
    handed: list[CapMemConfig] = []
    bridge._set_capmem = handed.append  # type: ignore[method-assign,assignment]  # recorder
    rng = _rng()
    await tb.set_timing(hxsim.Timing(reset_cycles=10, settle_cycles=0, adc_reset_wait=0,
                                     adc_dead_time=0))
    x = np.zeros(128, dtype=np.int64)
    assert not await tb.load_input(x)

    async def vmm() -> None:
        await tb.run_vmm(2000)

    await vmm()  # the first session gets the reset configuration
    assert handed == [CapMemConfig.default()], handed
    reads = bridge.capmem_reader.reads
    await vmm()  # nothing written: not read again, not handed again
    assert bridge.capmem_reader.reads == reads and len(handed) == 1
    for a in _sample_addrs(rng):
        v = rng.randint(0, CAPMEM_MAX)
        assert model.axi_write(a, v)
        await tb.axil.write_ok(a, v)
    await vmm()
    assert len(handed) == 2 and handed[-1] == model.capmem, _cfg_diff(handed[-1], model.capmem)
    assert bridge.capmem == model.capmem
    # a refused write changes nothing the bridge sees
    assert await tb.axil.write(CELL_ADDRS[0], CAPMEM_MAX + 1) == rm.SLVERR
    await vmm()
    assert len(handed) == 2


# ------------------------------------------------------------------------------------------------
# AXI4-Lite sub-word access, on the pins
# ------------------------------------------------------------------------------------------------
async def _accepted(d: Any, ready: Callable[[], bool], what: str) -> None:
    """Hold the request until ``ready()`` is seen in ReadOnly, then step past that edge.

    Raises AssertionError naming ``what`` when it is not accepted within 20 cycles.
    """
    for _ in range(20):
        await ReadOnly()
        accepted = ready()
        await RisingEdge(d.clk_i)
        if accepted:
            return
    raise AssertionError(f"{what} not accepted in 20 cycles")


async def _raw_write(tb: Testbench, addr: int, data: int, strb: int) -> int:
    """One AXI4-Lite write with the given AWADDR, WDATA and WSTRB (AW and W together); the
    response. The cocotbext-axi master is idle meanwhile; its B sink's copy is dropped."""
    d = tb.dut
    await RisingEdge(d.clk_i)
    d.s_axil_awaddr.value = addr
    d.s_axil_wdata.value = data
    d.s_axil_wstrb.value = strb
    d.s_axil_awvalid.value = 1
    d.s_axil_wvalid.value = 1
    d.s_axil_bready.value = 1
    await _accepted(d, lambda: bool(d.s_axil_awready.value) and bool(d.s_axil_wready.value),
                    f"write {addr:#05x}: AW/W")
    d.s_axil_awvalid.value = 0
    d.s_axil_wvalid.value = 0
    for _ in range(20):
        await ReadOnly()
        if d.s_axil_bvalid.value:
            resp = int(d.s_axil_bresp.value)
            await RisingEdge(d.clk_i)
            tb.axil.master.write_if.b_channel.clear()
            return resp
        await RisingEdge(d.clk_i)
    raise AssertionError(f"write {addr:#05x}: no response in 20 cycles")


async def _raw_read(tb: Testbench, addr: int) -> tuple[int, int]:
    """One AXI4-Lite read of ARADDR ``addr``: (RDATA, RRESP), the whole bus word."""
    d = tb.dut
    await RisingEdge(d.clk_i)
    d.s_axil_araddr.value = addr
    d.s_axil_arvalid.value = 1
    d.s_axil_rready.value = 1
    await _accepted(d, lambda: bool(d.s_axil_arready.value), f"read {addr:#05x}: AR")
    d.s_axil_arvalid.value = 0
    for _ in range(20):
        await ReadOnly()
        if d.s_axil_rvalid.value:
            out = int(d.s_axil_rdata.value), int(d.s_axil_rresp.value)
            await RisingEdge(d.clk_i)
            tb.axil.master.read_if.r_channel.clear()
            return out
        await RisingEdge(d.clk_i)
    raise AssertionError(f"read {addr:#05x}: no response in 20 cycles")


def _wdata(rng: random.Random, strb: int) -> int:
    """Random write data whose strobed bytes are often small (so that some writes are legal)."""
    data = 0
    for b in range(4):
        byte = rng.choice((0, 0, rng.randint(0, 3), rng.randint(0, 255)))
        data |= byte << (8 * b)
    return data


@cocotb.test()
async def test_axi_subword(dut: Any) -> None:
    """Every WSTRB (0x0..0xF) at every byte offset (AWADDR = word + 0..3) to an RW register
    (T_RESET), an RO register (VERSION) and a CapMem window word, and reads at every byte
    offset: the low address bits are ignored, WSTRB selects the bytes written, the checks apply
    to the resulting value; each response, value, ERR_CODE and ERROR_COUNT as the register model
    predicts. The issue's example: byte 1 of T_RESET (0x021, WSTRB 0x2) is written."""
    tb, model = await _setup(dut)
    rng = _rng()
    win = rm.WINDOWS[-1]
    targets = [rm.T_RESET, rm.VERSION, win.addr + win.stride * rng.randrange(win.count)]
    # the example: 0x021, WSTRB 0x2, byte 1 = 0x03 on lane 1 -> T_RESET bits 15:8
    before = await tb.axil.read_ok(rm.T_RESET)
    assert await _raw_write(tb, rm.T_RESET + 1, 0x0000_0300, 0x2) == rm.OKAY
    assert await tb.axil.read_ok(rm.T_RESET) == (before & ~0xFF00) | 0x0300
    await tb.axil.write_ok(rm.T_RESET, before)
    writes = reads = 0
    for word in targets:
        for off in range(4):
            for strb in range(16):
                data = _wdata(rng, strb)
                exp_ok = model.axi_write(word + off, data, strb)
                resp = await _raw_write(tb, word + off, data, strb)
                what = f"write {word + off:#05x} WSTRB {strb:#x} WDATA {data:#010x}"
                assert resp == (rm.OKAY if exp_ok else rm.SLVERR), f"{what}: resp {resp}"
                if not exp_ok:
                    await _check_refused(tb, model, model.err_code, what)
                got, rresp = await _raw_read(tb, word + rng.randrange(4))
                exp, _ = model.axi_read(word)
                assert (got, rresp) == (exp, rm.OKAY), f"{what}: reads {got:#x}, expected {exp:#x}"
                writes += 1
        for off in range(4):
            got, rresp = await _raw_read(tb, word + off)
            exp, _ = model.axi_read(word + off)
            assert (got, rresp) == (exp, rm.OKAY), \
                f"read {word + off:#05x}: {got:#x} resp {rresp}, expected {exp:#x} OKAY"
            reads += 1
    assert await tb.axil.read_ok(rm.ERROR_COUNT) == model.error_count
    assert writes == 3 * 4 * 16 and reads == 3 * 4, (writes, reads)
    tb.log.info("sub-word access: %d writes and %d reads checked", writes, reads)
