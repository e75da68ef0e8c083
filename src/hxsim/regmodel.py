"""The register-level model of hx_top: the one Python model of its registers, vector-port memories
and error rules (docs/interfaces.md sections 4 and 5).

``HxTopRegModel`` serves two roles (OpenTitan's pattern: the register model is the predictor):

* **register-level device**: it answers the bus requests of a register-level program
  (``execute(ops)``, through ``hxsim.bringup.program.interpret``) like hx_top does, so
  ``hxsim.device.RegisterDevice`` on it runs VMMs through AXI writes and vector stores/loads
  without a simulator (device kind ``regs``);
* **the scoreboard's predictor**: mirrored from what the testbench's monitors saw
  (``observe_store`` for accepted vector stores, ``observe_write`` for register writes), it holds
  what the DUT should hold (``w``, ``x``, ``dac``, ``col_off``) and ``predict_vmm`` gives the
  baseline codes, result codes and int8 results the DUT must return for the next VMM.

Each START computes one VMM on the array behind the model: a ``ChipInstance`` (the fast path,
``vmm_detail``: its fixed pattern and its trial-noise stream, bit-identical to the event-level
bridge of the co-simulation) or, with ``chip=None``, the ideal array of the golden reference
(``hxsim.golden.ideal_codes``: baseline code 128, gain 1/500; what tb_top's HDL ideal array
computes). DONE is immediate (there is no clock), so on its own the model is never busy; the
attribute ``busy`` (set by a test, or by a predictor that saw the DUT busy) makes it refuse
writes to the registers marked refused-while-busy (timing, CapMem) as WRITE_WHILE_BUSY, as the
RTL does. Every refusal sets STATUS.ERROR, ERR_CODE, ERROR_COUNT and IRQ_STATUS.ERROR as the RTL
does, and CTRL's ERR_CLEAR and SOFT_RESET act as specified.

Sub-word access (docs/interfaces.md section 4): the low two address bits are ignored, WSTRB
selects the bytes a write replaces (the others keep the register's value; 0 for CTRL and
IRQ_STATUS), and every check applies to the resulting value.

CapMem (``hxsim.capmem``): the quadrant registers and the two column windows are held in
``capmem_regs`` / ``capmem_cols`` and given as ``capmem`` (a ``CapMemConfig``); with a chip, every
VMM runs with the cells the registers hold (``ChipInstance.program(..., capmem=)``); the ideal
array does not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.bringup.program import (
    ExecResult,
    Op,
    check_address,
    from_lanes_int8,
    interpret,
    to_lanes,
)
from hxsim.capmem import CapMemConfig
from hxsim.golden import (
    GOLDEN_GAIN,
    TILE_COLS,
    TILE_ROWS,
    check_gain,
    ideal_codes,
    vmm_total_cycles,
)
from hxsim.regmap import (
    BAD_REG_ADDR,
    BAD_REG_VALUE,
    BAD_VEC_ADDR,
    CAPMEM_COLUMN_WINDOWS,
    CAPMEM_QUADRANT_REGS,
    CAPMEM_RESETS,
    CTRL,
    CTRL_ABORT,
    CTRL_ERR_CLEAR,
    CTRL_SOFT_RESET,
    CTRL_START,
    CYCLES_LAST,
    ERROR_COUNT,
    EVENTS_LAST,
    ID,
    ID_VALUE,
    INPUT_RANGE,
    IRQ_DONE,
    IRQ_ENABLE,
    IRQ_ERROR,
    IRQ_STATUS,
    LANES,
    NO_RESULT,
    PHYS_ROWS,
    ST_DONE,
    ST_ERROR,
    STATUS,
    TIMING_REGS,
    VA_BASELINE,
    VA_COL_OFFSET,
    VA_DAC,
    VA_INPUT,
    VA_RAW_RESULT,
    VA_RESULT,
    VA_SYN,
    VERSION,
    VERSION_VALUE,
    VMM_COUNT,
    WEIGHT_RANGE,
    WINDOWS,
    WRITE_WHILE_BUSY,
    unpack_lanes,
)
from hxsim.timing import TIMING_RANGES, Timing
from hxsim.types import I64

#: Reset value of the DAC-offset registers (mid-scale: the offset adds nothing).
DAC_RESET = 32
#: Vector addresses of the synapse SRAM (two half rows per physical row).
_SYN_END = VA_SYN + 2 * PHYS_ROWS
#: Bits a write to CTRL (four pulse bits) and to IRQ_STATUS / IRQ_ENABLE (two bits) may set.
_WRITE_BITS = {CTRL: 4, IRQ_STATUS: 2, IRQ_ENABLE: 2}
#: CapMem quadrant register address -> (cell, quadrant)
_CAPMEM_QUAD = {a: (cell, q) for cell, addrs in CAPMEM_QUADRANT_REGS.items()
                for q, a in enumerate(addrs)}
#: Allowed values of every CapMem cell (the RDL's hx_min / hx_max, the same for every cell)
_CAPMEM_RANGE = (WINDOWS[0].field.lo or 0, WINDOWS[0].field.hi or 0)
#: Bytes of a 32-bit word selected by each WSTRB value
_BYTE_MASKS = tuple(sum(0xFF << (8 * b) for b in range(4) if s >> b & 1) for s in range(16))


def _check_axi(addr: int, data: int | None = None, strb: int = 0xF) -> None:
    check_address("axi", addr)
    if data is not None and not 0 <= data <= 0xFFFF_FFFF:
        raise ValueError(f"AXI write data {data:#x} at {addr:#05x}: expected 0..0xffffffff")
    if not 0 <= strb <= 0xF:
        raise ValueError(f"AXI write strobe {strb:#x} at {addr:#05x}: expected 0..0xf")


class HxTopRegModel:
    """hx_top at its bus interfaces, on ``chip`` (or the ideal array when ``chip`` is None).

    State after reset (the attributes, all writable by tests): ``timing_regs`` (register value
    per ``hxsim.Timing`` field, defaults), ``sram[256, 256]`` (physical rows, 0), ``x[128]`` (0),
    ``dac[128]`` (32), ``col_off[256]`` (int8, 0), ``result`` (None, or the latched (baseline,
    result, y) ``[256]`` each), the counters ``cycles_last``, ``events_last``, ``vmm_count``,
    ``error_count``, the error state ``error`` / ``err_code``, ``irq_status``, ``irq_enable``,
    and ``stores`` (accepted vector stores, as the predictor counts them).

    Raises ``ValueError`` (from ``__init__``) for a gain outside (0, 1].
    """

    def __init__(self, chip: ChipInstance | None = None, gain: float = GOLDEN_GAIN) -> None:
        self.chip = chip
        self.gain = check_gain(gain)
        self.timing_regs: dict[str, int] = Timing().to_dict()
        self.sram = np.zeros((PHYS_ROWS, TILE_COLS), dtype=np.int64)
        self.x = np.zeros(TILE_ROWS, dtype=np.int64)
        self.dac = np.full(TILE_ROWS, DAC_RESET, dtype=np.int64)
        self.col_off = np.zeros(TILE_COLS, dtype=np.int64)
        self.result: tuple[I64, I64, I64] | None = None
        self.cycles_last = self.events_last = self.vmm_count = self.error_count = 0
        self.error = False
        self.err_code = 0
        self.irq_status = self.irq_enable = 0
        self.stores = 0
        self.busy = False
        self.capmem_regs: dict[int, int] = {a: CAPMEM_RESETS[cell]
                                            for a, (cell, _) in _CAPMEM_QUAD.items()}
        self.capmem_cols: dict[str, I64] = {
            cell: np.full(next(w.count for w in WINDOWS if w.addr == base), CAPMEM_RESETS[cell],
                          dtype=np.int64)
            for cell, base in CAPMEM_COLUMN_WINDOWS.items()}

    # ---- what the chip holds -------------------------------------------------------------------
    @property
    def w(self) -> I64:
        """Signed logical weights ``[128, 256]`` of the SRAM image: row 2i+1 minus row 2i."""
        return self.sram[1::2] - self.sram[0::2]

    @property
    def timing(self) -> Timing:
        """The timing registers as ``hxsim.Timing``."""
        return Timing.from_dict(self.timing_regs)

    @property
    def capmem(self) -> CapMemConfig:
        """The CapMem cells as ``hxsim.capmem.CapMemConfig``."""
        quad = {cell: [self.capmem_regs[a] for a in addrs]
                for cell, addrs in CAPMEM_QUADRANT_REGS.items()}
        return CapMemConfig(quad, {k: v.copy() for k, v in self.capmem_cols.items()})

    def _capmem_cell(self, word: int) -> tuple[str, int] | None:
        """(cell, column) of a CapMem window word; None outside the windows."""
        for w in WINDOWS:
            if word in w and w.capmem is not None:
                return w.capmem, (word - w.addr) // w.stride
        return None

    def _rw_value(self, word: int) -> int | None:
        """The value a write to ``word`` starts from (RW: the register; CTRL, IRQ_STATUS: 0);
        None for an address no write can go to."""
        for name, a in TIMING_REGS.items():
            if a == word:
                return self.timing_regs[name]
        if word in (CTRL, IRQ_STATUS):
            return 0
        if word == IRQ_ENABLE:
            return self.irq_enable
        if word in _CAPMEM_QUAD:
            return self.capmem_regs[word]
        cell = self._capmem_cell(word)
        if cell is not None:
            return int(self.capmem_cols[cell[0]][cell[1]])
        return None

    def _busy_refused(self, word: int) -> bool:
        return (word in TIMING_REGS.values() or word in _CAPMEM_QUAD
                or self._capmem_cell(word) is not None)

    @property
    def status(self) -> int:
        """The STATUS register: DONE, ERROR and ERR_CODE (never BUSY, PHASE is IDLE)."""
        return ((ST_DONE if self.result is not None else 0) | (ST_ERROR if self.error else 0)
                | (self.err_code << 8))

    # ---- the predictor -------------------------------------------------------------------------
    def predict_vmm(self, timing: Timing | None = None) -> tuple[I64, I64, I64]:
        """(baseline codes, result codes, y), int64 ``[256]`` each, of one VMM on what the model
        holds (input, weights, DAC and column offsets) with ``timing`` (default: the timing
        registers). On a ``ChipInstance`` this draws the VMM's trial noise (the stream advances
        exactly as for the DUT's VMM). Registers and counters are not changed.

        Raises ``ValueError`` when a logical row has both of its synapses non-zero (only the
        ideal array's response is defined for that SRAM image)."""
        t = timing if timing is not None else self.timing
        if self.chip is None:
            b, r, y = ideal_codes(self.x, self.w, t.num_sends, self.col_off, self.gain)
            return b, r, y
        inh, exc = self.sram[0::2], self.sram[1::2]
        if np.any((inh > 0) & (exc > 0)):
            raise ValueError("sram: the model needs at most one of the two synapses of a logical "
                             "weight non-zero")
        cfg = self.capmem
        if cfg.is_default:
            cb, cr, y8 = self.chip.vmm_detail(self.x, exc - inh, t, self.dac, self.col_off)
        else:
            tile = self.chip.program(exc - inh, self.dac, self.col_off, capmem=cfg)
            cb, cr, y8 = tile.vmm_detail(self.x, t)
        return cb.astype(np.int64), cr.astype(np.int64), y8.astype(np.int64)

    def observe_store(self, addr: int, lanes: object, err: bool = False) -> None:
        """Mirror a vector store the monitor saw: ``lanes`` (128 values 0..255, or the packed
        1024-bit word) at vector address ``addr``. Refused stores (``err``) change nothing; an
        accepted store is applied without re-judging it (the DUT accepted it)."""
        if err:
            return
        v = unpack_lanes(lanes).astype(np.int64) if isinstance(lanes, int) \
            else np.asarray(lanes, dtype=np.int64)
        self._store(int(addr), v)

    def observe_write(self, addr: int, data: int, ok: bool = True, strb: int = 0xF) -> None:
        """Mirror an accepted AXI write (as on the bus: byte address, WDATA, WSTRB) of a timing or
        CapMem register (other registers have no state the predictor needs; refused writes change
        nothing). The written value is judged by the DUT, not here."""
        if not ok:
            return
        word = addr & ~3
        base = self._rw_value(word)
        if base is None:
            return
        value = (base & ~_BYTE_MASKS[strb]) | (data & _BYTE_MASKS[strb])
        self._apply_write(word, value)

    def _apply_write(self, word: int, value: int) -> None:
        """Store an accepted write's resulting value in a timing or CapMem register."""
        for name, a in TIMING_REGS.items():
            if a == word:
                self.timing_regs[name] = int(value)
        if word in _CAPMEM_QUAD:
            self.capmem_regs[word] = int(value)
        cell = self._capmem_cell(word)
        if cell is not None:
            self.capmem_cols[cell[0]][cell[1]] = int(value)

    def _store(self, addr: int, v: I64) -> bool:
        """Apply an accepted store; False for an address that holds nothing storable."""
        if VA_SYN <= addr < _SYN_END:
            r, h = divmod(addr - VA_SYN, 2)
            self.sram[r, h::2] = v
        elif addr == VA_INPUT:
            self.x = v.copy()
        elif addr == VA_DAC:
            self.dac = v.copy()
        elif addr in (VA_COL_OFFSET, VA_COL_OFFSET + 1):
            self.col_off[addr - VA_COL_OFFSET::2] = from_lanes_int8(v)
        else:
            return False
        self.stores += 1
        return True

    # ---- the bus interface (answers the requests of program.interpret) ---------------------------
    def _err(self, code: int) -> None:
        self.error_count += 1
        self.error = True
        self.err_code = code
        self.irq_status |= IRQ_ERROR

    def axi_write(self, addr: int, data: int, strb: int = 0xF) -> bool:
        """AXI4-Lite write of byte address ``addr`` (its word; the low two bits are ignored) with
        WDATA ``data`` and WSTRB ``strb``; True for OKAY, False for SLVERR. Checks in the RTL's
        order: BAD_REG_ADDR (unmapped or read-only), WRITE_WHILE_BUSY (``busy`` and a register
        refused while busy), BAD_REG_VALUE (the resulting value outside the register's range or
        with bits outside its fields). Raises ``ValueError`` for an address outside 0..0xfff,
        data outside 32 bits or a strobe outside 0..0xf."""
        _check_axi(addr, data, strb)
        word = addr & ~3
        base = self._rw_value(word)
        if base is None:
            self._err(BAD_REG_ADDR)
            return False
        if self.busy and self._busy_refused(word):
            self._err(WRITE_WHILE_BUSY)
            return False
        value = (base & ~_BYTE_MASKS[strb]) | (data & _BYTE_MASKS[strb])
        for name, a in TIMING_REGS.items():
            if a == word:
                lo, hi = TIMING_RANGES[name]
                if not lo <= value <= hi:
                    self._err(BAD_REG_VALUE)
                    return False
        if word in _WRITE_BITS and value >> _WRITE_BITS[word]:
            self._err(BAD_REG_VALUE)
            return False
        if (word in _CAPMEM_QUAD or self._capmem_cell(word) is not None) \
                and not _CAPMEM_RANGE[0] <= value <= _CAPMEM_RANGE[1]:
            self._err(BAD_REG_VALUE)
            return False
        if word == IRQ_STATUS:
            self.irq_status &= ~value  # write 1 to clear
        elif word == IRQ_ENABLE:
            self.irq_enable = value
        elif word == CTRL:
            self._ctrl(value)
        else:
            self._apply_write(word, value)
        return True

    def _ctrl(self, data: int) -> None:
        if data & CTRL_SOFT_RESET:
            self.result = None
            self.cycles_last = self.events_last = self.vmm_count = self.error_count = 0
            self.irq_status = 0
            self.error, self.err_code = False, 0
        elif data & CTRL_START and not data & CTRL_ABORT:
            self._start()
        if data & CTRL_ERR_CLEAR:
            self.error, self.err_code = False, 0

    def _start(self) -> None:
        t = self.timing
        self.result = self.predict_vmm(t)
        self.cycles_last = int(vmm_total_cycles(t, self.x[None, :])[0])
        self.events_last = int(np.count_nonzero(self.x)) * t.num_sends
        self.vmm_count += 1
        self.irq_status |= IRQ_DONE

    def axi_read(self, addr: int) -> tuple[int, bool]:
        """AXI4-Lite read of the word holding byte address ``addr`` (the whole word; the low two
        bits are ignored): (data, OKAY?); unmapped addresses answer (0, False), BAD_REG_ADDR.
        Raises ``ValueError`` for an address outside 0..0xfff."""
        _check_axi(addr)
        word = addr & ~3
        values = {ID: ID_VALUE, VERSION: VERSION_VALUE, CTRL: 0, STATUS: self.status,
                  IRQ_STATUS: self.irq_status, IRQ_ENABLE: self.irq_enable,
                  CYCLES_LAST: self.cycles_last, VMM_COUNT: self.vmm_count,
                  ERROR_COUNT: self.error_count, EVENTS_LAST: self.events_last}
        values.update({a: self.timing_regs[n] for n, a in TIMING_REGS.items()})
        values.update(self.capmem_regs)
        if word in values:
            return values[word], True
        cell = self._capmem_cell(word)
        if cell is not None:
            return int(self.capmem_cols[cell[0]][cell[1]]), True
        self._err(BAD_REG_ADDR)
        return 0, False

    def vstore(self, addr: int, lanes: list[int]) -> bool:
        """Vector store of 128 lanes (0..255); returns the response's ``err``: INPUT_RANGE (input
        lane > 31), WEIGHT_RANGE (synapse or DAC lane > 63), BAD_VEC_ADDR (unmapped or
        load-only). Raises ``ValueError`` for lanes that are not 128 bytes and for an address
        outside the port's 16 bits."""
        check_address("vector", addr)
        v = np.asarray(lanes, dtype=np.int64)
        if v.shape != (LANES,) or v.min() < 0 or v.max() > 255:
            raise ValueError(f"vstore: expected {LANES} lanes 0..255 at 0x{addr:03x}")
        limit = {VA_INPUT: (31, INPUT_RANGE), VA_DAC: (63, WEIGHT_RANGE)}.get(addr)
        if VA_SYN <= addr < _SYN_END:
            limit = (63, WEIGHT_RANGE)
        if limit is not None and v.max() > limit[0]:
            self._err(limit[1])
            return True
        if not self._store(addr, v):
            self._err(BAD_VEC_ADDR)
            return True
        return False

    def vload(self, addr: int) -> tuple[list[int], bool]:
        """Vector load: (128 lanes, err); NO_RESULT for a result vector before any result,
        BAD_VEC_ADDR for unmapped addresses (data 0). Raises ``ValueError`` for an address
        outside the port's 16 bits."""
        check_address("vector", addr)
        if VA_SYN <= addr < _SYN_END:
            r, h = divmod(addr - VA_SYN, 2)
            return self.sram[r, h::2].tolist(), False
        if addr == VA_INPUT:
            return self.x.tolist(), False
        if addr == VA_DAC:
            return self.dac.tolist(), False
        if addr in (VA_COL_OFFSET, VA_COL_OFFSET + 1):
            return to_lanes(self.col_off[addr - VA_COL_OFFSET::2]), False
        for base, k in ((VA_RESULT, 2), (VA_BASELINE, 0), (VA_RAW_RESULT, 1)):
            if addr in (base, base + 1):
                if self.result is None:
                    self._err(NO_RESULT)
                    return [0] * LANES, True
                return to_lanes(self.result[k][addr - base::2]), False
        self._err(BAD_VEC_ADDR)
        return [0] * LANES, True

    def wait_done(self, max_cycles: int) -> bool:
        """True when a result is held and its VMM took at most ``max_cycles`` cycles."""
        return self.result is not None and self.cycles_last <= max_cycles

    def execute(self, ops: list[Op], check: bool = True, max_mismatches: int = 20) -> ExecResult:
        """Run a register-level program (``hxsim.bringup.program``); with ``check`` compare reads
        with their ``expect``. Malformed ops raise ``ValueError`` naming the op index."""
        handlers: dict[str, Callable[..., Any]] = {
            "axi_write": self.axi_write, "axi_read": self.axi_read, "vstore": self.vstore,
            "vload": self.vload, "wait_done": self.wait_done}
        steps = interpret(ops, check, max_mismatches)
        try:
            name, args = next(steps)
            while True:
                name, args = steps.send(handlers[name](*args))
        except StopIteration as stop:
            result: ExecResult = stop.value
            return result
