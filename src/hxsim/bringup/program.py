"""Register-level programs: the AXI4-Lite writes and vector-port accesses that run VMMs on the chip
(docs/interfaces.md sections 4 and 5), as a list of JSON-able operations, and the decoder that
runs them on a target.

Operations (each a dict with key ``op``):

* ``{"op": "axi_write", "addr": A, "data": D}``: one 32-bit register write (must answer OKAY);
* ``{"op": "axi_read", "addr": A, "expect": D or null, "name": N}``: one register read;
* ``{"op": "vstore", "addr": A, "lanes": [128 x 0..255]}``: one vector store (must not error);
* ``{"op": "vload", "addr": A, "expect": [128] or null, "name": N}``: one vector load;
* ``{"op": "wait_done", "max_cycles": C}``: wait until STATUS.DONE = 1 and BUSY = 0;
* ``{"op": "mark", "vmm": n}``: start of VMM ``n`` (no bus activity).

``interpret(ops)`` decodes a program into bus requests; a target answers them: the register
model of hx_top (``hxsim.regmodel.HxTopRegModel.execute``) synchronously, the co-simulation's
testbench agents (``hxtb.session.server``) with awaited bus transactions. Names (``name``) only
label mismatch messages: ``VmmProgram`` decodes a batch's reads by position and address.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hxsim.array import weights_to_physical
from hxsim.capmem import COLUMN_CELLS, QUADRANT_CELLS, CapMemConfig
from hxsim.golden import TILE_COLS, vmm_total_cycles
from hxsim.regmap import (
    CAPMEM_COLUMN_WINDOWS,
    CAPMEM_QUADRANT_REGS,
    CTRL,
    CTRL_START,
    CYCLES_LAST,
    EVENTS_LAST,
    LANES,
    TIMING_REGS,
    VA_BASELINE,
    VA_COL_OFFSET,
    VA_DAC,
    VA_INPUT,
    VA_RAW_RESULT,
    VA_RESULT,
    VA_SYN,
    join_halves,
    split_halves,
)
from hxsim.timing import Timing
from hxsim.types import I64

Op = dict[str, Any]


def to_lanes(values: object) -> list[int]:
    """Signed or unsigned bytes -> lane values 0..255 (two's complement)."""
    return [int(v) & 0xFF for v in np.asarray(values).tolist()]


def from_lanes_int8(lanes: object) -> I64:
    """Lane values 0..255 -> signed bytes -128..127 (two's complement), int64."""
    a = np.asarray(lanes, dtype=np.int64)
    return np.where(a >= 128, a - 256, a)


def setup_ops(w: I64 | None, timing: Timing | None, dac_offsets: I64 | None,
              column_offsets: I64 | None) -> list[Op]:
    """Register writes and vector stores that configure the chip (only the parts not None):
    timing registers, the synapse SRAM image of ``w[128, 256]`` (512 stores), DAC offsets
    ``[128]`` and digital column offsets ``[256]`` (two stores)."""
    ops: list[Op] = []
    if timing is not None:
        for name, addr in TIMING_REGS.items():
            ops.append({"op": "axi_write", "addr": addr, "data": int(getattr(timing, name))})
    if w is not None:
        phys = weights_to_physical(w)
        for r in range(phys.shape[0]):
            for h, part in enumerate(split_halves(phys[r])):
                ops.append({"op": "vstore", "addr": VA_SYN + 2 * r + h, "lanes": to_lanes(part)})
    if dac_offsets is not None:
        ops.append({"op": "vstore", "addr": VA_DAC, "lanes": to_lanes(dac_offsets)})
    if column_offsets is not None:
        for h, part in enumerate(split_halves(column_offsets)):
            ops.append({"op": "vstore", "addr": VA_COL_OFFSET + h, "lanes": to_lanes(part)})
    return ops


def capmem_ops(capmem: CapMemConfig, held: CapMemConfig | None = None) -> list[Op]:
    """AXI writes that make the target hold the CapMem cells ``capmem``: one write per quadrant
    register (``CAPMEM_<CELL>_Q<q>``) and per column-window word (``CAPMEM_<CELL>`` + 4 j) whose
    value differs from ``held`` (what the target holds; None: unknown, every cell is written:
    10 quadrant registers and 2 x 256 window words). Quadrant cells first, in
    ``hxsim.capmem.QUADRANT_CELLS`` order, then the column cells in column order."""
    ops: list[Op] = []
    for cell in QUADRANT_CELLS:
        new = capmem.quadrant[cell]
        for q, addr in enumerate(CAPMEM_QUADRANT_REGS[cell]):
            if held is None or held.quadrant[cell][q] != new[q]:
                ops.append({"op": "axi_write", "addr": addr, "data": int(new[q])})
    for cell in COLUMN_CELLS:
        new = capmem.column[cell]
        cols = (np.arange(new.size) if held is None
                else np.flatnonzero(held.column[cell] != new))
        base = CAPMEM_COLUMN_WINDOWS[cell]
        ops += [{"op": "axi_write", "addr": base + 4 * int(j), "data": int(new[j])} for j in cols]
    return ops


def vmm_ops(index: int, x: I64, timing: Timing, expect_y: I64 | None = None,
            raw: bool = False, expect_events: bool = True) -> list[Op]:
    """One VMM: store the input, START, wait for DONE, read counters and the result vectors.

    With ``expect_y`` the result loads carry the expected lanes and ``CYCLES_LAST`` /
    ``EVENTS_LAST`` their expected values (golden timing). ``raw`` adds the raw-code loads
    (baseline, then result codes). The reads come in the order of ``VMM_READS``.
    """
    total = int(vmm_total_cycles(timing, x[None, :])[0])
    events = int(np.count_nonzero(x)) * timing.num_sends
    exp = expect_y is not None
    ops: list[Op] = [
        {"op": "mark", "vmm": index},
        {"op": "vstore", "addr": VA_INPUT, "lanes": to_lanes(x)},
        {"op": "axi_write", "addr": CTRL, "data": CTRL_START},
        {"op": "wait_done", "max_cycles": total + 16},
        {"op": "axi_read", "addr": CYCLES_LAST, "name": "CYCLES_LAST",
         "expect": total if exp else None},
        {"op": "axi_read", "addr": EVENTS_LAST, "name": "EVENTS_LAST",
         "expect": events if exp and expect_events else None},
    ]
    for h in range(2):
        lanes = to_lanes(split_halves(expect_y)[h]) if expect_y is not None else None
        ops.append({"op": "vload", "addr": VA_RESULT + h, "name": f"result[{h}]",
                    "expect": lanes})
    if raw:
        for base, name in ((VA_BASELINE, "baseline"), (VA_RAW_RESULT, "raw_result")):
            for h in range(2):
                ops.append({"op": "vload", "addr": base + h, "name": f"{name}[{h}]",
                            "expect": None})
    return ops


#: The reads of one VMM of ``vmm_ops(raw=True)``, in program order: (op kind, address).
VMM_READS: tuple[tuple[str, int], ...] = (
    ("axi_read", CYCLES_LAST), ("axi_read", EVENTS_LAST),
    ("vload", VA_RESULT), ("vload", VA_RESULT + 1),
    ("vload", VA_BASELINE), ("vload", VA_BASELINE + 1),
    ("vload", VA_RAW_RESULT), ("vload", VA_RAW_RESULT + 1),
)


@dataclass
class ExecResult:
    """What a program's reads returned, and every mismatch against its expectations.
    ``reads`` pairs each read op with its value (an int for ``axi_read``, 128 lanes for
    ``vload``); ``read_index`` holds those ops' indices in the program; ``vmms`` counts marks."""

    reads: list[tuple[Op, Any]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    vmms: int = 0
    read_index: list[int] = field(default_factory=list)


@dataclass
class VmmProgram:
    """The register-level program of one ``run_vmms`` batch, and what the target then holds.

    ``ops(x, w, timing, dac, col, capmem)`` emits the configuration writes only for what
    changed since the last program (as a bring-up script would; CapMem cells one by one, only
    those that differ, ``capmem_ops``), then per input vector ``vmm_ops(raw=True)``.
    ``decode(result, batch)`` turns the program's reads into arrays by position, checking each
    read's address against ``VMM_READS``. After a failed program (or a raw one) call
    ``forget()``: the target's configuration is then unknown and the next program writes all
    of it. ``capmem`` is what the target holds (None: unknown); a target fresh from reset holds
    ``CapMemConfig.default()`` (the RTL's reset values), which its owner may set here to save
    the 522 writes.
    """

    w: I64 | None = None
    timing: Timing | None = None
    dac: I64 | None = None
    col: I64 | None = None
    capmem: CapMemConfig | None = None

    def forget(self) -> None:
        """The target's configuration is unknown (after a failure)."""
        self.w = self.timing = self.dac = self.col = self.capmem = None

    @staticmethod
    def _same(old: I64 | None, new: I64) -> bool:
        return old is not None and np.array_equal(old, new)

    def ops(self, x: I64, w: I64, timing: Timing, dac: I64, col: I64,
            capmem: CapMemConfig | None = None) -> list[Op]:
        """The program for inputs ``x[B, 128]`` (0..31), weights ``w[128, 256]`` (-63..63),
        ``timing``, DAC offsets ``dac[128]`` (0..63), column offsets ``col[256]`` (-128..127),
        all checked by the caller (``hxsim.device.check_vmm_args``), and the CapMem cells
        ``capmem`` (None: their reset values, as the model device takes None)."""
        cells = capmem if capmem is not None else CapMemConfig.default()
        ops = capmem_ops(cells, self.capmem) if cells != self.capmem else []
        ops += setup_ops(None if self._same(self.w, w) else w,
                         None if self.timing == timing else timing,
                         None if self._same(self.dac, dac) else dac,
                         None if self._same(self.col, col) else col)
        self.w, self.timing, self.dac, self.col = w.copy(), timing, dac.copy(), col.copy()
        self.capmem = cells
        for n in range(x.shape[0]):
            ops += vmm_ops(n, x[n], timing, raw=True)
        return ops

    @staticmethod
    def decode(result: ExecResult, batch: int) -> tuple[I64, I64, I64, I64]:
        """(baseline codes, result codes, y, cycles) from the reads of a program of ``ops``
        (``[B, 256]`` each and ``[B]``). Raises ``ValueError`` when the reads do not have the
        program's layout (e.g. the target stopped early)."""
        per = len(VMM_READS)
        if len(result.reads) != per * batch:
            raise ValueError(f"expected {per * batch} reads for {batch} VMMs, got "
                             f"{len(result.reads)}")
        b = np.empty((batch, TILE_COLS), dtype=np.int64)
        r = np.empty_like(b)
        y = np.empty_like(b)
        cycles = np.empty(batch, dtype=np.int64)
        for n in range(batch):
            reads = result.reads[per * n:per * (n + 1)]
            for (op, _), (kind, addr) in zip(reads, VMM_READS, strict=True):
                if op.get("op") != kind or int(op.get("addr", -1)) != addr:
                    raise ValueError(f"VMM {n}: read {op.get('op')} 0x{op.get('addr', 0):03x} "
                                     f"where {kind} 0x{addr:03x} was expected")
            v = [value for _, value in reads]
            cycles[n] = int(v[0])
            y[n] = from_lanes_int8(join_halves(v[2], v[3]))
            b[n] = join_halves(v[4], v[5])
            r[n] = join_halves(v[6], v[7])
        return b, r, y, cycles


def read_mismatch(where: str, op: Op, data: int, ok: bool) -> str | None:
    """The mismatch message of an ``axi_read`` (not OKAY, or differing from ``expect``)."""
    exp = op.get("expect")
    if ok and (exp is None or data == exp):
        return None
    return f"{where}: {op.get('name', hex(op['addr']))} read {data} (ok={ok}), expected {exp}"


def load_mismatch(where: str, op: Op, lanes: list[int], err: bool) -> str | None:
    """The mismatch message of a ``vload`` (``err`` set, or lanes differing from ``expect``)."""
    exp = op.get("expect")
    # one list comparison in C; the per-lane loop only to describe a mismatch
    same = exp is None or list(lanes[:LANES]) == list(exp[:LANES])
    if not err and same:
        return None
    diff = [] if same or exp is None else [i for i in range(LANES) if lanes[i] != exp[i]]
    return (f"{where}: {op.get('name', hex(op['addr']))} err={err}, "
            f"{len(diff)} lanes differ (first {diff[:4]})")


#: One bus request of the interpreter: (method name, its arguments). A target answers
#: ``axi_write(addr, data) -> OKAY?``, ``axi_read(addr) -> (data, OKAY?)``,
#: ``vstore(addr, lanes) -> err?``, ``vload(addr) -> (128 lanes, err?)`` and
#: ``wait_done(max_cycles) -> DONE in time?``.
Request = tuple[str, tuple[Any, ...]]


#: the widest address of each bus port (AXI4-Lite awaddr/araddr[11:0], vreq_addr_i[15:0])
AXI_ADDR_MAX = 0xFFF
VEC_ADDR_MAX = 0xFFFF


def check_address(kind: str, addr: int) -> None:
    """Refuse an address beyond the port of a ``kind`` op (``axi_write``/``axi_read``: AXI,
    12 bits; ``vstore``/``vload``: vector port, 16 bits): ``ValueError`` ``AXI address 0x1028:
    expected 0..0xfff`` / ``vector address ...: expected 0..0xffff``."""
    what, top = ("AXI", AXI_ADDR_MAX) if kind.startswith("axi") else ("vector", VEC_ADDR_MAX)
    if not 0 <= addr <= top:
        raise ValueError(f"{what} address {addr:#x}: expected 0..{top:#x}")


def check_addresses(ops: list[Op]) -> None:
    """``check_address`` for every bus op of a program. A device that drives real ports (the
    co-simulation) calls it before it starts, so that every device refuses such a program alike
    and at once (the register model checks each access as it comes)."""
    for op in ops:
        kind = op.get("op")
        if kind in ("axi_write", "axi_read", "vstore", "vload"):
            check_address(str(kind), int(op["addr"]))


def interpret(ops: list[Op], check: bool = True,
              max_mismatches: int = 20) -> Generator[Request, Any, ExecResult]:
    """The op decoder shared by every target: a generator that yields one ``Request`` per bus
    access and is sent the target's answer. Its return value is the ``ExecResult``.
    ``HxTopRegModel.execute`` drives it synchronously; the co-simulation server drives it with
    awaited bus transactions. Malformed ops raise ``ValueError`` naming the op index."""
    res = ExecResult()
    vmm = -1
    for k, op in enumerate(ops):
        kind = op.get("op")
        where = f"op {k} (vmm {vmm})" if vmm >= 0 else f"op {k} (before the first VMM)"
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
