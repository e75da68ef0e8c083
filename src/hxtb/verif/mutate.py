"""``make mutate``: inject realistic RTL bugs one at a time and check the quick regression
catches them (mutation score).

For every mutation of ``hxtb.verif.mutations``: copy rtl/ to a fresh directory, apply the edit
(its pattern must match exactly once), build tb_top with that RTL under Verilator into its own
build directory (keyed by the mutant RTL's contents, never the real sim_build/verilator-bridge;
the model's C++ at -O0: mutant builds are compile-bound) and run the quick regression - the one
job of tier ``mutate`` in tb/testplan.toml - in one simulator process, stopping at the first
failing test. A mutant is CAUGHT when any test fails or the run passes its time limit; the
table names the failing test. Mutants are jobs of the job layer ``hxsim.jobs`` (embedded
LocalCluster by default, ``--scheduler`` / ``--cluster`` as for ``make regress``); one progress
bar counts finished mutants.

Outputs in ``--out`` (default out/mutate): ``mutate.json`` (the mutation table: seed, score,
rows; no times, so equal seeds give equal tables wherever they ran), ``logs/<mutant>.log``,
``junit.xml`` (one test case per mutant: a survivor is a failure), ``summary.json`` (every job
with its time and host) and ``report.html``.

Usage: python -m hxtb.verif.mutate [--only name,name] [--list] [--baseline] [--keep]
       [--workers N | --scheduler ADDRESS | --cluster slurm --cluster-config FILE]
Exit status: 0 when the score reaches --goal (default 95 %) and the baseline (unmutated RTL)
passes, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hxsim import jobs
from hxsim.cli import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_OK,
)
from hxsim.cli.common import HxParser, nonneg
from hxsim.outputs import write_text_atomic
from hxsim.progress import progress_enabled
from hxtb import build, testplan
from hxtb.build import ROOT
from hxtb.testplan import Job
from hxtb.verif.mutations import MUTATIONS, Mutation, apply
from hxtb.verif.regress import (
    JobOutput,
    JobSpec,
    Record,
    prepare_out,
    record_of,
    run_command,
    run_job,
    scratch_root,
    write_job_files,
)

SEED = 20261123
OUT = ROOT / "out" / "mutate"
# Mutant builds are compile-bound (the quick regression runs for seconds): compile the verilated
# C++ without optimization (make variables, as hxtb.build does).
MUTANT_OPT = "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"
# COCOTB_MAX_FAILURES=1: a mutant is caught at its first failing test (the rest is not run)
QUICK_ENV = {"COCOTB_LOG_LEVEL": "WARNING", "COCOTB_MAX_FAILURES": "1"}
TIMEOUT_S = 420
CHECKER_TAG = "hx_checkers: protocol/output check "


def quick_job() -> Job:
    """The quick regression: the testplan's one job of tier ``mutate``."""
    js = testplan.load().jobs("mutate")
    if len(js) != 1 or js[0].sim != "verilator":
        raise testplan.TestplanError(f"tier mutate: expected one Verilator job, got "
                                     f"{[j.id for j in js]}")
    return js[0]


@dataclass(frozen=True)
class MutantSpec:
    """One mutant (``mutation`` None: the unmutated RTL) and the quick regression's job."""

    name: str
    mutation: Mutation | None
    job: JobSpec
    keep: bool = False


def run_mutant(spec: MutantSpec) -> JobOutput:
    """On a worker: copy rtl/ into a fresh directory, apply the mutation, build and run the
    quick regression (``regress.run_job``); the mutant's build directory is removed unless
    ``keep``. Idempotent (a rerun builds or finds its own keyed build)."""
    root = scratch_root(spec.job)
    root.mkdir(parents=True, exist_ok=True)
    d = Path(tempfile.mkdtemp(prefix=f"{spec.name}.", dir=root))
    try:
        rtl = d / "rtl"
        shutil.copytree(ROOT / "rtl", rtl)
        if spec.mutation is not None:
            f = rtl / spec.mutation.file
            f.write_text(apply(f.read_text(), spec.mutation))
        job = dataclasses.replace(spec.job, rtl=rtl)
        out = run_job(job)
        if not spec.keep and out.status != "BUILD ERROR":
            bdir = build.build_dir("verilator", rtl=rtl)
            shutil.rmtree(bdir, ignore_errors=True)
            # its lock too: the directory is this mutant's alone (named after its RTL)
            Path(f"{bdir}.lock").unlink(missing_ok=True)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def verdict(o: JobOutput | None, status: str, detail: str) -> tuple[bool | None, str]:
    """(caught, how): None when the mutant could not be evaluated (build error, crash, lost)."""
    if status == "HANG":
        return True, f"timeout ({TIMEOUT_S} s time limit)"
    if o is None or status in ("BUILD ERROR", "CRASH", "LOST", "ERROR"):
        return None, f"{status}: {detail}"[:200]
    if o.failed:
        why = o.why.get(o.failed[0], "")[:140]
        chk = [ln.split(CHECKER_TAG, 1)[1] for ln in o.log.splitlines() if CHECKER_TAG in ln]
        if chk:  # a checker that ended the simulation ($fatal)
            why = f"checker {chk[0].replace(' failed:', ':')}"
        return True, f"{o.failed[0]}{': ' + why if why else ''}"
    if status == "FAIL":  # no test ran
        return None, f"FAIL: {detail}"
    return False, "SURVIVED"


def parser() -> argparse.ArgumentParser:
    ap = HxParser(prog="python -m hxtb.verif.mutate", description=__doc__.split("\n\n")[0],
                  parents=[jobs.cluster_options(jobs_alias=True)])
    ap.add_argument("--only", default="", help="comma-separated mutation names (default: all)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--baseline", action="store_true",
                    help="also run the unmutated RTL (must pass)")
    ap.add_argument("--goal", type=float, default=95.0, help="mutation score required, %%")
    ap.add_argument("--seed", type=nonneg, default=SEED, help="seed of every mutant's run")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S,
                    help="time limit of a mutant's simulation, seconds (past it: caught)")
    ap.add_argument("--out", type=Path, default=OUT, help="output directory")
    ap.add_argument("--keep", action="store_true", help="keep the mutant build directories")
    ap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar on stderr (default: on when stderr is a terminal)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    a = ap.parse_args(argv)
    muts = MUTATIONS
    try:
        spec = jobs.ClusterSpec.from_args(a)
        if a.cluster:
            jobs.load_cluster_config(a.cluster_config, a.cluster)
        if a.only:
            want = [s for s in a.only.split(",") if s]
            unknown = sorted(set(want) - {m.name for m in MUTATIONS})
            if unknown:
                raise ValueError(f"--only: unknown mutations {unknown} (see --list)")
            muts = [m for m in MUTATIONS if m.name in want]
        # Fail loudly before building anything if the RTL no longer matches a pattern.
        for m in muts:
            apply((ROOT / "rtl" / m.file).read_text(), m)
        job = quick_job()
    except ValueError as exc:
        print(f"{ap.prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if a.list:
        for m in muts:
            print(f"{m.name:32s} {m.file:24s} {m.what}")
        return EXIT_OK
    return run_command(ap.prog, lambda: run(a, spec, job, muts))


def run(a: argparse.Namespace, spec: jobs.ClusterSpec, job: Job, muts: list[Mutation]) -> int:
    from hxtb.verif import report_html

    out: Path = a.out
    scratch = Path(f"mutate-{time.time_ns():x}")  # this run's job directories on each host
    todo: list[Mutation | None] = ([None] if a.baseline else []) + list(muts)
    specs = [MutantSpec("baseline" if m is None else m.name, m,
                        JobSpec(f"{'baseline' if m is None else m.name}", job.sim, job.tests,
                                job.modules, job.cfg, a.seed, a.timeout,
                                extra_env=tuple(QUICK_ENV.items()), opt=MUTANT_OPT,
                                scratch=scratch), a.keep) for m in todo]
    print(f"[mutate] {len(muts)} mutants{' and the baseline' if a.baseline else ''} on "
          f"{spec.describe()}, seed {a.seed}; outputs in {out}")
    print(f"[mutate] quick regression (testplan job {job.id}): {', '.join(job.tests)}; knobs "
          f"{job.cfg.to_env()}; {QUICK_ENV}")
    t0 = time.monotonic()
    recs: dict[str, Record] = {}
    verdicts: dict[str, tuple[bool | None, str]] = {}
    by_name = {s.name: s for s in specs}

    def done(r: jobs.JobResult, _bar: Any) -> str:
        s = by_name[r.key]
        rec, o = record_of(s.job, r)
        if s.mutation is not None:  # a make sim line would run the unmutated RTL
            rec.reproduce = (f"python -m hxtb.verif.mutate --only {s.name} --seed {a.seed} "
                             f"--out out/mutate-{s.name}")
            rec.failed_reproduce = {}
        write_job_files(out, rec, o)
        c, how = verdict(o, rec.status, rec.detail)
        tag = "CAUGHT" if c else ("SURVIVED" if c is False else "INVALID")
        if s.mutation is None:  # the unmutated RTL must pass, not be "caught"
            tag, how = ("PASSES", "") if c is False else ("FAILS", f"{how} - score meaningless")
        rec.extra = {"result": tag, "by": how}
        recs[s.name], verdicts[s.name] = rec, (c, how)
        return (f"[mutate] {s.name:32s} {tag:8s} {rec.seconds:6.1f} s  {how}"
                + (f"\n[mutate]   log {out / rec.log}; reproduce: {rec.reproduce} "
                   f"(with the mutation applied)" if tag in ("INVALID", "FAILS") else ""))

    with jobs.open_cluster(spec) as client:
        # after the cluster is there: a bad --scheduler or cluster config changes no output
        prepare_out(out, ("logs", "mutate.json", "junit.xml", "summary.json", "report.html"))
        jobs.map_jobs(client, run_mutant, specs, [s.name for s in specs], label="mutate",
                      unit="mutant", progress=progress_enabled(a.progress), on_result=done)
    wall = time.monotonic() - t0
    shutil.rmtree(build.build_root() / "jobs" / scratch, ignore_errors=True)
    rows = []
    base_ok = True
    for s in specs:
        c, how = verdicts[s.name]
        if s.mutation is None:
            base_ok = c is False
            continue
        m = s.mutation
        rows.append({"name": m.name, "file": m.file, "what": m.what, "caught": c, "by": how,
                     "result": recs[s.name].extra["result"]})
    caught = sum(1 for r in rows if r["caught"])
    valid = sum(1 for r in rows if r["caught"] is not None)
    score = 100.0 * caught / valid if valid else 0.0
    print()
    print(f"{'mutation':30s} {'file':22s} {'result':9s} caught by (first failing test: why)")
    print("-" * 120)
    for r in rows:
        print(f"{r['name']:30s} {r['file']:22s} {r['result']:9s} {str(r['by'])[:90]}")
    print("-" * 120)
    if a.baseline:
        print(f"baseline (unmutated RTL): {'passes' if base_ok else 'FAILS - score meaningless'}")
    survivors = [str(r["name"]) for r in rows if r["caught"] is False]
    print(f"mutation score: {caught}/{valid} = {score:.1f} %  (goal {a.goal:.0f} %); "
          f"survivors: {', '.join(survivors) or 'none'}; wall time {wall:.0f} s")
    table = {"seed": a.seed, "score": score, "caught": caught, "valid": valid,
             "baseline_ok": base_ok if a.baseline else None, "rows": rows}
    write_text_atomic(out / "mutate.json", json.dumps(table, indent=1))
    write_text_atomic(out / "junit.xml", junit_xml(rows, base_ok if a.baseline else None,
                                                   a.seed))
    records = [recs[s.name] for s in specs]
    summary = {"kind": "mutate", "seed": a.seed, "where": spec.describe(),
               "wall_seconds": round(wall, 1),
               "jobs": [dataclasses.asdict(r) | {"status": r.extra["result"]} for r in records]}
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1))
    report_html.write(out / "report.html", "make mutate", summary, None, table)
    print(f"[mutate] table {out / 'mutate.json'}; report {out / 'report.html'}")
    return EXIT_OK if (score >= a.goal and base_ok) else EXIT_CHECK_FAILED


def junit_xml(rows: list[dict[str, Any]], base_ok: bool | None, seed: int) -> str:
    """One test case per mutant (a survivor fails, an invalid mutant is an error) and one for
    the baseline; no times (equal for equal seeds)."""
    root = ET.Element("testsuites", name="mutate")
    ts = ET.SubElement(root, "testsuite", name="mutate", tests=str(len(rows) + (
        base_ok is not None)))
    props = ET.SubElement(ts, "properties")
    ET.SubElement(props, "property", name="seed", value=str(seed))
    if base_ok is not None:
        tc = ET.SubElement(ts, "testcase", classname="mutate", name="baseline")
        if not base_ok:
            ET.SubElement(tc, "failure", message="the unmutated RTL fails the quick regression")
    for r in rows:
        tc = ET.SubElement(ts, "testcase", classname="mutate", name=str(r["name"]))
        if r["caught"] is False:
            ET.SubElement(tc, "failure", message=f"mutant survived: {r['what']}")
        elif r["caught"] is None:
            ET.SubElement(tc, "error", message=str(r["by"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


if __name__ == "__main__":
    sys.exit(main())
