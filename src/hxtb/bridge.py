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
from time import thread_time
from typing import Any, NamedTuple, cast

import cocotb
import numpy as np
import numpy.typing as npt
from cocotb.triggers import ReadOnly, RisingEdge, Timer, Trigger

import hxsim
from hxsim.capmem import COLUMN_CELLS, CapMemConfig
from hxsim.regmap import (
    CAPMEM_I_BIAS_LEAK_WIDTH,
    CAPMEM_QUADRANT_REGS,
    COLS,
    PHYS_ROWS,
)
from hxsim.types import I64, U8
from hxtb import config
from hxtb.vpi import U32, VpiAccess
from hxtb.wake import WakePorts

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


def unpack_words(words: U32, width: int, count: int) -> I64:
    """``count`` unsigned ``width``-bit fields (field k at bits [width*k +: width]) of a vector
    given as 32-bit words, least significant first (as ``hxsim.regmap.unpack_fields`` of its
    int)."""
    bits = np.unpackbits(np.ascontiguousarray(words, dtype="<u4").view(np.uint8),
                         bitorder="little")[: width * count].reshape(count, width)
    return bits.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))


class Signals:
    """The bridge's reads and writes of tb_top, one method per access: through the simulator's
    VPI directly (``hxtb.vpi``, when ``vpi`` is given) or through cocotb's handles (the same
    values). Wide values come as 32-bit words, least significant first."""

    def __init__(self, dut: Any, vpi: VpiAccess | None) -> None:
        self.dut = dut
        self.vpi = vpi
        self.fast = vpi is not None
        self._pages: dict[int, Any] = {}
        self._rows: dict[int, Any] = {}
        self._vec: dict[str, Any] = {}

    def _handle(self, name: str) -> Any:
        h = self.dut
        for part in name.split("."):
            h = getattr(h, part)
        return h

    def _vector(self, name: str) -> Any:
        v = self._vec.get(name)
        if v is None:
            assert self.vpi is not None
            v = self._vec[name] = self.vpi.vector(self._handle(name)._path)
        return v

    def words(self, name: str) -> U32:
        """Signal ``name`` (a path below tb_top) as words (the fast path's array is reused by
        the next read of the same signal)."""
        if self.fast:
            return cast(U32, self._vector(name).read())
        return _int_words(_to_int(self._handle(name).value), len(self._handle(name)))

    def value(self, name: str) -> int:
        """Signal ``name`` as an unsigned int (X/Z bits read as 0)."""
        if self.fast:
            return int(self._vector(name).read_int())
        return _to_int(self._handle(name).value)

    def page(self, p: int) -> U32:
        """Event-recorder page ``p`` (``ev_page[p]``) as words."""
        if not self.fast:
            h = self.dut.ev_page[p]
            return _int_words(_to_int(h.value), len(h))
        v = self._pages.get(p)
        if v is None:
            assert self.vpi is not None
            v = self._pages[p] = self.vpi.element(self.dut.ev_page._path, p)
        return cast(U32, v.read())

    def sram_row(self, r: int) -> U32:
        """Synapse SRAM row ``r`` (``u_dut.u_sram.mem[r]``) as words."""
        if not self.fast:
            h = self.dut.u_dut.u_sram.mem[r]
            return _int_words(_to_int(h.value), len(h))
        v = self._rows.get(r)
        if v is None:
            assert self.vpi is not None
            v = self._rows[r] = self.vpi.element(self.dut.u_dut.u_sram.mem._path, r)
        return cast(U32, v.read())

    def write_codes(self, codes: U8, direct: bool) -> None:
        """The 256 crossing codes to ``cross_codes_i`` (code j at bits [8j +: 8]). ``direct``
        (used under Verilator, whose cocotb writes are trusted inertial writes) and the fast
        path: an inertial VPI write at time 0, which is what cocotb's deposit does there (applied
        after the current evaluation); otherwise cocotb's deposit."""
        if self.fast and direct:
            self._vector("cross_codes_i").write(codes.view("<u4"), inertial=True)
        else:
            self.dut.cross_codes_i.value = int.from_bytes(codes.tobytes(), "little")


def _int_words(value: int, bits: int) -> U32:
    n = (bits + 31) // 32
    return np.frombuffer(value.to_bytes(4 * n, "little"), dtype="<u4").astype(np.uint32)


#: the empty event arrays of a VMM observation before its events are read (read-only, shared)
_NO_EVENTS = np.zeros(0, dtype=np.int64)
_NO_EVENTS.flags.writeable = False


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
    ev_cycles: I64 = field(default_factory=lambda: _NO_EVENTS)
    ev_drivers: I64 = field(default_factory=lambda: _NO_EVENTS)
    ev_codes: I64 = field(default_factory=lambda: _NO_EVENTS)
    ev_overflow: bool = False


class BridgeStat(NamedTuple):
    """tb_top's ``bridge_stat`` word at a conversion start (tb/hdl/tb_top.sv)."""

    cycle: int            #: rel_cycle: cycles since the VMM's cycle 0
    sel: int              #: cadc_sel_o: 0 baseline, 1 result conversion
    sram_other: bool      #: every SRAM row must be re-read (reset)
    sram_touched: bool    #: some SRAM row was written since the last baseline
    capmem_dirty: bool    #: CapMem cells written or reset since the last baseline
    dac_changed: bool     #: DAC offsets written or reset since the last baseline
    ev_overflow: bool     #: the event recorder overflowed
    ev_count: int         #: events recorded in this VMM

    @classmethod
    def unpack(cls, word: int) -> BridgeStat:
        return cls(word & 0xFFFF_FFFF, (word >> 32) & 1, bool(word >> 33 & 1),
                   bool(word >> 34 & 1), bool(word >> 35 & 1), bool(word >> 36 & 1),
                   bool(word >> 37 & 1), (word >> 38) & 0x3FFF)


#: one recorded event as stored in a recorder page (48 bits, little-endian)
_EVENT = np.dtype([("code", "u1"), ("driver", "u1"), ("cycle", "<u4")])


class EventRecorder:
    """Reads tb_top's event recorder (pages of 128 events of 48 bits:
    {cycle[31:0], 0, driver[6:0], 000, code[4:0]}) in one go, at a phase boundary."""

    def __init__(self, sig: Signals) -> None:
        self.sig = sig

    def read(self, stat: BridgeStat | None = None) -> tuple[I64, I64, I64, bool]:
        """The recorded events (cycles, drivers, codes) and the overflow flag; ``stat``: the
        status word read at this wake-up (count and overflow from it)."""
        if stat is None:
            n = self.sig.value("ev_count_q")
            ovf = bool(self.sig.value("ev_overflow_q"))
        else:
            n, ovf = stat.ev_count, stat.ev_overflow
        if n == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z.copy(), z.copy(), ovf
        pages = (n + EV_PER_PAGE - 1) // EV_PER_PAGE
        if pages == 1:
            raw = self.sig.page(0).view(np.uint8)
        else:
            raw = np.concatenate([self.sig.page(p).view(np.uint8) for p in range(pages)])
        ev = raw[: n * _EVENT.itemsize].view(_EVENT)
        return (ev["cycle"].astype(np.int64), np.bitwise_and(ev["driver"], 0x7F, dtype=np.int64),
                np.bitwise_and(ev["code"], 0x1F, dtype=np.int64), ovf)


class CapMemReader:
    """Reads the CapMem cells from hx_top's outputs (three wide vectors, one read each) when
    tb_top's ``capmem_dirty_q`` says they may have changed."""

    def __init__(self, sig: Signals) -> None:
        if set(CAPMEM_COLUMN_PORTS) != set(COLUMN_CELLS):
            raise RuntimeError(f"bridge: CapMem column cells {sorted(COLUMN_CELLS)} have no "
                               f"port in {sorted(CAPMEM_COLUMN_PORTS)}")
        self.sig = sig
        self.reads = 0

    def read(self) -> CapMemConfig:
        """The cells as the RTL presents them."""
        self.reads += 1
        quad = unpack_words(self.sig.words("capmem_quad_o"), CAPMEM_W, _QUAD_COUNT)
        q = {cell: quad[[(a - _QUAD_BASE) // 4 for a in addrs]]
             for cell, addrs in CAPMEM_QUADRANT_REGS.items()}
        c = {cell: unpack_words(self.sig.words(port), CAPMEM_W, COLS)
             for cell, port in CAPMEM_COLUMN_PORTS.items()}
        return CapMemConfig(q, c)


def settled_on_wake() -> bool:
    """Whether this simulator wakes Python on an edge of a model signal only after a complete
    evaluation (Verilator: values settled, writes applied before the next clock edge) rather
    than in the middle of it (event-driven simulators such as Icarus)."""
    return cocotb.SIM_NAME.lower().startswith("verilator")


class AnalogBridge:
    """Drives tb_top's ``cross_codes_i`` from an ``hxsim.ChipInstance`` event session.

    ``fast_vpi`` (default: the knob ``HX_FAST_VPI``, on): read and write the wide signals through
    the simulator's VPI directly (``hxtb.vpi``) when the process has it, else through cocotb."""

    def __init__(self, dut: Any, chip: hxsim.ChipInstance, fast_vpi: bool | None = None,
                 vpi: VpiAccess | None = None, wake: WakePorts | None = None) -> None:
        self.log = logging.getLogger("hxtb.bridge")
        self.dut = dut
        self.chip = chip
        if fast_vpi is None:
            fast_vpi = config.get().fast_vpi
        if vpi is None and fast_vpi:
            vpi = VpiAccess.open()
        self.sig = Signals(dut, vpi if fast_vpi else None)
        if fast_vpi and not self.sig.fast:
            self.log.warning("bridge: this simulator process exports no VPI functions; "
                             "reading and writing through cocotb (slower)")
        self.recorder = EventRecorder(self.sig)
        self.start_rise: Trigger = (wake.edge("cadc_start_o", rising=True) if wake is not None
                                    else RisingEdge(dut.cadc_start_o))
        self.read_only = ReadOnly()
        self.settle = Timer(1, unit="ns")
        self.capmem_reader = CapMemReader(self.sig)
        self.capmem = CapMemConfig.default()
        self.weights: U8 = np.zeros((PHYS_ROWS, COLS), dtype=np.uint8)
        self.dac_offsets: I64 = np.full(128, 32, dtype=np.int64)
        self.session: Any = None
        self.obs = VmmObservation()
        self.rows_read = 0
        self.wakeups = 0
        self.busy_s = 0.0  # CPU time of this thread in the wake-ups (reads, model, write), s

    # ---- readers (called at phase boundaries only) ----
    def _read_row(self, r: int) -> None:
        self.weights[r] = unpack_words(self.sig.sram_row(r), 6, COLS)
        self.rows_read += 1

    def _sync_weights(self, stat: BridgeStat) -> bool:
        """Re-read the SRAM rows that may have changed; True if any row was read."""
        if stat.sram_other or self.session is None:
            rows = np.arange(PHYS_ROWS)
        elif not stat.sram_touched:
            return False
        else:
            mask = self.sig.words("sram_touched_q")
            if not mask.any():
                return False
            rows = np.flatnonzero(np.unpackbits(mask.view(np.uint8), bitorder="little"))
        for r in rows:
            self._read_row(int(r))
        return rows.size > 0

    def _sync_capmem(self, new_session: bool, dirty: bool) -> None:
        """Re-read the CapMem cells when marked as changed (``dirty``); hand them to the session
        when they differ from what it has (every new session gets them)."""
        if dirty or new_session:
            cfg = self.capmem_reader.read()
            if cfg != self.capmem or new_session:
                self._set_capmem(cfg)
            self.capmem = cfg

    def _set_capmem(self, cfg: CapMemConfig) -> None:
        """Hand the RTL's cells to the model's event session (one place, so a test can record
        the hand-overs)."""
        self.session.set_capmem(cfg)

    def write_codes(self, codes: npt.ArrayLike, direct: bool = False) -> None:
        """Present ``codes[256]`` (uint8) on ``cross_codes_i`` (``Signals.write_codes``)."""
        c = np.ascontiguousarray(codes, dtype=np.uint8)
        if c.shape != (COLS,):
            raise ValueError(f"bridge: {c.shape} crossing codes, expected ({COLS},)")
        self.sig.write_codes(c, direct)

    # ---- the two wake-up points ----
    def read_stat(self) -> BridgeStat:
        """tb_top's status word (one read)."""
        return BridgeStat.unpack(self.sig.value("bridge_stat"))

    def on_baseline(self, stat: BridgeStat) -> U8:
        """The baseline conversion: bring the session up to date with what the RTL holds
        (SRAM rows, DAC offsets and CapMem cells, each only when ``stat`` marks it changed),
        reset it, convert."""
        changed = self._sync_weights(stat)
        new_session = self.session is None
        if new_session:
            self.dac_offsets = unpack_words(self.sig.words("dac_offset_o"), 6, 128)
            self.session = self.chip.event_session(self.weights, self.dac_offsets)
        else:
            if changed:
                self.session.set_weights(self.weights)
            if stat.dac_changed:
                dac = unpack_words(self.sig.words("dac_offset_o"), 6, 128)
                if not np.array_equal(dac, self.dac_offsets):
                    self.session.set_dac_offsets(dac)
                self.dac_offsets = dac
        self._sync_capmem(new_session, stat.capmem_dirty)
        self.obs = VmmObservation()
        self.session.reset(0)
        return np.asarray(self.session.convert(stat.cycle), dtype=np.uint8)

    def on_result(self, stat: BridgeStat) -> U8:
        """The result conversion: the recorded events into the session, convert."""
        cycle = stat.cycle
        cyc, drv, code, ovf = self.recorder.read(stat)
        self.obs.ev_cycles, self.obs.ev_drivers, self.obs.ev_codes = cyc, drv, code
        self.obs.ev_overflow = ovf
        if self.session is None:
            raise RuntimeError("bridge: result conversion without a baseline conversion")
        if cyc.size:
            # in range by construction (recorder fields: 32-bit cycle, 7-bit driver, 5-bit
            # code); codes 1..31 and cycles before the conversion, else filtered (count_nonzero:
            # no ufunc reduction), so the session needs no re-validation
            if not (np.count_nonzero(code) == code.size and cyc.max() < cycle):
                valid = (code >= 1) & (code <= 31) & (cyc < cycle)
                cyc, drv, code = cyc[valid], drv[valid], code[valid]
            self.session.apply_events_trusted(cyc, drv, code)
        return np.asarray(self.session.convert(cycle), dtype=np.uint8)

    async def run(self) -> None:
        """Forever: wake at each conversion start, compute and write the crossing codes.

        Verilator calls value-change callbacks only after a complete evaluation of the model, so
        there the values read on waking are settled and the codes are written at once (inertial:
        applied in the same time step, before the next clock edge). Event-driven simulators
        (Icarus) wake the bridge in the middle of the edge's evaluation: it reads in ReadOnly and
        writes 1 ns later."""
        settled = settled_on_wake()
        while True:
            await self.start_rise
            if not settled:
                await self.read_only
            t0 = thread_time()
            self.wakeups += 1
            stat = self.read_stat()
            codes = self.on_baseline(stat) if stat.sel == 0 else self.on_result(stat)
            self.obs.conversions.append(Conversion(stat.sel, stat.cycle, codes))
            if not settled:
                self.busy_s += thread_time() - t0
                await self.settle
                t0 = thread_time()
            self.write_codes(codes, direct=settled)
            self.busy_s += thread_time() - t0
