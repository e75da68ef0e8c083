"""The register contract from one source: ``python -m hxsim.contract`` (``make regs``).

Compiles data/hx_top.rdl (SystemRDL, ``systemrdl-compiler``) and writes, from the compiled model:

- ``rtl/hx_reg_pkg.sv``: SV package of addresses, field positions/widths, reset values, ranges,
  error codes and the STATUS.PHASE encoding (the RTL imports it);
- ``src/hxsim/_regmap.py``: the Python map (re-exported by :mod:`hxsim.regmap`);
- ``include/hx_top_regs.h``, ``include/hx_vport_regs.h``: C headers by ``peakrdl-cheader``, and
  ``include/hx_top.h``: offsets, ranges, error codes and phases, checked against those structs;
- the Markdown tables of docs/interfaces.md between ``<!-- BEGIN generated: ... -->`` markers.

Options: ``--check`` compares instead of writing (exit 1 and a diff when anything differs);
``--out DIR`` writes the files under DIR (same relative paths); ``--rdl FILE`` reads another
RDL file. Needs the ``dev`` extra (systemrdl-compiler, peakrdl-cheader); the generated files do
not.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hxsim.outputs import write_text_atomic

#: The repository (hxsim is installed editable from its src/ folder).
ROOT = Path(__file__).resolve().parents[2]
RDL = ROOT / "data" / "hx_top.rdl"
#: The name written into every generated file's header.
SOURCE = "data/hx_top.rdl"
NOTICE = f"generated from {SOURCE} by `make regs`; do not edit"
#: The root address maps of the RDL file.
REG_MAP = "hx_top"
VEC_MAP = "hx_vport"
#: A field with this name is its register's whole value (its constants drop the field part).
VALUE = "VALUE"

SV_PKG = Path("rtl/hx_reg_pkg.sv")
PY_MAP = Path("src/hxsim/_regmap.py")
C_REGS = Path("include/hx_top_regs.h")
C_VPORT = Path("include/hx_vport_regs.h")
C_TOP = Path("include/hx_top.h")
DOCS = Path("docs/interfaces.md")
OUTPUTS = (SV_PKG, PY_MAP, C_REGS, C_VPORT, C_TOP, DOCS)


# ------------------------------------------------------------------------------------------------
# The compiled contract, reduced to what the outputs need
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnumDef:
    """An RDL enum ``hx_<kind>``: its constants are ``<KIND>_<MEMBER>``."""

    rdl_name: str
    width: int
    members: tuple[tuple[str, int, str], ...]  # (name, value, desc)

    @property
    def kind(self) -> str:
        return self.rdl_name.removeprefix("hx_").upper()

    @property
    def py_class(self) -> str:
        return self.kind.capitalize()


@dataclass(frozen=True)
class FieldDef:
    name: str
    lsb: int
    width: int
    sw: str                  # "r", "w" or "rw"
    reset: int | None
    lo: int | None           # hx_min
    hi: int | None           # hx_max
    range_err: str | None    # hx_range_err member name
    w1c: bool                # onwrite = woclr
    pulse: bool              # singlepulse
    signed: bool             # hx_signed
    encode: str | None       # enum rdl name
    desc: str

    @property
    def msb(self) -> int:
        return self.lsb + self.width - 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb

    @property
    def bits(self) -> str:
        return f"[{self.lsb}]" if self.width == 1 else f"[{self.msb}:{self.lsb}]"


@dataclass(frozen=True)
class RegDef:
    name: str
    addr: int
    width: int
    fields: tuple[FieldDef, ...]
    timing: str | None       # hx_timing
    busy_refused: bool       # hx_busy_refused
    desc: str
    capmem: str | None = None    # hx_capmem: the CapMem cell it holds
    quadrant: int | None = None  # hx_quadrant

    @property
    def access(self) -> str:
        """RO, WO (reads 0), W1C (write 1 to clear) or RW."""
        sws = {f.sw for f in self.fields}
        if sws == {"r"}:
            return "RO"
        if sws == {"w"}:
            return "WO"
        if any(f.w1c for f in self.fields):
            return "W1C"
        return "RW"

    @property
    def reset(self) -> int:
        return sum((f.reset or 0) << f.lsb for f in self.fields)

    @property
    def wmask(self) -> int:
        return sum(f.mask for f in self.fields if "w" in f.sw)

    @property
    def value(self) -> FieldDef | None:
        """The VALUE field, when it is the only one and starts at bit 0."""
        if len(self.fields) == 1 and self.fields[0].name == VALUE and self.fields[0].lsb == 0:
            return self.fields[0]
        return None

    def const(self, field: FieldDef, suffix: str = "") -> str:
        """Constant name of a field: REG_FIELD[_SUFFIX], REG[_SUFFIX] for the VALUE field."""
        base = self.name if field.name == VALUE else f"{self.name}_{field.name}"
        return f"{base}_{suffix}" if suffix else base


@dataclass(frozen=True)
class WindowDef:
    """A register array of the AXI map: ``count`` 32-bit words from ``addr`` (stride 4), each one
    ``field`` (a CapMem column window: element j = column j)."""

    name: str
    addr: int
    count: int
    stride: int
    field: FieldDef
    busy_refused: bool
    capmem: str | None
    desc: str

    @property
    def end(self) -> int:
        """The first byte address after the window."""
        return self.addr + self.count * self.stride


@dataclass(frozen=True)
class VecDef:
    """A vector-port entry: ``rows`` x ``halves`` consecutive vector addresses."""

    name: str
    addr: int
    rows: int
    halves: int
    lanes: int
    lane: FieldDef
    desc: str

    @property
    def access(self) -> str:
        return "store / load" if "w" in self.lane.sw else "load"

    @property
    def count(self) -> int:
        return self.rows * self.halves

    @property
    def const(self) -> str:
        return f"VA_{self.name}"

    def addr_text(self) -> str:
        if self.rows > 1 and self.halves == 2:
            return (f"`0x{self.addr:03X} + 2*r + h` (r = 0..{self.rows - 1}, h = 0..1)")
        if self.halves == 2:
            return f"`0x{self.addr:03X} + h`"
        return f"`0x{self.addr:03X}`"


@dataclass(frozen=True)
class Contract:
    reg_addr_w: int
    reg_data_w: int
    vec_addr_w: int
    lanes: int
    regs: tuple[RegDef, ...]
    vecs: tuple[VecDef, ...]
    enums: tuple[EnumDef, ...]
    windows: tuple[WindowDef, ...] = ()

    @property
    def capmem_regs(self) -> tuple[RegDef, ...]:
        return tuple(r for r in self.regs if r.capmem)

    @property
    def timing_regs(self) -> tuple[RegDef, ...]:
        return tuple(r for r in self.regs if r.timing)

    def enum(self, kind: str) -> EnumDef:
        return next(e for e in self.enums if e.kind == kind)


def _text(node: Any, prop: str) -> str:
    return " ".join(str(node.get_property(prop) or "").split())


def _field(f: Any) -> FieldDef:
    sw = f.get_property("sw").name
    enc = f.get_property("encode")
    err = f.get_property("hx_range_err")
    return FieldDef(
        name=f.inst_name, lsb=f.lsb, width=f.width, sw=sw,
        reset=f.get_property("reset"), lo=f.get_property("hx_min"), hi=f.get_property("hx_max"),
        range_err=err.name if err is not None else None,
        w1c=f.get_property("onwrite") is not None and f.get_property("onwrite").name == "woclr",
        pulse=bool(f.get_property("singlepulse")), signed=bool(f.get_property("hx_signed")),
        encode=enc.type_name if enc is not None else None, desc=_text(f, "desc"))


def _elaborate(rdl: Path, top: str) -> Any:
    from systemrdl import RDLCompiler

    comp = RDLCompiler()
    comp.compile_file(str(rdl))
    return comp.elaborate(top_def_name=top)


def load(rdl: Path = RDL) -> Contract:
    """Compile ``rdl`` and check the rules the generators rely on."""
    from systemrdl.node import RegNode

    regs_root = _elaborate(rdl, REG_MAP).top
    vec_root = _elaborate(rdl, VEC_MAP).top
    regs: list[RegDef] = []
    enums: dict[str, EnumDef] = {}
    windows: list[WindowDef] = []
    data_w = 0
    for r in regs_root.children():
        if not isinstance(r, RegNode):
            raise ValueError(f"{rdl}: {REG_MAP}.{r.inst_name}: only registers are supported")
        fields = tuple(_field(f) for f in r.fields())
        if r.is_array:
            dims = list(r.array_dimensions or [])
            if len(dims) != 1 or len(fields) != 1 or fields[0].name != VALUE \
                    or fields[0].lsb != 0 or r.array_stride != r.get_property("regwidth") // 8:
                raise ValueError(f"{rdl}: {REG_MAP}.{r.inst_name}: a register array must be "
                                 "one-dimensional, of consecutive words, with one VALUE field")
            windows.append(WindowDef(
                name=r.inst_name, addr=r.raw_absolute_address, count=dims[0],
                stride=int(r.array_stride), field=fields[0],
                busy_refused=bool(r.get_property("hx_busy_refused")),
                capmem=r.get_property("hx_capmem") or None, desc=_text(r, "desc")))
            continue
        quadrant = r.get_property("hx_quadrant")
        reg = RegDef(name=r.inst_name, addr=r.absolute_address, width=r.get_property("regwidth"),
                     fields=fields, timing=r.get_property("hx_timing") or None,
                     busy_refused=bool(r.get_property("hx_busy_refused")), desc=_text(r, "desc"),
                     capmem=r.get_property("hx_capmem") or None,
                     quadrant=int(quadrant) if quadrant is not None else None)
        data_w = max(data_w, reg.width)
        if any(f.name == VALUE for f in fields) and reg.value is None:
            raise ValueError(f"{rdl}: {reg.name}: a VALUE field must be the only field, at bit 0")
        if reg.timing and (reg.value is None or reg.value.lo is None or reg.value.hi is None):
            raise ValueError(f"{rdl}: timing register {reg.name} needs one VALUE field with "
                             "hx_min and hx_max")
        regs.append(reg)
        for f in r.fields():
            enc = f.get_property("encode")
            if enc is not None:
                members = tuple((m.name, m.value, " ".join((m.rdl_desc or "").split()))
                                for m in enc)
                enums[enc.type_name] = EnumDef(enc.type_name, f.width, members)
    vecs: list[VecDef] = []
    for v in vec_root.children():
        if not isinstance(v, RegNode):
            raise ValueError(f"{rdl}: {VEC_MAP}.{v.inst_name}: only registers are supported")
        dims = list(v.array_dimensions or [])
        if dims not in ([], [2]) and not (len(dims) == 2 and dims[1] == 2):
            raise ValueError(f"{rdl}: {VEC_MAP}.{v.inst_name}: dimensions [rows][2] or [2] only")
        halves = 2 if dims else 1
        rows = dims[0] if len(dims) == 2 else 1
        lane = [_field(f) for f in v.fields()]
        if len(lane) != 1 or lane[0].name != VALUE:
            raise ValueError(f"{rdl}: {VEC_MAP}.{v.inst_name}: one field VALUE (a lane) expected")
        if v.is_array and v.array_stride != 1:
            raise ValueError(f"{rdl}: {VEC_MAP}.{v.inst_name}: vectors are consecutive addresses")
        vecs.append(VecDef(name=v.inst_name, addr=v.raw_absolute_address, rows=rows,
                           halves=halves, lanes=int(v.get_property("hx_lanes")), lane=lane[0],
                           desc=_text(v, "desc")))
    lanes = {v.lanes for v in vecs}
    if len(lanes) != 1:
        raise ValueError(f"{rdl}: all vectors must have the same hx_lanes, got {sorted(lanes)}")
    # the range errors name enum members: every enum used must be known
    for err in {f.range_err for r in regs for f in r.fields} | {v.lane.range_err for v in vecs}:
        if err is not None and "hx_err" in enums and \
                err not in {m[0] for m in enums["hx_err"].members}:
            raise ValueError(f"{rdl}: unknown error code {err}")
    for w in windows:
        if any(w.addr <= r.addr < w.end for r in regs):
            raise ValueError(f"{rdl}: {REG_MAP}.{w.name}: a register lies inside the window")
        if w.capmem is None:
            raise ValueError(f"{rdl}: {REG_MAP}.{w.name}: only CapMem windows (hx_capmem) are "
                             "supported")
    for r in regs:
        if (r.capmem is None) != (r.quadrant is None) or (r.capmem and r.value is None):
            raise ValueError(f"{rdl}: {r.name}: a CapMem register needs hx_capmem, hx_quadrant "
                             "and one VALUE field")
    return Contract(reg_addr_w=int(regs_root.get_property("hx_addr_width")), reg_data_w=data_w,
                    vec_addr_w=int(vec_root.get_property("hx_addr_width")),
                    lanes=lanes.pop(), regs=tuple(regs), vecs=tuple(vecs),
                    enums=tuple(enums.values()), windows=tuple(windows))


def _unique(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"{what}: the name {n} would be generated twice")
        seen.add(n)


# ------------------------------------------------------------------------------------------------
# SystemVerilog package
# ------------------------------------------------------------------------------------------------
def _sv_hex(value: int, width: int) -> str:
    digits = max(1, (width + 3) // 4)
    h = f"{value:0{digits}X}"
    groups = [h[max(0, i - 4):i] for i in range(len(h), 0, -4)][::-1]
    return f"{width}'h{'_'.join(groups)}"


def render_sv(c: Contract) -> str:
    aw, dw, vw = c.reg_addr_w, c.reg_data_w, c.vec_addr_w
    lines: list[str] = []
    names: list[str] = []
    group: list[tuple[str, str, str, str]] = []  # (type, name, value, comment)

    def flush() -> None:
        """Write the pending parameters with their names and values aligned."""
        if not group:
            return
        tw = max(len(g[0]) for g in group)
        nw = max(len(g[1]) for g in group)
        for typ, name, value, comment in group:
            text = f"  localparam {typ:<{tw}} {name:<{nw}} = {value};"
            if comment and len(text) + len(comment) + 4 <= 100:
                text += f"  // {comment}"
            elif comment:
                lines.append(f"  // {comment}")
            lines.append(text)
        group.clear()

    def param(typ: str, name: str, value: str, comment: str = "") -> None:
        names.append(name)
        group.append((typ, name, value, comment))

    def note(text: str) -> None:
        flush()
        lines.append(f"  // {text}")

    def head(title: str) -> None:
        flush()
        lines.append("")
        lines.append(f"  // {'-' * 93}")
        lines.append(f"  // {title}")
        lines.append(f"  // {'-' * 93}")

    head("Address spaces")
    note("AXI4-Lite register file: byte address width, data width")
    param("int", "HX_TOP_ADDR_W", str(aw))
    param("int", "HX_TOP_DATA_W", str(dw))
    note("Vector port: vector address width, byte lanes per vector")
    param("int", "HX_VPORT_ADDR_W", str(vw))
    param("int", "HX_VPORT_LANES", str(c.lanes))

    head(f"AXI4-Lite register byte addresses ({aw}-bit address space, {dw}-bit registers)")
    for r in c.regs:
        param(f"logic [{aw - 1}:0]", r.name, _sv_hex(r.addr, aw), f"{r.access}")

    head("Register reset values (a register that is one VALUE field: typed to the field width)")
    for r in c.regs:
        w = r.value.width if r.value else r.width
        param(f"logic [{w - 1}:0]", f"{r.name}_RESVAL", _sv_hex(r.reset, w))

    head("Writable bits per register (a write with any other bit set is refused)")
    for r in c.regs:
        if r.wmask:
            param(f"logic [{dw - 1}:0]", f"{r.name}_WMASK", _sv_hex(r.wmask, dw))

    head("Fields: bit position (_LSB), width (_WIDTH), reset (_RESVAL), allowed (_MIN, _MAX)")
    for r in c.regs:
        note(r.name)
        for f in r.fields:
            param("int", r.const(f, "LSB"), str(f.lsb))
            param("int", r.const(f, "WIDTH"), str(f.width))
            if f.reset is not None and r.value is None:
                param(f"logic [{f.width - 1}:0]", r.const(f, "RESVAL"), f"{f.width}'d{f.reset}")
            if f.lo is not None:
                param(f"logic [{dw - 1}:0]", r.const(f, "MIN"), f"{dw}'d{f.lo}")
            if f.hi is not None:
                param(f"logic [{dw - 1}:0]", r.const(f, "MAX"), f"{dw}'d{f.hi}")

    if c.windows:
        head("Register windows (CapMem column cells): base byte address, words (_COUNT), value "
             "field (_WIDTH, _RESVAL, _MIN, _MAX); word j at base + 4*j")
        for win in c.windows:
            f = win.field
            param(f"logic [{aw - 1}:0]", win.name, _sv_hex(win.addr, aw), "RW window")
            param("int", f"{win.name}_COUNT", str(win.count))
            param("int", f"{win.name}_WIDTH", str(f.width))
            param(f"logic [{f.width - 1}:0]", f"{win.name}_RESVAL", _sv_hex(f.reset or 0, f.width))
            if f.lo is not None:
                param(f"logic [{dw - 1}:0]", f"{win.name}_MIN", f"{dw}'d{f.lo}")
            if f.hi is not None:
                param(f"logic [{dw - 1}:0]", f"{win.name}_MAX", f"{dw}'d{f.hi}")

    for e in c.enums:
        head(f"{e.rdl_name}: {e.kind}_<MEMBER>")
        for name, value, desc in e.members:
            param(f"logic [{e.width - 1}:0]", f"{e.kind}_{name}", f"{e.width}'d{value}",
                  desc.split(" | ")[0])

    head(f"Vector-port addresses ({vw}-bit; one address = one vector of {c.lanes} byte lanes)")
    for v in c.vecs:
        extra = " + 2*row + half" if v.rows > 1 else (" + half" if v.halves == 2 else "")
        param(f"logic [{vw - 1}:0]", v.const, _sv_hex(v.addr, vw), f"{v.access}{extra}")
    note("Lane values: reset (_RESVAL), allowed on a store (_MIN, _MAX)")
    for v in c.vecs:
        lw = v.lane.width
        if v.lane.reset is not None:
            param(f"logic [{lw - 1}:0]", f"{v.const}_RESVAL", f"{lw}'d{v.lane.reset}")
        if v.lane.lo is not None:
            param(f"logic [{lw - 1}:0]", f"{v.const}_MIN", f"{lw}'d{v.lane.lo}")
        if v.lane.hi is not None:
            param(f"logic [{lw - 1}:0]", f"{v.const}_MAX", f"{lw}'d{v.lane.hi}")
    flush()
    _unique(names, str(SV_PKG))

    out = [
        f"// {NOTICE}.",
        "// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0",
        "//",
        "// Description: the register contract of hx_top (docs/interfaces.md sections 1, 4, 5):",
        "// AXI4-Lite addresses, fields, reset values, allowed ranges, error codes, STATUS.PHASE",
        "// encoding and the vector-port map. Names are the RDL names (docs/rtl.md).",
        "",
        "`timescale 1ns / 1ps",
        "`default_nettype none",
        "",
        "package hx_reg_pkg;",
        *lines,
        "",
        "endpackage",
        "",
        "`default_nettype wire",
        "",
    ]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# Python map
# ------------------------------------------------------------------------------------------------
def _pystr(text: str) -> str:
    """A double-quoted Python string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _kwarg(key: str, value: str, indent: int, width: int = 100) -> list[str]:
    """``key=value,`` at ``indent``; a long string literal is split into implicit
    concatenation inside parentheses."""
    pad = " " * indent
    line = f"{pad}{key}={value},"
    if len(line) <= width or not value.startswith('"'):
        return [line]
    words = re.split(r"(?<= )", value[1:-1])
    parts, cur = [], ""
    for w in words:
        if len(pad) + 4 + len(cur) + len(w) + 2 > width and cur:
            parts.append(cur)
            cur = ""
        cur += w
    parts.append(cur)
    return [f"{pad}{key}=(", *[f'{pad}    "{p}"' for p in parts], f"{pad}),"]


def _call(name: str, args: list[tuple[str, str]], indent: int, width: int = 100) -> list[str]:
    """``name(k=v, ...),`` on one line if it fits, else one argument per line."""
    pad = " " * indent
    one = f"{pad}{name}(" + ", ".join(f"{k}={v}" for k, v in args) + "),"
    if len(one) <= width:
        return [one]
    out = [f"{pad}{name}("]
    for k, v in args:
        out += _kwarg(k, v, indent + 4, width)
    return [*out, f"{pad}),"]


def _py_field(f: FieldDef, indent: int, call: str = "Field") -> list[str]:
    """A Field(...) literal with the arguments that differ from the defaults."""
    args = [("name", _pystr(f.name)), ("lsb", str(f.lsb)), ("width", str(f.width)),
            ("sw", _pystr(f.sw))]
    optional = (("reset", f.reset, None), ("lo", f.lo, None), ("hi", f.hi, None),
                ("range_err", f.range_err, None), ("w1c", f.w1c, False),
                ("pulse", f.pulse, False), ("signed", f.signed, False), ("desc", f.desc, ""))
    for key, val, default in optional:
        if val != default:
            if isinstance(val, str):
                args.append((key, _pystr(val)))
            elif isinstance(val, int) and not isinstance(val, bool) and val > 255:
                args.append((key, f"0x{val:X}"))
            else:
                args.append((key, repr(val)))
    return _call(call, args, indent)




def render_py(c: Contract) -> str:
    body: list[str] = []
    names: list[str] = []

    def const(name: str, value: str, comment: str = "") -> None:
        names.append(name)
        tail = f"  # {comment}" if comment else ""
        body.append(f"{name} = {value}{tail}")

    body.append("# ---- address spaces")
    const("HX_TOP_ADDR_W", str(c.reg_addr_w))
    const("HX_TOP_DATA_W", str(c.reg_data_w))
    const("HX_VPORT_ADDR_W", str(c.vec_addr_w))
    const("HX_VPORT_LANES", str(c.lanes))
    body += ["", "# ---- AXI4-Lite register byte addresses"]
    for r in c.regs:
        const(r.name, f"0x{r.addr:03X}", r.access)
    body += ["", "# ---- register reset values"]
    for r in c.regs:
        const(f"{r.name}_RESVAL", f"0x{r.reset:X}" if r.reset > 255 else str(r.reset))
    body += ["", "# ---- fields: position, width, mask (a 1-bit field's mask is REG_FIELD), range"]
    for r in c.regs:
        for f in r.fields:
            const(r.const(f, "LSB"), str(f.lsb))
            const(r.const(f, "WIDTH"), str(f.width))
            if f.width == 1:
                const(r.const(f), f"1 << {f.lsb}")
            else:
                const(r.const(f, "MASK"), f"0x{f.mask:X}")
            if f.lo is not None:
                const(r.const(f, "MIN"), str(f.lo))
            if f.hi is not None:
                const(r.const(f, "MAX"), str(f.hi))
    if c.windows:
        body += ["", "# ---- register windows (CapMem column cells): word j at base + 4*j"]
        for w in c.windows:
            f = w.field
            const(w.name, f"0x{w.addr:03X}", "RW window")
            const(f"{w.name}_COUNT", str(w.count))
            const(f"{w.name}_WIDTH", str(f.width))
            const(f"{w.name}_MASK", f"0x{f.mask:X}")
            const(f"{w.name}_RESVAL", str(f.reset or 0))
            if f.lo is not None:
                const(f"{w.name}_MIN", str(f.lo))
            if f.hi is not None:
                const(f"{w.name}_MAX", str(f.hi))
    body += ["", "# ---- register groups (address order)"]
    groups = {"RO_REGS": "RO", "WO_REGS": "WO", "W1C_REGS": "W1C"}
    for gname, acc in groups.items():
        members = [r.name for r in c.regs if r.access == acc]
        const(gname, "(" + ", ".join(members) + ("," if len(members) == 1 else "") + ")")
    rw = [r.name for r in c.regs if r.access in ("RW", "W1C")]
    body += ["#: readable and writable (RW and W1C)"]
    const("RW_REGS", _wrap_tuple(rw, len("RW_REGS = ")))
    const("MAPPED_REGS", "(*RO_REGS, *WO_REGS, *RW_REGS)")
    body += ["", "#: timing register address per hxsim.Timing field"]
    names.append("TIMING_REGS")
    body.append("TIMING_REGS: dict[str, int] = {")
    body += [f"    {_pystr(r.timing or '')}: {r.name}," for r in c.timing_regs]
    body.append("}")
    body.append("#: allowed values (lowest, highest) per hxsim.Timing field")
    names.append("TIMING_RANGES")
    body.append("TIMING_RANGES: dict[str, tuple[int, int]] = {")
    for r in c.timing_regs:
        assert r.value is not None
        body.append(f"    {_pystr(r.timing or '')}: ({r.name}_MIN, {r.name}_MAX),")
    body.append("}")
    body.append("#: reset value per hxsim.Timing field")
    names.append("TIMING_RESETS")
    body.append("TIMING_RESETS: dict[str, int] = {")
    body += [f"    {_pystr(r.timing or '')}: {r.name}_RESVAL," for r in c.timing_regs]
    body.append("}")

    body += ["", "#: CapMem quadrant cells: cell name -> register address per quadrant"]
    names += ["CAPMEM_QUADRANT_REGS", "CAPMEM_COLUMN_WINDOWS", "CAPMEM_RESETS"]
    body.append("CAPMEM_QUADRANT_REGS: dict[str, tuple[int, ...]] = {")
    cells: dict[str, list[RegDef]] = {}
    for r in c.capmem_regs:
        cells.setdefault(r.capmem or "", []).append(r)
    for cell, regs in cells.items():
        regs = sorted(regs, key=lambda r: r.quadrant or 0)
        if [r.quadrant for r in regs] != list(range(len(regs))):
            raise ValueError(f"{SOURCE}: CapMem cell {cell}: quadrants must be 0..n-1")
        body.append(f"    {_pystr(cell)}: (" + ", ".join(r.name for r in regs) + "),")
    body.append("}")
    body.append("#: CapMem column cells: cell name -> window base address (column j at base + 4*j)")
    body.append("CAPMEM_COLUMN_WINDOWS: dict[str, int] = {")
    body += [f"    {_pystr(w.capmem or '')}: {w.name}," for w in c.windows if w.capmem]
    body.append("}")
    body.append("#: reset value per CapMem cell")
    body.append("CAPMEM_RESETS: dict[str, int] = {")
    body += [f"    {_pystr(cell)}: {regs[0].name}_RESVAL," for cell, regs in cells.items()]
    body += [f"    {_pystr(w.capmem or '')}: {w.name}_RESVAL," for w in c.windows if w.capmem]
    body.append("}")

    for e in c.enums:
        body += ["", ""]
        names.append(e.py_class)
        body.append(f"class {e.py_class}(IntEnum):")
        body.append(f'    """{SOURCE} enum {e.rdl_name}."""')
        body.append("")
        for name, value, desc in e.members:
            body.append(f"    {name} = {value}  # {desc.split(' | ')[0]}"[:100].rstrip())
    err = next((e for e in c.enums if e.kind == "ERR"), None)
    if err is not None:
        body += ["", "", "# ---- error codes (STATUS.ERR_CODE)"]
        for name, value, _ in err.members:
            if value:
                const(name, str(value))

    body += ["", "# ---- vector-port addresses (one address = one vector)"]
    for v in c.vecs:
        extra = "+ 2*row + half" if v.rows > 1 else ("+ half" if v.halves == 2 else "")
        const(v.const, f"0x{v.addr:03X}", f"{v.access} {extra}".strip())
    body += ["# lane values: reset, allowed on a store"]
    for v in c.vecs:
        if v.lane.reset is not None:
            const(f"{v.const}_RESVAL", str(v.lane.reset))
        if v.lane.lo is not None:
            const(f"{v.const}_MIN", str(v.lane.lo))
        if v.lane.hi is not None:
            const(f"{v.const}_MAX", str(v.lane.hi))

    body += ["", "", "#: every AXI4-Lite register, in address order"]
    names += ["REGISTERS", "VECTORS", "Field", "Register", "Vector"]
    body.append("REGISTERS: tuple[Register, ...] = (")
    for r in c.regs:
        body.append("    Register(")
        for k, val in (("name", _pystr(r.name)), ("addr", r.name), ("access", _pystr(r.access)),
                       ("reset", f"{r.name}_RESVAL"), ("wmask", f"0x{r.wmask:X}"),
                       ("busy_refused", repr(r.busy_refused)),
                       ("timing", _pystr(r.timing) if r.timing else "None"),
                       ("desc", _pystr(r.desc))):
            body += _kwarg(k, val, 8)
        if r.capmem:
            body += _kwarg("capmem", _pystr(r.capmem), 8)
            body += _kwarg("quadrant", str(r.quadrant), 8)
        body.append("        fields=(")
        for f in r.fields:
            body += _py_field(f, 12)
        body.append("        ),")
        body.append("    ),")
    body.append(")")
    names += ["WINDOWS", "Window"]
    body.append("#: every register window (register array), in address order")
    body.append("WINDOWS: tuple[Window, ...] = (")
    for w in c.windows:
        body.append("    Window(")
        for k, val in (("name", _pystr(w.name)), ("addr", w.name), ("count", f"{w.name}_COUNT"),
                       ("stride", str(w.stride)), ("busy_refused", repr(w.busy_refused)),
                       ("capmem", _pystr(w.capmem) if w.capmem else "None"),
                       ("desc", _pystr(w.desc))):
            body += _kwarg(k, val, 8)
        body += _py_field(w.field, 8, "field=Field")
        body.append("    ),")
    body.append(")")
    body.append("#: every vector-port entry, in address order")
    body.append("VECTORS: tuple[Vector, ...] = (")
    for v in c.vecs:
        body.append("    Vector(")
        for k, val in (("name", _pystr(v.name)), ("addr", v.const), ("rows", str(v.rows)),
                       ("halves", str(v.halves)), ("lanes", str(v.lanes)),
                       ("desc", _pystr(v.desc))):
            body += _kwarg(k, val, 8)
        body += _py_field(v.lane, 8, "lane=Field")
        body.append("    ),")
    body.append(")")
    _unique(names, str(PY_MAP))

    all_lines = ["__all__ = ["] + [f"    {_pystr(n)}," for n in sorted(names)] + ["]"]
    head = [
        f'"""The register contract of hx_top ({NOTICE}).',
        "",
        "Import it through :mod:`hxsim.regmap`, which adds the lane-packing helpers.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from enum import IntEnum",
        "",
        "from hxsim.regtypes import Field, Register, Vector, Window",
        "",
        *all_lines,
        "",
        "",
    ]
    return "\n".join(head + body) + "\n"


def _wrap_tuple(items: list[str], first_col: int, width: int = 100) -> str:
    """A tuple literal that starts at column ``first_col``; wrapped when it does not fit."""
    text = "(" + ", ".join(items) + ")"
    if first_col + len(text) <= width:
        return text
    inner = textwrap.wrap(", ".join(items) + ",", width - 4, break_on_hyphens=False)
    return "(\n" + "\n".join(f"    {ln}" for ln in inner) + "\n)"


# ------------------------------------------------------------------------------------------------
# C headers
# ------------------------------------------------------------------------------------------------
def render_cheader(rdl: Path, top: str, name: str) -> str:
    """peakrdl-cheader's header of the address map ``top``, with the notice on top."""
    from peakrdl_cheader.exporter import CHeaderExporter

    root = _elaborate(rdl, top)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / name
        CHeaderExporter().export(root, str(out), reuse_typedefs=False)
        text = out.read_text()
    return f"// {NOTICE}.\n{text}"


def render_c_top(c: Contract) -> str:
    lines = [
        f"// {NOTICE}.",
        "// Copyright hxsim contributors. SPDX-License-Identifier: Apache-2.0",
        "//",
        "// The hx_top contract for firmware and host software: register byte offsets, allowed",
        "// values, vector-port addresses, error codes (STATUS.ERR_CODE) and STATUS.PHASE. The",
        "// register and field layout (_bm, _bp, _bw, _reset) is in hx_top_regs.h and",
        "// hx_vport_regs.h (peakrdl-cheader); the offsets below are checked against their",
        "// structs.",
        "",
        "#ifndef HX_TOP_H",
        "#define HX_TOP_H",
        "",
        "#include <stddef.h>",
        "",
        '#include "hx_top_regs.h"',
        '#include "hx_vport_regs.h"',
        "",
        "// AXI4-Lite register byte offsets",
    ]
    for r in c.regs:
        lines.append(f"#define HX_TOP__{r.name}_offset 0x{r.addr:03X}u")
    if c.windows:
        lines += ["", "// Register windows (CapMem column cells): word j at offset + 4*j"]
    for w in c.windows:
        lines.append(f"#define HX_TOP__{w.name}_offset 0x{w.addr:03X}u")
        lines.append(f"#define HX_TOP__{w.name}_count {w.count}u")
    lines += ["", "// Allowed values of writable fields (inclusive)"]
    for r in c.regs:
        for f in r.fields:
            if f.lo is not None:
                lines.append(f"#define HX_TOP__{r.name}__{f.name}_min {f.lo}u")
            if f.hi is not None:
                lines.append(f"#define HX_TOP__{r.name}__{f.name}_max {f.hi}u")
    for w in c.windows:
        if w.field.lo is not None:
            lines.append(f"#define HX_TOP__{w.name}__{w.field.name}_min {w.field.lo}u")
        if w.field.hi is not None:
            lines.append(f"#define HX_TOP__{w.name}__{w.field.name}_max {w.field.hi}u")
    lines += ["", f"// Vector-port addresses: one address = one vector of {c.lanes} byte lanes",
              f"#define HX_VPORT_LANES {c.lanes}u"]
    for v in c.vecs:
        lines.append(f"#define HX_VPORT__{v.name}_offset 0x{v.addr:03X}u")
    for v in c.vecs:
        if v.lane.lo is not None:
            lines.append(f"#define HX_VPORT__{v.name}__VALUE_min {v.lane.lo}u")
        if v.lane.hi is not None:
            lines.append(f"#define HX_VPORT__{v.name}__VALUE_max {v.lane.hi}u")
    for e in c.enums:
        lines += ["", f"// {e.rdl_name}", "typedef enum {"]
        for name, value, desc in e.members:
            lines.append(f"    HX_{e.kind}_{name} = {value},  // {desc.split(' | ')[0]}")
        lines.append(f"}} {e.rdl_name}_t;")
    lines += [""]
    for r in c.regs:
        lines.append(f"static_assert(offsetof(hx_top_t, {r.name}) == HX_TOP__{r.name}_offset, "
                     f'"{r.name}");')
    for w in c.windows:
        lines.append(f"static_assert(offsetof(hx_top_t, {w.name}) == HX_TOP__{w.name}_offset, "
                     f'"{w.name}");')
    for v in c.vecs:
        lines.append(f"static_assert(offsetof(hx_vport_t, {v.name}) == HX_VPORT__{v.name}_offset, "
                     f'"{v.name}");')
    lines += ["", "#endif /* HX_TOP_H */", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Markdown tables (docs/interfaces.md, between marker comments)
# ------------------------------------------------------------------------------------------------
def _md_hex(v: int) -> str:
    h = f"{v:X}"
    if len(h) > 4:
        h = h.rjust(8, "0")
        return f"0x{h[:4]}_{h[4:]}"
    return f"0x{v:03X}"


def _md(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|")


def _range_text(f: FieldDef) -> str:
    if f.lo is not None and f.hi is not None:
        return f"{f.lo}..{f.hi}"
    if f.signed:
        return f"-{1 << (f.width - 1)}..{(1 << (f.width - 1)) - 1}"
    return f"0..{(1 << f.width) - 1}"


def md_timing(c: Contract) -> str:
    rows = ["| `hxsim.Timing` field | register | width | allowed | default | meaning |",
            "|---|---|---|---|---|---|"]
    for r in c.timing_regs:
        f = r.value
        assert f is not None
        rows.append(f"| `{r.timing}` | `{r.name}` | {f.width} | {_range_text(f)} | {r.reset} | "
                    f"{_md(r.desc)} |")
    return "\n".join(rows)


_ACCESS_MD = {"RO": "RO", "WO": "WO (reads 0)", "RW": "RW", "W1C": "W1C (write 1 to clear)"}


def md_registers(c: Contract) -> str:
    rows = ["| addr | name | access | reset | fields | meaning |", "|---|---|---|---|---|---|"]
    for r in c.regs:
        if r.value is not None:
            f = r.value
            fields = f"`[{f.msb}:0]`" if f.width > 1 else "`[0]`"
            if f.lo is not None and f.hi is not None and (f.lo, f.hi) != (0, (1 << f.width) - 1):
                fields += f", {f.lo}..{f.hi}"
        else:
            fields = ", ".join(f"`{f.bits}` {f.name}" for f in r.fields)
        reset = _md_hex(r.reset) if r.reset > 0xFFFF else str(r.reset)
        desc = _md(r.desc + ("; refused while busy" if r.busy_refused else ""))
        rows.append(f"| 0x{r.addr:03X} | `{r.name}` | {_ACCESS_MD[r.access]} | {reset} | "
                    f"{fields} | {desc} |")
    for w in c.windows:
        f = w.field
        fields = f"`[{f.msb}:0]`, {_range_text(f)}"
        desc = _md(w.desc + ("; refused while busy" if w.busy_refused else ""))
        rows.append(f"| 0x{w.addr:03X} + 4*j (j = 0..{w.count - 1}) | `{w.name}[{w.count}]` | RW | "
                    f"{f.reset or 0} | {fields} | {desc} |")
    rows += ["", "Fields of the registers with several fields:", "",
             "| register | bits | field | reset | meaning |", "|---|---|---|---|---|"]
    for r in c.regs:
        if r.value is not None:
            continue
        for f in r.fields:
            enc = ""
            if f.encode:
                e = next(e for e in c.enums if e.rdl_name == f.encode)
                enc = f" (`{e.rdl_name}`, below)"
            rows.append(f"| `{r.name}` | `{f.bits}` | {f.name} | {f.reset or 0} | "
                        f"{_md(f.desc)}{enc} |")
    for e in c.enums:
        if e.kind == "ERR":
            continue
        rows += ["", f"`{e.rdl_name}` encoding: "
                 + ", ".join(f"{v} {n}" for n, v, _ in e.members) + "."]
    return "\n".join(rows)


def md_errors(c: Contract) -> str:
    err = c.enum("ERR")
    rows = ["| code | name | cause | response |", "|---|---|---|---|"]
    for name, value, desc in err.members:
        if not value:
            continue
        cause, _, resp = desc.partition(" | ")
        rows.append(f"| {value} | `{name}` | {_md(cause)} | {_md(resp)} |")
    return "\n".join(rows)


def md_vectors(c: Contract) -> str:
    rows = ["| vector address | access | content | lane values | reset |", "|---|---|---|---|---|"]
    for v in c.vecs:
        f = v.lane
        vals = _range_text(f)
        if f.range_err:
            vals += f" (else `{f.range_err}`)"
        reset = "none (SRAM)" if f.reset is None else str(f.reset)
        rows.append(f"| {v.addr_text()} | {v.access} | {_md(v.desc)} | {vals} | {reset} |")
    return "\n".join(rows)


DOC_SECTIONS: dict[str, Callable[[Contract], str]] = {
    "timing": md_timing, "registers": md_registers, "errors": md_errors, "vectors": md_vectors,
}


def render_docs(c: Contract, template: str) -> str:
    """``template`` with the text between each pair of markers replaced."""
    out = template
    for name, fn in DOC_SECTIONS.items():
        begin = f"<!-- BEGIN generated: {name} ({NOTICE}) -->"
        end = f"<!-- END generated: {name} -->"
        pat = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if len(pat.findall(out)) != 1:
            raise ValueError(f"{DOCS}: expected exactly one marker pair '{begin}' ... '{end}'")
        m = pat.search(out)
        assert m is not None
        out = f"{out[:m.start()]}{begin}\n{fn(c)}\n{end}{out[m.end():]}"
    return out


# ------------------------------------------------------------------------------------------------
# Driver
# ------------------------------------------------------------------------------------------------
def generate(rdl: Path = RDL, docs_template: Path = ROOT / DOCS) -> dict[Path, str]:
    """Every output's text, by path relative to the repository."""
    c = load(rdl)
    return {
        SV_PKG: render_sv(c),
        PY_MAP: render_py(c),
        C_REGS: render_cheader(rdl, REG_MAP, C_REGS.name),
        C_VPORT: render_cheader(rdl, VEC_MAP, C_VPORT.name),
        C_TOP: render_c_top(c),
        DOCS: render_docs(c, docs_template.read_text()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hxsim.contract",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--rdl", type=Path, default=RDL, help="SystemRDL source (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=ROOT,
                    help="write the outputs under this folder (default: the repository)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the files under --out instead of writing; exit 1 on a "
                         "difference")
    a = ap.parse_args(argv)
    template = a.out / DOCS if (a.out / DOCS).exists() else ROOT / DOCS
    files = generate(a.rdl, template)
    differ = 0
    for rel, text in files.items():
        path = a.out / rel
        old = path.read_text() if path.exists() else ""
        if old == text:
            print(f"[regs] unchanged  {rel}")
            continue
        if a.check:
            differ += 1
            print(f"[regs] DIFFERS    {rel}")
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(keepends=True), text.splitlines(keepends=True),
                f"{rel} (committed)", f"{rel} (from {SOURCE})", n=1))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, text)
            print(f"[regs] written    {rel}")
    if differ:
        print(f"[regs] {differ} file(s) differ from {SOURCE}: run `make regs` and commit")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
