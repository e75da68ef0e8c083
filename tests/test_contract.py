"""The register contract from one source: data/hx_top.rdl -> hxsim.contract (`make regs`) ->
rtl/hx_reg_pkg.sv, hxsim._regmap, include/*.h, docs/interfaces.md; and the RTL filelist."""

from __future__ import annotations

import ast
import difflib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hxsim import contract, regmap
from hxsim.timing import TIMING_RANGES, Timing
from hxtb import build, config
from hxtb.verif.mutations import MUTATIONS, apply

pytest.importorskip("systemrdl", reason="the dev extra (systemrdl-compiler) is not installed")

ROOT = contract.ROOT
CC = shutil.which("cc")


def _regenerate(out: Path, rdl: Path = contract.RDL) -> None:
    assert contract.main(["--rdl", str(rdl), "--out", str(out)]) == 0


def test_generated_files_are_committed(tmp_path: Path) -> None:
    """Every generated file equals what `make regs` makes from the committed RDL (fails when a
    generated file was edited by hand, or the RDL changed without `make regs`)."""
    _regenerate(tmp_path)
    for rel in contract.OUTPUTS:
        new, old = (tmp_path / rel).read_text(), (ROOT / rel).read_text()
        diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                            f"{rel} (committed)", f"{rel} (generated)", n=1))
        assert new == old, f"{rel} differs from data/hx_top.rdl; run `make regs`:\n{diff[:3000]}"


def _py_constant(text: str, name: str) -> object:
    """The value assigned to ``name`` in Python source ``text`` (parsed, not imported)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not assigned")


def _sv_constant(text: str, name: str) -> int:
    m = re.search(rf"localparam logic \[\d+:0\] {name}\s+= (\d+)'h([0-9A-F_]+);", text)
    assert m, f"{name} not in the SV package"
    return int(m.group(2).replace("_", ""), 16)


def _c_offsets(include: Path, reg: str) -> tuple[int, int]:
    """(HX_TOP__<reg>_offset, offsetof(hx_top_t, <reg>)) from a compiled C program."""
    assert CC is not None
    src = include / "probe.c"
    src.write_text('#include <stdio.h>\n#include "hx_top.h"\nint main(void) {\n'
                   f'  printf("%u %u\\n", (unsigned)HX_TOP__{reg}_offset,\n'
                   f'         (unsigned)offsetof(hx_top_t, {reg}));\n  return 0;\n}}\n')
    exe = include / "probe"
    subprocess.run([CC, "-std=c11", "-Wall", "-Werror", "-o", str(exe), str(src)], check=True)
    a, b = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    return int(a), int(b)


def _move(rdl_text: str, reg: str, addr: int) -> str:
    """``rdl_text`` with register ``reg`` placed at byte address ``addr`` (exactly one
    ``REG @ 0x...;`` placement must exist)."""
    pattern = re.compile(rf"\b{reg} @ 0x[0-9A-Fa-f]+;")
    assert len(pattern.findall(rdl_text)) == 1, f"{reg}: expected one placement in the RDL"
    return pattern.sub(f"{reg} @ 0x{addr:03X};", rdl_text)


def _free_address() -> int:
    """The lowest word address of the register file that no register uses."""
    used = {r.addr for r in regmap.REGISTERS}
    return next(a for a in range(0, 1 << regmap.HX_TOP_ADDR_W, 4) if a not in used)


def test_address_change_moves_every_output(tmp_path: Path) -> None:
    """Moving one register in a copy of the RDL moves it in the SV package, the Python map, both
    C views (the #define and peakrdl-cheader's struct) and the docs table, together."""
    old, new = regmap.NUM_SENDS, _free_address()
    rdl = tmp_path / "hx_top.rdl"
    rdl.write_text(_move(contract.RDL.read_text(), "NUM_SENDS", new))
    out = tmp_path / "out"
    _regenerate(out, rdl)
    changed = {rel for rel in contract.OUTPUTS
               if (out / rel).read_text() != (ROOT / rel).read_text()}
    assert changed == set(contract.OUTPUTS) - {contract.C_VPORT}, sorted(map(str, changed))

    for root, addr in ((ROOT, old), (out, new)):
        assert _sv_constant((root / contract.SV_PKG).read_text(), "NUM_SENDS") == addr
        py = (root / contract.PY_MAP).read_text()
        assert _py_constant(py, "NUM_SENDS") == addr
        docs = (root / contract.DOCS).read_text()
        assert f"| 0x{addr:03X} | `NUM_SENDS` |" in docs
        assert f"#define HX_TOP__NUM_SENDS_offset 0x{addr:03X}u" in \
            (root / contract.C_TOP).read_text()
    if CC is not None:
        inc = tmp_path / "c"
        shutil.copytree(out / "include", inc)
        assert _c_offsets(inc, "NUM_SENDS") == (new, new)
        assert _c_offsets(inc, "T_EVENT_WAIT") == (regmap.T_EVENT_WAIT, regmap.T_EVENT_WAIT)


def test_overlapping_registers_are_refused(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The single source is checked: two registers at one address do not compile."""
    from systemrdl import RDLCompileError

    rdl = tmp_path / "hx_top.rdl"
    at = regmap.T_EVENT_WAIT
    rdl.write_text(_move(contract.RDL.read_text(), "NUM_SENDS", at))
    with pytest.raises(RDLCompileError):
        contract.load(rdl)
    assert f"'NUM_SENDS' at offset +0x{at:X}:0x{at + 3:X} overlaps with 'T_EVENT_WAIT'" in \
        capsys.readouterr().err


def test_docs_need_their_markers() -> None:
    with pytest.raises(ValueError, match="marker"):
        contract.render_docs(contract.load(), "# interfaces without generated tables\n")


@pytest.mark.skipif(CC is None, reason="no C compiler")
def test_c_headers_compile(tmp_path: Path) -> None:
    """The C headers compile as C11 with -Wall -Werror (their static_asserts check that the
    offset macros agree with peakrdl-cheader's structs)."""
    assert CC is not None
    src = tmp_path / "use.c"
    src.write_text('#include "hx_top.h"\nint hx_err_of(unsigned s) {\n  return (int)((s & '
                   "HX_TOP__STATUS__ERR_CODE_bm) >> HX_TOP__STATUS__ERR_CODE_bp);\n}\n")
    subprocess.run([CC, "-std=c11", "-Wall", "-Werror", "-fsyntax-only",
                    f"-I{ROOT / 'include'}", str(src)], check=True)


def test_timing_follows_the_contract() -> None:
    """hxsim.Timing has one field per timing register of the contract and refuses exactly the
    values outside the contract's range."""
    names = {f.name for f in Timing.__dataclass_fields__.values()}
    assert names == set(TIMING_RANGES) == set(regmap.TIMING_REGS)
    by_timing = {r.timing: r for r in regmap.REGISTERS if r.timing}
    for name, (lo, hi) in TIMING_RANGES.items():
        f = by_timing[name].fields[0]
        assert (lo, hi) == (f.lo, f.hi)
        assert getattr(Timing(), name) == by_timing[name].reset
        Timing(**{name: lo})
        Timing(**{name: hi})
        for bad in (lo - 1, hi + 1):
            with pytest.raises(ValueError, match=name):
                Timing(**{name: bad})


def test_capmem_follows_the_contract() -> None:
    """The RDL's CapMem cells are hxsim.capmem's: every cell name, its reset value (=
    capmem.DEFAULTS), one register per quadrant cell and quadrant, one window word per column
    cell and column, and the allowed values 0..CAPMEM_MAX."""
    from hxsim import capmem

    assert set(regmap.CAPMEM_QUADRANT_REGS) == set(capmem.QUADRANT_CELLS)
    assert set(regmap.CAPMEM_COLUMN_WINDOWS) == set(capmem.COLUMN_CELLS)
    assert regmap.CAPMEM_RESETS == capmem.DEFAULTS
    by_addr = {r.addr: r for r in regmap.REGISTERS}
    for cell, addrs in regmap.CAPMEM_QUADRANT_REGS.items():
        assert len(addrs) == capmem.N_QUADRANTS, cell
        for q, a in enumerate(addrs):
            r = by_addr[a]
            assert (r.capmem, r.quadrant, r.reset) == (cell, q, capmem.DEFAULTS[cell])
            assert r.busy_refused and r.access == "RW"
            assert (r.fields[0].lo, r.fields[0].hi) == (0, capmem.CAPMEM_MAX)
    windows = {w.capmem: w for w in regmap.WINDOWS}
    for cell, base in regmap.CAPMEM_COLUMN_WINDOWS.items():
        w = windows[cell]
        assert (w.addr, w.count, w.stride) == (base, 256, 4) and w.busy_refused
        assert (w.field.reset, w.field.lo, w.field.hi) == (capmem.DEFAULTS[cell], 0,
                                                           capmem.CAPMEM_MAX)
    # no register inside a window, windows inside the address space and disjoint
    spans = sorted((w.addr, w.end) for w in regmap.WINDOWS)
    assert all(a_end <= b for (_, a_end), (b, _) in zip(spans, spans[1:], strict=False))
    assert spans[-1][1] <= 1 << regmap.HX_TOP_ADDR_W
    assert not any(a in w for a in by_addr for w in regmap.WINDOWS)


def test_window_generated_everywhere() -> None:
    """A window reaches every output: SV base/count/range, C offset and its static_assert,
    the docs table row."""
    sv = (ROOT / contract.SV_PKG).read_text()
    c_top = (ROOT / contract.C_TOP).read_text()
    docs = (ROOT / contract.DOCS).read_text()
    for w in regmap.WINDOWS:
        assert _sv_constant(sv, w.name) == w.addr
        assert re.search(rf"localparam int +{w.name}_COUNT += {w.count};", sv), w.name
        assert f"#define HX_TOP__{w.name}_offset 0x{w.addr:03X}u" in c_top
        assert f"offsetof(hx_top_t, {w.name})" in c_top
        assert f"| 0x{w.addr:03X} + 4*j (j = 0..{w.count - 1}) | `{w.name}[{w.count}]` |" in docs


def _rtl_files() -> list[Path]:
    return [p for p in build.sources() if p.parent == build.rtl_dir()]


def test_filelist_lists_every_rtl_file_in_compile_order() -> None:
    """rtl/hx_top.f names every rtl/*.sv once, every package before the files that import it,
    and hx_top.sv last."""
    files = _rtl_files()
    assert sorted(p.name for p in files) == sorted(p.name for p in build.rtl_dir().glob("*.sv"))
    assert len(files) == len(set(files))
    assert files[-1].name == "hx_top.sv"
    defined: set[str] = set()
    for p in files:
        text = p.read_text()
        for pkg in re.findall(r"\bimport\s+(\w+)::", text):
            assert pkg in defined, f"{p.name} imports {pkg} before it is compiled"
        defined.update(re.findall(r"^\s*package\s+(\w+)\s*;", text, re.M))


def test_filelist_entries_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rtl = tmp_path / "rtl"
    shutil.copytree(build.rtl_dir(), rtl)
    (rtl / "hx_top.f").write_text("hx_reg_pkg.sv\nhx_missing.sv  // gone\n")
    # the knob rtl_dir (HX_RTL_DIR), as make mutate sets it; hxtb.config.get() is read once per
    # process, so this process's config is replaced rather than its environment
    monkeypatch.setattr(config, "get", lambda: config.TbConfig(rtl_dir=rtl))
    with pytest.raises(FileNotFoundError, match="hx_missing.sv"):
        build.sources()


@pytest.mark.parametrize("m", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_mutation_applies_to_the_rtl(m: object) -> None:
    """Every mutant of `make mutate` still matches the RTL text exactly once (a refactor of the
    RTL must update hxtb/verif/mutations.py, keeping each mutant's meaning)."""
    from hxtb.verif.mutations import Mutation

    assert isinstance(m, Mutation)
    text = (build.rtl_dir() / m.file).read_text()
    assert apply(text, m) != text
