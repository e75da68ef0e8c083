"""The analog array in Python: the bridge between tb_top's HDL shell and hxsim's event session.

Assumptions (docs/interfaces.md sections 2-3, docs/cosim.md):
- Python wakes only on the rising edge of ``cadc_start_o`` (twice per VMM), never per clock.
- Weights come from the RTL's synapse SRAM (``u_dut.u_sram.mem``, read by hierarchy), DAC offsets
  from ``dac_offset_o``, events from tb_top's event recorder: never from the stimulus, so an RTL
  bug shows up as a wrong result.
- CapMem cells from hx_top's outputs ``capmem_quad_o``, ``capmem_synin_gm_o``,
  ``capmem_leak_o`` (rtl/hx_capmem.sv), re-read when tb_top's tracker ``capmem_dirty_q`` says
  they were written or reset since the last baseline conversion, and handed to the session as an
  ``hxsim.capmem.CapMemConfig`` (``set_capmem``).
- Baseline conversion (``cadc_sel_o`` = 0): re-read the SRAM rows tb_top marks as possibly
  changed and the CapMem cells when marked, ``reset`` the session at cycle 0, ``convert`` at the
  conversion's first cycle.
- Result conversion (``cadc_sel_o`` = 1): ``apply_events`` with the recorded events, ``convert``.
- The crossing codes are written in one go before the edge that ends the first ramp step (even
  with ``adc_reset_wait`` = 0): under Verilator on waking (values are settled there), under other
  simulators read in ReadOnly and written 1 ns after the conversion's first clock edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import cocotb
import numpy as np
import numpy.typing as npt
from cocotb.triggers import ReadOnly, RisingEdge, Timer

import hxsim
from hxsim.capmem import COLUMN_CELLS, CapMemConfig
from hxsim.regmap import (
    CAPMEM_I_BIAS_LEAK_WIDTH,
    CAPMEM_QUADRANT_REGS,
    COLS,
    PHYS_ROWS,
    unpack_fields,
)
from hxsim.types import I64, U8

EV_PER_PAGE = 128
EV_BITS = 48
#: CapMem cell width and quadrant registers: capmem_quad_o holds register k (address order from
#: the lowest quadrant register) at [10k +: 10]
CAPMEM_W = CAPMEM_I_BIAS_LEAK_WIDTH
_QUAD_BASE = min(a for addrs in CAPMEM_QUADRANT_REGS.values() for a in addrs)
_QUAD_COUNT = sum(len(addrs) for addrs in CAPMEM_QUADRANT_REGS.values())
#: hx_top output of each column cell
CAPMEM_COLUMN_PORTS = {"i_bias_synin_gm": "capmem_synin_gm_o", "i_bias_leak": "capmem_leak_o"}


def _to_int(value: Any) -> int:
    """A LogicArray as unsigned int; X/Z bits read as 0 (in Icarus only the unused slots of a
    partly filled event-recorder page hold X; the SRAM powers up at 0)."""
    try:
        return int(value.to_unsigned())
    except ValueError:
        return int(str(value).lower().replace("x", "0").replace("z", "0"), 2)


@dataclass
class Conversion:
    """What the bridge did at one CADC conversion."""

    sel: int
    cycle: int
    codes: U8


@dataclass
class VmmObservation:
    """One VMM as seen by the bridge: conversions and the events the RTL emitted."""

    conversions: list[Conversion] = field(default_factory=list)
    ev_cycles: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ev_drivers: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ev_codes: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ev_overflow: bool = False


class EventRecorder:
    """Reads tb_top's event recorder (pages of 128 events of 48 bits:
    {cycle[31:0], 0, driver[6:0], 000, code[4:0]}) in one go, at a phase boundary."""

    def __init__(self, dut: Any) -> None:
        self.count = dut.ev_count_q
        self.overflow = dut.ev_overflow_q
        self.pages = dut.ev_page

    def read(self) -> tuple[I64, I64, I64, bool]:
        n = _to_int(self.count.value)
        ovf = bool(self.overflow.value)
        if n == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), z.copy(), ovf
        pages = (n + EV_PER_PAGE - 1) // EV_PER_PAGE
        raw = b"".join(_le_bytes(self.pages[p].value) for p in range(pages))
        f = np.frombuffer(raw, dtype=np.uint8).reshape(-1, EV_BITS // 8)[:n]
        return (f[:, 2:6].copy().view("<u4")[:, 0].astype(np.int64),
                (f[:, 1] & 0x7F).astype(np.int64), (f[:, 0] & 0x1F).astype(np.int64), ovf)


def _le_bytes(value: Any) -> bytes:
    """A LogicArray's bits as little-endian bytes (bit 0 = bit 0 of byte 0), vectorized over its
    binary string; X/Z read as 0 (as ``_to_int``)."""
    s = np.frombuffer(str(value).encode("ascii"), dtype=np.uint8)[::-1]
    return np.packbits((s == ord("1")) | (s == ord("H")), bitorder="little").tobytes()


class CapMemReader:
    """Reads the CapMem cells from hx_top's outputs (three wide vectors, one VPI read each) when
    tb_top's ``capmem_dirty_q`` says they may have changed."""

    def __init__(self, dut: Any) -> None:
        if set(CAPMEM_COLUMN_PORTS) != set(COLUMN_CELLS):
            raise RuntimeError(f"bridge: CapMem column cells {sorted(COLUMN_CELLS)} have no "
                               f"port in {sorted(CAPMEM_COLUMN_PORTS)}")
        self.dirty = dut.capmem_dirty_q
        self.quad = dut.capmem_quad_o
        self.cols = {cell: getattr(dut, port) for cell, port in CAPMEM_COLUMN_PORTS.items()}
        self.reads = 0

    def changed(self) -> bool:
        return str(self.dirty.value) == "1"

    def read(self) -> CapMemConfig:
        """The cells as the RTL presents them."""
        self.reads += 1
        quad = unpack_fields(_to_int(self.quad.value), CAPMEM_W, _QUAD_COUNT)
        q = {cell: quad[[(a - _QUAD_BASE) // 4 for a in addrs]]
             for cell, addrs in CAPMEM_QUADRANT_REGS.items()}
        c = {cell: unpack_fields(_to_int(h.value), CAPMEM_W, COLS) for cell, h in self.cols.items()}
        return CapMemConfig(q, c)


class AnalogBridge:
    """Drives tb_top's ``cross_codes_i`` from an ``hxsim.ChipInstance`` event session."""

    def __init__(self, dut: Any, chip: hxsim.ChipInstance) -> None:
        self.log = logging.getLogger("hxtb.bridge")
        self.dut = dut
        self.chip = chip
        self.recorder = EventRecorder(dut)
        self.start_rise = RisingEdge(dut.cadc_start_o)
        self.read_only = ReadOnly()
        self.settle = Timer(1, unit="ns")
        self.sel = dut.cadc_sel_o
        self.rel_cycle = dut.rel_cycle
        self.cross = dut.cross_codes_i
        self.dac = dut.dac_offset_o
        self.touched = dut.sram_touched_q
        self.other = dut.sram_other_q
        self.mem = dut.u_dut.u_sram.mem
        self.capmem_reader = CapMemReader(dut)
        self.capmem = CapMemConfig.default()
        self.weights: U8 = np.zeros((PHYS_ROWS, COLS), dtype=np.uint8)
        self.dac_offsets: I64 = np.full(128, 32, dtype=np.int64)
        self._dac_raw = -1  # dac_offset_o as last read (the offsets are unpacked when it changes)
        self.session: Any = None
        self.obs = VmmObservation()
        self.history: list[VmmObservation] = []
        self.rows_read = 0
        self.wakeups = 0

    # ---- readers (called at phase boundaries only) ----
    def _read_row(self, r: int) -> None:
        self.weights[r] = unpack_fields(_to_int(self.mem[r].value), 6, COLS).astype(np.uint8)
        self.rows_read += 1

    def _sync_weights(self) -> bool:
        """Re-read the SRAM rows that may have changed; True if any row was read."""
        rows: list[int]
        if self.other.value or self.session is None:
            rows = list(range(PHYS_ROWS))
        else:
            mask = _to_int(self.touched.value)
            rows = [r for r in range(PHYS_ROWS) if (mask >> r) & 1] if mask else []
        for r in rows:
            self._read_row(r)
        return len(rows) > 0

    def _sync_capmem(self, new_session: bool) -> None:
        """Re-read the CapMem cells when marked as changed; hand them to the session when they
        differ from what it has (every new session gets them)."""
        if self.capmem_reader.changed() or new_session:
            cfg = self.capmem_reader.read()
            if cfg != self.capmem or new_session:
                self._set_capmem(cfg)
            self.capmem = cfg

    def _set_capmem(self, cfg: CapMemConfig) -> None:
        """Hand the RTL's cells to the model's event session (one place, so a test can record
        the hand-overs)."""
        self.session.set_capmem(cfg)

    def write_codes(self, codes: npt.ArrayLike) -> None:
        c = np.asarray(codes, dtype=np.uint8)
        self.cross.value = int.from_bytes(c.tobytes(), "little")

    # ---- the two wake-up points ----
    def on_baseline(self, cycle: int) -> U8:
        changed = self._sync_weights()
        dac_raw = _to_int(self.dac.value)
        new_session = self.session is None
        if self.session is None:
            self.dac_offsets = unpack_fields(dac_raw, 6, 128)
            self.session = self.chip.event_session(self.weights, self.dac_offsets)
        else:
            if changed:
                self.session.set_weights(self.weights)
            if dac_raw != self._dac_raw:
                dac = unpack_fields(dac_raw, 6, 128)
                if not np.array_equal(dac, self.dac_offsets):
                    self.session.set_dac_offsets(dac)
                self.dac_offsets = dac
        self._dac_raw = dac_raw
        self._sync_capmem(new_session)
        self.obs = VmmObservation()
        self.history.append(self.obs)
        self.session.reset(0)
        return np.asarray(self.session.convert(cycle), dtype=np.uint8)

    def on_result(self, cycle: int) -> U8:
        cyc, drv, code, ovf = self.recorder.read()
        self.obs.ev_cycles, self.obs.ev_drivers, self.obs.ev_codes = cyc, drv, code
        self.obs.ev_overflow = ovf
        if self.session is None:
            raise RuntimeError("bridge: result conversion without a baseline conversion")
        valid = (code >= 1) & (code <= 31) & (cyc < cycle)
        if cyc.size:
            # in range by construction (recorder fields: 32-bit cycle, 7-bit driver; codes
            # filtered to 1..31): no re-validation
            self.session.apply_events_trusted(cyc[valid], drv[valid], code[valid])
        return np.asarray(self.session.convert(cycle), dtype=np.uint8)

    async def run(self) -> None:
        """Forever: wake at each conversion start, compute and write the crossing codes.

        Verilator calls value-change callbacks only after a complete evaluation of the model, so
        there the values read on waking are settled and the codes are written at once (inertial:
        applied in the same time step, before the next clock edge). Event-driven simulators
        (Icarus) wake the bridge in the middle of the edge's evaluation: it reads in ReadOnly and
        writes 1 ns later."""
        settled_on_wake = cocotb.SIM_NAME.lower().startswith("verilator")
        while True:
            await self.start_rise
            if not settled_on_wake:
                await self.read_only
            self.wakeups += 1
            sel = int(self.sel.value)
            cycle = _to_int(self.rel_cycle.value)
            codes = self.on_baseline(cycle) if sel == 0 else self.on_result(cycle)
            self.obs.conversions.append(Conversion(sel, cycle, codes))
            if not settled_on_wake:
                await self.settle
            self.write_codes(codes)
