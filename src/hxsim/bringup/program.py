"""Register-level programs: the AXI4-Lite writes and vector-port accesses that run VMMs on the chip
(docs/interfaces.md sections 4 and 5), as a list of JSON-able operations, and a model-backed
register target that executes them.

Operations (each a dict with key ``op``):

* ``{"op": "axi_write", "addr": A, "data": D}``: one 32-bit register write (must answer OKAY);
* ``{"op": "axi_read", "addr": A, "expect": D or null, "name": N}``: one register read;
* ``{"op": "vstore", "addr": A, "lanes": [128 x 0..255]}``: one vector store (must not error);
* ``{"op": "vload", "addr": A, "expect": [128] or null, "name": N}``: one vector load;
* ``{"op": "wait_done", "max_cycles": C}``: wait until STATUS.DONE = 1 and BUSY = 0;
* ``{"op": "mark", "vmm": n}``: start of VMM ``n`` (no bus activity).

A target executes them one by one (``RegisterTarget``) and ``execute`` collects the read values.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from hxsim.array import ChipInstance
from hxsim.golden import TILE_COLS, TILE_ROWS, vmm_total_cycles
from hxsim.regmap import (
    BAD_REG_ADDR as ERR_BAD_REG_ADDR,
    BAD_REG_VALUE as ERR_BAD_REG_VALUE,
    BAD_VEC_ADDR as ERR_BAD_VEC_ADDR,
    CTRL as REG_CTRL,
    CTRL_ABORT,
    CTRL_ERR_CLEAR,
    CTRL_SOFT_RESET,
    CTRL_START,
    CYCLES_LAST as REG_CYCLES_LAST,
    ERROR_COUNT as REG_ERROR_COUNT,
    EVENTS_LAST as REG_EVENTS_LAST,
    ID as REG_ID,
    ID_VALUE,
    INPUT_RANGE as ERR_INPUT_RANGE,
    IRQ_DONE,
    IRQ_ENABLE as REG_IRQ_ENABLE,
    IRQ_ERROR,
    IRQ_STATUS as REG_IRQ_STATUS,
    LANES,
    NO_RESULT as ERR_NO_RESULT,
    ST_DONE as STATUS_DONE,
    ST_ERROR as STATUS_ERROR,
    STATUS as REG_STATUS,
    TIMING_REGS,
    VA_BASELINE as V_BASELINE,
    VA_COL_OFFSET as V_COL_OFFSETS,
    VA_DAC as V_DAC_OFFSETS,
    VA_INPUT as V_INPUT,
    VA_RAW_RESULT as V_RAW_RESULT,
    VA_RESULT as V_RESULT,
    VA_SYN as V_SYNRAM,
    VERSION as REG_VERSION,
    VERSION_VALUE,
    VMM_COUNT as REG_VMM_COUNT,
    WEIGHT_RANGE as ERR_WEIGHT_RANGE,
    split_halves as halves,
)
from hxsim.timing import TIMING_RANGES, Timing
from hxsim.types import I64

Op = dict[str, Any]



def to_lanes(values: object) -> list[int]:
    """Signed or unsigned bytes -> lane values 0..255 (two's complement)."""
    return [int(v) & 0xFF for v in np.asarray(values).tolist()]


def from_lanes_int8(lanes: object) -> I64:
    a = np.asarray(lanes, dtype=np.int64)
    return np.where(a >= 128, a - 256, a)


def physical_rows(w: I64) -> I64:
    """Signed ``w[128, 256]`` -> SRAM image ``[256, 256]``: row 2i inhibitory, 2i+1 excitatory."""
    phys = np.empty((2 * TILE_ROWS, TILE_COLS), dtype=np.int64)
    phys[0::2] = np.maximum(-w, 0)
    phys[1::2] = np.maximum(w, 0)
    return phys


def setup_ops(w: I64 | None, timing: Timing | None, dac_offsets: I64 | None,
              column_offsets: I64 | None) -> list[Op]:
    """Register writes and vector stores that configure the chip (only the parts not None)."""
    ops: list[Op] = []
    if timing is not None:
        for name, addr in TIMING_REGS.items():
            ops.append({"op": "axi_write", "addr": addr, "data": int(getattr(timing, name))})
    if w is not None:
        phys = physical_rows(w)
        for r in range(phys.shape[0]):
            for h, part in enumerate(halves(phys[r])):
                ops.append({"op": "vstore", "addr": V_SYNRAM + 2 * r + h, "lanes": to_lanes(part)})
    if dac_offsets is not None:
        ops.append({"op": "vstore", "addr": V_DAC_OFFSETS, "lanes": to_lanes(dac_offsets)})
    if column_offsets is not None:
        for h, part in enumerate(halves(column_offsets)):
            ops.append({"op": "vstore", "addr": V_COL_OFFSETS + h, "lanes": to_lanes(part)})
    return ops


def vmm_ops(index: int, x: I64, timing: Timing, expect_y: I64 | None = None,
            raw: bool = False, expect_events: bool = True) -> list[Op]:
    """One VMM: store the input, START, wait for DONE, read counters and the result vectors.

    With ``expect_y`` the result loads carry the expected lanes and ``CYCLES_LAST`` /
    ``EVENTS_LAST`` their expected values (golden timing). ``raw`` adds the raw-code loads.
    """
    total = int(vmm_total_cycles(timing, x[None, :])[0])
    events = int(np.count_nonzero(x)) * timing.num_sends
    exp = expect_y is not None
    ops: list[Op] = [
        {"op": "mark", "vmm": index},
        {"op": "vstore", "addr": V_INPUT, "lanes": to_lanes(x)},
        {"op": "axi_write", "addr": REG_CTRL, "data": CTRL_START},
        {"op": "wait_done", "max_cycles": total + 16},
        {"op": "axi_read", "addr": REG_CYCLES_LAST, "name": "CYCLES_LAST",
         "expect": total if exp else None},
        {"op": "axi_read", "addr": REG_EVENTS_LAST, "name": "EVENTS_LAST",
         "expect": events if exp and expect_events else None},
    ]
    for h in range(2):
        lanes = to_lanes(halves(expect_y)[h]) if expect_y is not None else None
        ops.append({"op": "vload", "addr": V_RESULT + h, "name": f"result[{h}]", "expect": lanes})
    if raw:
        for base, name in ((V_BASELINE, "baseline"), (V_RAW_RESULT, "raw_result")):
            for h in range(2):
                ops.append({"op": "vload", "addr": base + h, "name": f"{name}[{h}]",
                            "expect": None})
    return ops


class RegisterTarget(Protocol):
    """A chip (real, co-simulated or modelled) at its bus interfaces."""

    def axi_write(self, addr: int, data: int) -> bool:
        """Write; True when the slave answered OKAY."""
        ...

    def axi_read(self, addr: int) -> tuple[int, bool]:
        """Read: (data, OKAY)."""
        ...

    def vstore(self, addr: int, lanes: list[int]) -> bool:
        """Vector store; True when the response had ``err`` set."""
        ...

    def vload(self, addr: int) -> tuple[list[int], bool]:
        """Vector load: (128 lanes, err)."""
        ...

    def wait_done(self, max_cycles: int) -> bool:
        """Wait for DONE; True when it came within ``max_cycles``."""
        ...


@dataclass
class ExecResult:
    """What a program's reads returned, and every mismatch against its expectations.
    ``reads`` pairs each read op with its value; ``read_index`` holds those ops' indices."""

    reads: list[tuple[Op, Any]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    vmms: int = 0
    read_index: list[int] = field(default_factory=list)


def read_mismatch(where: str, op: Op, data: int, ok: bool) -> str | None:
    """The mismatch message of an ``axi_read`` (not OKAY, or differing from ``expect``)."""
    exp = op.get("expect")
    if ok and (exp is None or data == exp):
        return None
    return f"{where}: {op.get('name', hex(op['addr']))} read {data} (ok={ok}), expected {exp}"


def load_mismatch(where: str, op: Op, lanes: list[int], err: bool) -> str | None:
    """The mismatch message of a ``vload`` (``err`` set, or lanes differing from ``expect``)."""
    exp = op.get("expect")
    diff = [i for i in range(LANES) if exp is not None and lanes[i] != exp[i]]
    if not err and not diff:
        return None
    return (f"{where}: {op.get('name', hex(op['addr']))} err={err}, "
            f"{len(diff)} lanes differ (first {diff[:4]})")


#: One bus request of the interpreter: (method name of ``RegisterTarget``, its arguments).
Request = tuple[str, tuple[Any, ...]]


def interpret(ops: list[Op], check: bool = True,
              max_mismatches: int = 20) -> Generator[Request, Any, ExecResult]:
    """The op decoder shared by every target: a generator that yields one ``Request`` per bus
    access and is sent the target's answer (``RegisterTarget`` return conventions). Its return
    value is the ``ExecResult``. ``execute`` drives it synchronously; the co-simulation drives it
    with awaited bus transactions (``hxtb.api.run_ops``). Malformed ops raise ``ValueError``
    naming the op index."""
    res = ExecResult()
    vmm = -1
    for k, op in enumerate(ops):
        kind = op.get("op")
        where = f"op {k} (vmm {vmm})"
        msg: str | None = None
        if kind == "mark":
            vmm = int(op["vmm"])
            res.vmms += 1
        elif kind == "axi_write":
            if not (yield ("axi_write", (int(op["addr"]), int(op["data"])))):
                msg = f"{where}: AXI write 0x{int(op['addr']):03x} refused"
        elif kind == "axi_read":
            data, ok = yield ("axi_read", (int(op["addr"]),))
            res.reads.append((op, data))
            res.read_index.append(k)
            msg = read_mismatch(where, op, data, ok) if check else None
        elif kind == "vstore":
            lanes_in = [int(v) for v in op["lanes"]]
            if len(lanes_in) != LANES or min(lanes_in) < 0 or max(lanes_in) > 255:
                raise ValueError(f"op {k}: vstore needs {LANES} lanes 0..255, got "
                                 f"{len(lanes_in)} lanes in {min(lanes_in, default=0)}.."
                                 f"{max(lanes_in, default=0)}")
            if (yield ("vstore", (int(op["addr"]), lanes_in))):
                msg = f"{where}: vector store 0x{int(op['addr']):03x} refused"
        elif kind == "vload":
            lanes, err = yield ("vload", (int(op["addr"]),))
            lanes = [int(v) for v in lanes]
            res.reads.append((op, lanes))
            res.read_index.append(k)
            msg = load_mismatch(where, op, lanes, bool(err)) if check else None
        elif kind == "wait_done":
            if not (yield ("wait_done", (int(op["max_cycles"]),))):
                msg = f"{where}: DONE not within {op['max_cycles']} cycles"
        else:
            raise ValueError(f"op: unknown operation {kind!r} at index {k}")
        if msg is not None:
            res.mismatches.append(msg)
        if len(res.mismatches) >= max_mismatches:
            break
    return res


def execute(ops: list[Op], target: RegisterTarget, check: bool = True,
            max_mismatches: int = 20) -> ExecResult:
    """Run ``ops`` on ``target``; with ``check`` compare reads with their ``expect``."""
    steps = interpret(ops, check, max_mismatches)
    try:
        name, args = next(steps)
        while True:
            name, args = steps.send(getattr(target, name)(*args))
    except StopIteration as stop:
        result: ExecResult = stop.value
        return result


class ModelRegisterTarget:
    """The register and vector-port behaviour of ``hx_top`` (docs/interfaces.md) on top of the
    model: each START runs one VMM on ``chip`` with the SRAM, input, DAC and digital offsets and
    timing registers as stored. DONE is immediate (no clock), so the target is never busy.
    Refused accesses set STATUS.ERROR, ERR_CODE (last), ERROR_COUNT and IRQ_STATUS.ERROR as the
    RTL does; CTRL's ERR_CLEAR and SOFT_RESET act as specified. Used to test register-level
    programs and as the model stand-in for the co-simulation target."""

    def __init__(self, chip: ChipInstance) -> None:
        self.chip = chip
        self.timing = Timing().to_dict()
        self.sram = np.zeros((2 * TILE_ROWS, TILE_COLS), dtype=np.int64)
        self.x = np.zeros(TILE_ROWS, dtype=np.int64)
        self.dac = np.full(TILE_ROWS, 32, dtype=np.int64)
        self.col = np.zeros(TILE_COLS, dtype=np.int64)
        self.result: tuple[I64, I64, I64] | None = None
        self.cycles_last = 0
        self.events_last = 0
        self.vmm_count = 0
        self.error_count = 0
        self.error = False
        self.err_code = 0
        self.irq_status = 0
        self.irq_enable = 0

    def _err(self, code: int) -> None:
        self.error_count += 1
        self.error = True
        self.err_code = code
        self.irq_status |= IRQ_ERROR

    def axi_write(self, addr: int, data: int) -> bool:
        for name, a in TIMING_REGS.items():
            if a == addr:
                lo, hi = TIMING_RANGES[name]
                if not lo <= data <= hi:
                    self._err(ERR_BAD_REG_VALUE)
                    return False
                self.timing[name] = int(data)
                return True
        if addr in (REG_CTRL, REG_IRQ_STATUS, REG_IRQ_ENABLE):
            if data >> (4 if addr == REG_CTRL else 2):
                self._err(ERR_BAD_REG_VALUE)
                return False
            if addr == REG_IRQ_STATUS:
                self.irq_status &= ~data
            elif addr == REG_IRQ_ENABLE:
                self.irq_enable = data
            else:
                self._ctrl(data)
            return True
        self._err(ERR_BAD_REG_ADDR)
        return False

    def _ctrl(self, data: int) -> None:
        if data & CTRL_SOFT_RESET:
            self.result = None
            self.cycles_last = self.events_last = self.vmm_count = self.error_count = 0
            self.irq_status = 0
            self.error, self.err_code = False, 0
        elif data & CTRL_START and not data & CTRL_ABORT:
            self._run()
        if data & CTRL_ERR_CLEAR:
            self.error, self.err_code = False, 0

    def axi_read(self, addr: int) -> tuple[int, bool]:
        status = ((STATUS_DONE if self.result is not None else 0)
                  | (STATUS_ERROR if self.error else 0) | (self.err_code << 8))
        values = {REG_ID: ID_VALUE, REG_VERSION: VERSION_VALUE, REG_CTRL: 0,
                  REG_STATUS: status, REG_IRQ_STATUS: self.irq_status,
                  REG_IRQ_ENABLE: self.irq_enable,
                  REG_CYCLES_LAST: self.cycles_last, REG_VMM_COUNT: self.vmm_count,
                  REG_ERROR_COUNT: self.error_count, REG_EVENTS_LAST: self.events_last}
        values.update({a: self.timing[n] for n, a in TIMING_REGS.items()})
        if addr in values:
            return values[addr], True
        self._err(ERR_BAD_REG_ADDR)
        return 0, False

    def vstore(self, addr: int, lanes: list[int]) -> bool:
        v = np.asarray(lanes, dtype=np.int64)
        if v.shape != (LANES,) or v.min() < 0 or v.max() > 255:
            raise ValueError(f"vstore: expected {LANES} lanes 0..255 at 0x{addr:03x}")
        if V_SYNRAM <= addr < V_SYNRAM + 2 * 2 * TILE_ROWS:
            if v.max() > 63:
                self._err(ERR_WEIGHT_RANGE)
                return True
            r, h = divmod(addr - V_SYNRAM, 2)
            self.sram[r, h::2] = v
        elif addr == V_INPUT:
            if v.max() > 31:
                self._err(ERR_INPUT_RANGE)
                return True
            self.x = v
        elif addr == V_DAC_OFFSETS:
            if v.max() > 63:
                self._err(ERR_WEIGHT_RANGE)
                return True
            self.dac = v
        elif addr in (V_COL_OFFSETS, V_COL_OFFSETS + 1):
            self.col[addr - V_COL_OFFSETS::2] = from_lanes_int8(v)
        else:
            self._err(ERR_BAD_VEC_ADDR)
            return True
        return False

    def vload(self, addr: int) -> tuple[list[int], bool]:
        if V_SYNRAM <= addr < V_SYNRAM + 2 * 2 * TILE_ROWS:
            r, h = divmod(addr - V_SYNRAM, 2)
            return self.sram[r, h::2].tolist(), False
        if addr == V_INPUT:
            return self.x.tolist(), False
        if addr == V_DAC_OFFSETS:
            return self.dac.tolist(), False
        if addr in (V_COL_OFFSETS, V_COL_OFFSETS + 1):
            return to_lanes(self.col[addr - V_COL_OFFSETS::2]), False
        for base, k in ((V_RESULT, 2), (V_BASELINE, 0), (V_RAW_RESULT, 1)):
            if addr in (base, base + 1):
                if self.result is None:
                    self._err(ERR_NO_RESULT)
                    return [0] * LANES, True
                return to_lanes(self.result[k][addr - base::2]), False
        self._err(ERR_BAD_VEC_ADDR)
        return [0] * LANES, True

    def wait_done(self, max_cycles: int) -> bool:
        return self.result is not None and self.cycles_last <= max_cycles

    def _run(self) -> None:
        t = Timing.from_dict(self.timing)
        inh, exc = self.sram[0::2], self.sram[1::2]
        if np.any((inh > 0) & (exc > 0)):
            raise ValueError("sram: the model target needs at most one of the two synapses of a "
                             "logical weight non-zero")
        w = exc - inh
        b, r, y = self.chip.vmm_detail(self.x, w, t, self.dac, self.col)
        self.result = (b.astype(np.int64), r.astype(np.int64), y.astype(np.int64))
        self.cycles_last = int(vmm_total_cycles(t, self.x[None, :])[0])
        self.events_last = int(np.count_nonzero(self.x)) * t.num_sends
        self.vmm_count += 1
        self.irq_status |= IRQ_DONE

    def execute(self, ops: list[Op]) -> ExecResult:
        """Batch interface (what a co-simulation target offers): run a program."""
        return execute(ops, self, check=True)
