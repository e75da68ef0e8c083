"""``make regress``: the long verification regression (not in CI): every job of tier ``regress``
in tb/testplan.toml - random VMMs, noisy mode and the statistical scoreboard, error paths,
verification tests, coverage-driven random VMMs (extremes of every register) and the 2,000-VMM
back-pressure soak on both simulators.

One simulator process per job, run on dask.distributed through the job layer ``hxsim.jobs``:
an embedded LocalCluster (one worker per core) by default, ``--scheduler ADDRESS`` for a running
Dask cluster, ``--cluster slurm|pbs|lsf --cluster-config FILE`` for batch jobs (docs/regress.md).
Jobs start in plan order (the Icarus soak first); one progress bar counts finished jobs. Every
job runs in a fresh directory of its own on its worker (``run_job``, idempotent: a job whose
worker died is rerun elsewhere from scratch) with a time limit (``--timeout``): a simulator past
it is killed and the job reported as HANG with its log. The job hands back its outcome, log,
cocotb results and coverage part; this process writes them atomically into ``--out``
(default out/regress):

    logs/<job>.log      the simulator's output of each job
    parts/<job>.json    each job's coverage part; merged into coverage.{txt,json,yml}
    junit.xml           one testsuite per job, one testcase per cocotb test (no times, so two
                        runs with the same seeds give the same file; times are in summary.json)
    summary.json        every job: status, seconds, seed, host, the command that reproduces it
    report.html         the self-contained HTML summary (hxtb.verif.report_html)

The regression fails (exit 1) unless every job passes and coverage reaches ``--require``.
Usage: python -m hxtb.verif.regress [--seed N] [--soak 2000] [--soak-icarus 2000]
       [--cov-vmms 300] [--sims verilator,icarus] [--only soak,verif-icarus] [--tier regress]
       [--workers N | --scheduler ADDRESS | --cluster slurm --cluster-config FILE]
Seeds are printed with the `make sim` line that reruns a job or a failing test.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import socket
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hxsim import jobs
from hxsim.cli import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_INTERRUPT,
    EXIT_OK,
    EXIT_TERMINATED,
    Terminated,
    sigterm_raises,
)
from hxsim.cli.common import HxParser, nonneg
from hxsim.outputs import write_text_atomic
from hxsim.progress import progress_enabled, write
from hxtb import build, testplan
from hxtb.build import ROOT
from hxtb.config import TbConfig
from hxtb.testplan import Job

OUT = ROOT / "out" / "regress"
#: statuses of a job, worst last
STATUSES = ("PASS", "FAIL", "HANG", "CRASH", "BUILD ERROR", "LOST", "ERROR")


# ---------------------------------------------------------------- one job (on a worker)
@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to run one simulator process (picklable)."""

    id: str
    sim: str
    tests: tuple[str, ...]
    modules: str
    cfg: TbConfig
    seed: int
    timeout: float
    extra_env: tuple[tuple[str, str], ...] = ()
    rtl: Path | None = None
    opt: str | None = None
    scratch: Path | None = None  # see scratch_root

    @property
    def reproduce(self) -> str:
        return build.reproduce("|".join(self.tests), self.sim, self.seed, self.cfg)


@dataclass
class JobOutput:
    """What a job hands back: its status, tests, log text, cocotb results and coverage part."""

    id: str
    status: str
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    log: str = ""
    results_xml: str = ""
    cov_part: str = ""
    seconds: float = 0.0
    build_seconds: float = 0.0
    host: str = ""


def _scrub_knobs() -> None:
    """Remove the testbench knobs from this worker's environment: cocotb's runner lets the
    environment win over a job's knobs, and a worker inherits whatever environment it was
    started in. Workers run one job at a time (one thread each)."""
    for f in dataclasses.fields(TbConfig):
        os.environ.pop(f.metadata["env"], None)


def scratch_root(spec: JobSpec) -> Path:
    """Where the job makes its directory, resolved on the worker: ``scratch`` if absolute,
    else ``<build root>/jobs/<scratch>`` of the worker's host (``$HX_BUILD_ROOT`` there)."""
    base = build.build_root() / "jobs"
    return base if spec.scratch is None else base / spec.scratch


def run_job(spec: JobSpec) -> JobOutput:
    """Run one job on this worker in a fresh directory (removed afterwards) and return its
    outcome; never raises for a failing, hanging or crashing simulator (those are outcomes).
    Idempotent: shares nothing with another attempt of the same job but the build (keyed and
    locked, ``hxtb.build``)."""
    _scrub_knobs()
    root = scratch_root(spec)
    root.mkdir(parents=True, exist_ok=True)
    tdir = Path(tempfile.mkdtemp(prefix=f"{spec.id}.", dir=root))
    log, part, blog = tdir / "job.log", tdir / "coverage.json", tdir / "build.log"
    out = JobOutput(spec.id, "PASS", host=socket.gethostname())
    t0 = time.monotonic()
    try:
        try:
            build.build(spec.sim, rtl=spec.rtl, opt=spec.opt, log_file=blog)
        except Exception as exc:  # noqa: BLE001  (any build failure is this job's outcome)
            out.status, out.detail = "BUILD ERROR", f"{type(exc).__name__}: {exc}"
            out.log = _read(blog)
            return out
        out.build_seconds = round(time.monotonic() - t0, 1)
        cfg = spec.cfg.replace(cov_part=part)
        env = {"COCOTB_LOG_LEVEL": "WARNING", **dict(spec.extra_env)}
        try:
            res = build.run(spec.sim, spec.tests, tdir / "test", spec.seed, cfg,
                            modules=spec.modules, extra_env=env, timeout=spec.timeout,
                            log_file=log, rtl=spec.rtl, opt=spec.opt)
        except build.SimTimeout as exc:
            out.status, out.detail = "HANG", str(exc)
            res = tdir / "test" / "results.xml"
        except (RuntimeError, SystemExit) as exc:
            out.status, out.detail = "CRASH", f"simulator exited without results ({exc})"
            res = tdir / "test" / "results.xml"
        if res.is_file():
            o = build.test_outcomes(res, spec.tests)
            out.passed, out.failed, out.skipped, out.why = o.passed, o.failed, o.skipped, o.why
            out.results_xml = res.read_text()
            if out.status == "PASS" and not o.ok:
                # a skipped or missing test checked nothing: the job fails and says which
                out.status = "FAIL"
                out.detail = "" if o.failed else (o.problem() or "no cocotb test ran")
        elif out.status == "PASS":
            out.status, out.detail = "CRASH", "the simulator wrote no results"
        out.log = _read(log)
        out.cov_part = _read(part)
        return out
    finally:
        out.seconds = round(time.monotonic() - t0, 1)
        shutil.rmtree(tdir, ignore_errors=True)


def _read(p: Path) -> str:
    try:
        return p.read_text(errors="replace")
    except OSError:
        return ""


# ---------------------------------------------------------------- records and merged outputs
@dataclass
class Record:
    """One job's line in summary.json, the HTML report and junit.xml."""

    id: str
    sim: str
    status: str
    seed: int
    reproduce: str
    seconds: float
    tests: list[str]
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    host: str = ""
    log: str = ""  # relative to the run's out dir
    failed_reproduce: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def record_of(spec: JobSpec, r: jobs.JobResult) -> tuple[Record, JobOutput | None]:
    """The record of a finished job (also for a job that raised or whose workers died)."""
    rec = Record(spec.id, spec.sim, "ERROR", spec.seed, spec.reproduce, r.seconds,
                 list(spec.tests))
    if r.status != "ok":
        rec.status = "LOST" if r.status == "lost" else "ERROR"
        rec.detail = r.error
        return rec, None
    o: JobOutput = r.value
    rec.status, rec.seconds, rec.host, rec.detail = o.status, o.seconds, o.host, o.detail
    rec.passed, rec.failed, rec.skipped, rec.why = o.passed, o.failed, o.skipped, o.why
    rec.failed_reproduce = {t: build.reproduce(t, spec.sim, spec.seed, spec.cfg)
                            for t in o.failed}
    return rec, o


def junit_xml(records: list[Record], suite: str) -> str:
    """JUnit XML of the run: one testsuite per job, one testcase per planned test (a test that
    did not report under a hung or crashed simulator is an error). No times, host names or
    paths: identical for two runs with the same seeds wherever they ran."""
    root = ET.Element("testsuites", name=suite)
    for rec in records:
        ts = ET.SubElement(root, "testsuite", name=rec.id)
        n_fail = n_err = n_skip = 0
        for t in rec.tests:
            tc = ET.SubElement(ts, "testcase", classname=f"{suite}.{rec.id}", name=t)
            if t in rec.failed:
                n_fail += 1
                ET.SubElement(tc, "failure", message=rec.why.get(t, ""),
                              type="failure").text = rec.failed_reproduce.get(t, rec.reproduce)
            elif t in rec.skipped:
                n_skip += 1
                ET.SubElement(tc, "skipped", message="not run (an earlier test failed)")
            elif t not in rec.passed:
                n_err += 1
                ET.SubElement(tc, "error", message=f"{rec.status}: {rec.detail}",
                              type=rec.status).text = rec.reproduce
        ts.set("tests", str(len(rec.tests)))
        ts.set("failures", str(n_fail))
        ts.set("errors", str(n_err))
        ts.set("skipped", str(n_skip))
        props = ET.Element("properties")
        ts.insert(0, props)  # the JUnit schema's order: properties before the test cases
        ET.SubElement(props, "property", name="seed", value=str(rec.seed))
        ET.SubElement(props, "property", name="reproduce", value=rec.reproduce)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def prepare_out(out: Path, names: tuple[str, ...]) -> None:
    """Remove the previous run's outputs from ``out`` (printed, not silent)."""
    old = [out / n for n in names if (out / n).exists()]
    if old:
        write(f"[jobs] replacing the previous run's outputs in {out}")
    for p in old:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def write_job_files(out: Path, rec: Record, o: JobOutput | None) -> None:
    """The job's log and coverage part, each written atomically."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    text = o.log if o is not None else ""
    if not text:
        text = f"(no simulator output) {rec.status}: {rec.detail}\n"
    write_text_atomic(out / "logs" / f"{rec.id}.log", text)
    rec.log = f"logs/{rec.id}.log"
    if o is not None and o.cov_part:
        (out / "parts").mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "parts" / f"{rec.id}.json", o.cov_part)


def status_line(rec: Record, prefix: str) -> str:
    line = f"[{prefix}] {rec.status:5s} {rec.id} in {rec.seconds} s (seed {rec.seed}, {rec.host})"
    if rec.status != "PASS":
        line += f": {rec.detail or ', '.join(rec.failed)}\n[{prefix}]   log {rec.log}"
        for t, cmd in rec.failed_reproduce.items():
            line += f"\n[{prefix}]   {t}: {rec.why.get(t, '')[:120]}\n[{prefix}]   reproduce: {cmd}"
        if not rec.failed_reproduce:
            line += f"\n[{prefix}]   reproduce: {rec.reproduce}"
    return line


# ---------------------------------------------------------------- the regression
def plan_jobs(a: argparse.Namespace) -> list[Job]:
    """The jobs of ``a.tier`` (default regress) of the testplan, with the size options applied
    and ``--only`` (run names or job ids) selected."""
    sizes = {("soak", "verilator"): a.soak, ("soak", "icarus"): a.soak_icarus,
             ("cov", "verilator"): a.cov_vmms}
    all_jobs = testplan.load().jobs(a.tier, a.sims.split(","))
    only = [s for s in a.only.split(",") if s]
    known = {j.run.name for j in all_jobs} | {j.id for j in all_jobs}
    unknown = [s for s in only if s not in known]
    if unknown:
        raise ValueError(f"--only: {', '.join(unknown)} not a run name or job id of tier "
                         f"{a.tier} (known: {', '.join(sorted(known))})")
    out = []
    for j in all_jobs:
        n = sizes.get((j.run.name, j.sim)) if a.tier == "regress" else None
        if n is not None:
            j = replace(j, run=replace(j.run, cfg=j.cfg.replace(num_vmms=n)))
        if only and not ({j.run.name, j.id} & set(only)):
            continue
        out.append(j)
    return out


def parser() -> argparse.ArgumentParser:
    ap = HxParser(prog="python -m hxtb.verif.regress", description=__doc__.split("\n\n")[0],
                  parents=[jobs.cluster_options(jobs_alias=True)])
    # a string default goes through ``type`` too: a bad $SEED is refused like a bad --seed
    ap.add_argument("--seed", type=nonneg, default=os.environ.get("SEED") or "5",
                    help="regression seed of every job (default: $SEED, else 5)")
    ap.add_argument("--soak", type=int, default=None,
                    help="VMMs of the Verilator soak (default: the testplan's)")
    ap.add_argument("--soak-icarus", type=int, default=None,
                    help="VMMs of the Icarus soak (default: the testplan's)")
    ap.add_argument("--cov-vmms", type=int, default=None,
                    help="VMMs of the coverage-driven job (default: the testplan's)")
    ap.add_argument("--sims", default="verilator,icarus", help="simulators")
    ap.add_argument("--tier", default="regress", choices=testplan.TIERS,
                    help="testplan tier whose jobs run")
    ap.add_argument("--only", default="", help="comma-separated run names or job ids "
                                               "(default: all of the tier)")
    ap.add_argument("--timeout", type=float, default=3 * 3600,
                    help="time limit per job, seconds; past it: HANG")
    ap.add_argument("--require", type=float, default=100.0,
                    help="coverage required, percent")
    ap.add_argument("--out", type=Path, default=OUT, help="output directory")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar on stderr (default: on when stderr is a terminal)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    a = ap.parse_args(argv)
    try:
        spec = jobs.ClusterSpec.from_args(a)
        todo = plan_jobs(a)
        if a.cluster:
            jobs.load_cluster_config(a.cluster_config, a.cluster)
    except ValueError as exc:  # also TestplanError, ClusterConfigError
        print(f"{ap.prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if any(j.sim == "icarus" for j in todo) and not build.have_iverilog():
        print(f"NOTE: {build.ICARUS_MISSING}; Icarus jobs skipped")
        todo = [j for j in todo if j.sim != "icarus"]
    if not todo:
        print("[regress] no job selected")
        return EXIT_CHECK_FAILED
    return run_command(ap.prog, lambda: run(a, spec, todo))


def run_command(prog: str, body: Callable[[], int]) -> int:
    """The job-running part of ``make regress`` / ``make mutate``: a note naming exported knobs
    the jobs do not use, then ``body()``; Ctrl-C exits 130 and SIGTERM 143 with one line each (the
    Dask cluster closed on the way out), an OSError 2 with its message."""
    try:
        if note := build.exported_knobs_note():
            print(note, file=sys.stderr)
        with sigterm_raises():
            return body()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPT
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except OSError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def run(a: argparse.Namespace, spec: jobs.ClusterSpec, todo: list[Job]) -> int:
    out: Path = a.out
    tag = Path(f"regress-{time.time_ns():x}")  # this run's job directories on each host
    specs = [JobSpec(j.id, j.sim, j.tests, j.modules, j.cfg, a.seed, a.timeout, scratch=tag)
             for j in todo]
    print(f"[regress] seed {a.seed}; {len(specs)} jobs on {spec.describe()}; time limit "
          f"{a.timeout:.0f} s per job; outputs in {out}")
    for s in specs:
        print(f"[regress]   {s.id}: {s.reproduce}")
    t0 = time.monotonic()
    records: dict[str, Record] = {}

    def done(r: jobs.JobResult, _bar: Any) -> str:
        s = specs[[x.id for x in specs].index(r.key)]
        rec, o = record_of(s, r)
        write_job_files(out, rec, o)
        records[rec.id] = rec
        return status_line(rec, "regress")

    with jobs.open_cluster(spec) as client:
        # after the cluster is there: a bad --scheduler or cluster config changes no output
        prepare_out(out, ("logs", "parts", "coverage.txt", "coverage.json", "coverage.yml",
                          "junit.xml", "summary.json", "report.html"))
        jobs.map_jobs(client, run_job, specs, [s.id for s in specs], label="regress",
                      progress=progress_enabled(a.progress), on_result=done)
    wall = time.monotonic() - t0
    with contextlib.suppress(OSError):  # this host's (a lost worker's leftovers)
        shutil.rmtree(build.build_root() / "jobs" / tag)
    recs = [records[s.id] for s in specs]
    return finish(out, recs, a.require, wall, spec.describe(), a.seed)


def finish(out: Path, recs: list[Record], require: float, wall: float, where: str,
           seed: int) -> int:
    """Merge coverage, write junit.xml, summary.json and report.html; print the table."""
    from hxtb.env import coverage as cov
    from hxtb.verif import report_html

    print()
    print(f"{'job':18s} {'result':11s} {'seconds':>8s}  tests")
    for r in recs:
        print(f"{r.id:18s} {r.status:11s} {r.seconds!s:>8s}  {len(r.passed)} passed"
              f"{', failed: ' + ', '.join(r.failed) if r.failed else ''}")
    files = sorted((out / "parts").glob("*.json"))
    if files:
        pct, missing = cov.report(cov.merge(files), out, f"functional coverage, make regress "
                                                         f"({len(files)} runs)")
        coverage = json.loads((out / "coverage.json").read_text())
    else:
        pct, missing, coverage = 0.0, ["no coverage parts"], None
    write_text_atomic(out / "junit.xml", junit_xml(recs, "regress"))
    summary = {"kind": "regress", "seed": seed, "where": where, "wall_seconds": round(wall, 1),
               "coverage_percent": pct, "require": require,
               "jobs": [dataclasses.asdict(r) for r in recs]}
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1))
    report_html.write(out / "report.html", "make regress", summary, coverage, None)
    ok = all(r.status == "PASS" for r in recs)
    print(f"[regress] {sum(r.status == 'PASS' for r in recs)}/{len(recs)} jobs passed; "
          f"coverage {pct:.1f} % (required {require:.0f} %); wall {wall:.0f} s")
    print(f"[regress] report {out / 'report.html'}; JUnit {out / 'junit.xml'}; logs "
          f"{out / 'logs'}")
    if pct < require:
        print(f"[regress] FAIL: {len(missing)} uncovered bins: {missing}")
    return EXIT_OK if ok and pct >= require else EXIT_CHECK_FAILED


if __name__ == "__main__":
    sys.exit(main())
