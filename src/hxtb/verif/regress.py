"""``make regress``: the long verification regression (not in CI): every job of tier ``regress``
in tb/testplan.toml - random VMMs, noisy mode and the statistical scoreboard, error paths,
verification tests, coverage-driven random VMMs (extremes of every register) and the 2,000-VMM
back-pressure soak on both simulators.

One simulator process per job, ``--jobs`` in parallel, in plan order (the Icarus soak first);
a progress bar counts finished jobs. Each job has a watchdog (--timeout); a job that exceeds it is
killed and reported as HANG. Each job writes its coverage part at the end of its run; the parts
are merged into out/coverage-regress/coverage.{txt,json,yml}, and the regression fails unless
every job passes and every defined bin is covered.

Usage: python -m hxtb.verif.regress [--seed N] [--soak 2000] [--soak-icarus 2000]
       [--cov-vmms 300] [--sims verilator,icarus] [--jobs 2] [--only soak,verif-icarus]
Seeds are printed with the `make sim` line that reruns a job or a failing test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from hxtb import build, config, testplan
from hxtb.build import ROOT
from hxtb.testplan import Job

OUT = ROOT / "out" / "coverage-regress"


def plan_jobs(a: argparse.Namespace) -> list[Job]:
    """The regress jobs of the testplan, with the size options applied."""
    sizes = {("soak", "verilator"): a.soak, ("soak", "icarus"): a.soak_icarus,
             ("cov", "verilator"): a.cov_vmms}
    out = []
    for j in testplan.load().jobs("regress", a.sims.split(",")):
        n = sizes.get((j.run.name, j.sim))
        if n is not None:
            j = replace(j, run=replace(j.run, cfg=j.cfg.replace(num_vmms=n)))
        if a.only and not ({j.run.name, j.id} & set(a.only.split(","))):
            continue
        out.append(j)
    return out


def worker(sim: str, tests: str, modules: str, tdir: str, seed: int) -> int:
    """In a fresh process (knobs in its environment): run the job, print its outcome as JSON."""
    try:
        res = build.run(sim, tests.split("|"), Path(tdir), seed, config.get(), modules=modules)
    except (RuntimeError, SystemExit) as exc:
        print(json.dumps({"failed": [f"simulator exited without results ({exc})"],
                          "passed": []}))
        return 0
    o = build.test_outcomes(res)
    failed = o.failed or ([] if o.passed else ["no cocotb test matched"])
    print(json.dumps({"failed": failed, "passed": o.passed, "why": o.why}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED") or 5),
                    help="regression seed of every job (default: %(default)s)")
    ap.add_argument("--soak", type=int, default=None,
                    help="VMMs of the Verilator soak (default: the testplan's)")
    ap.add_argument("--soak-icarus", type=int, default=None,
                    help="VMMs of the Icarus soak (default: the testplan's)")
    ap.add_argument("--cov-vmms", type=int, default=None,
                    help="VMMs of the coverage-driven job (default: the testplan's)")
    ap.add_argument("--sims", default="verilator,icarus", help="default: %(default)s")
    ap.add_argument("--only", default="", help="comma-separated run names or job ids")
    ap.add_argument("--jobs", type=int, default=2, help="jobs in parallel (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=3 * 3600,
                    help="watchdog per job, seconds (default: %(default)s)")
    ap.add_argument("--require", type=float, default=100.0,
                    help="coverage required, percent (default: %(default)s)")
    a = ap.parse_args()
    if a.worker:
        w = a.worker
        return worker(w[0], w[1], w[2], w[3], int(w[4]))

    todo = plan_jobs(a)
    if any(j.sim == "icarus" for j in todo) and not build.have_iverilog():
        print(f"NOTE: {build.ICARUS_MISSING}; Icarus jobs skipped")
        todo = [j for j in todo if j.sim != "icarus"]
    if not todo:
        print("[regress] no job selected")
        return 1
    for sim in sorted({j.sim for j in todo}):
        build.build(sim)  # once, before the parallel jobs
    parts = OUT / "parts"
    shutil.rmtree(parts, ignore_errors=True)
    work = ROOT / "sim_build" / "regress"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    print(f"[regress] seed {a.seed}; {len(todo)} jobs, {a.jobs} in parallel; watchdog "
          f"{a.timeout:.0f} s per job; logs (live) in {work}/<job>.log")
    bar = tqdm(total=len(todo), unit="job", desc="regress", dynamic_ncols=True)

    def run(job: Job) -> dict[str, object]:
        cfg = job.cfg.replace(cov_part=parts / f"{job.id}.json")
        line = build.reproduce("|".join(job.tests), job.sim, a.seed, job.cfg)
        bar.write(f"[regress] start {job.id}: {line}")
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "hxtb.verif.regress", "--worker", job.sim,
               "|".join(job.tests), job.modules, str(work / job.id), str(a.seed)]
        log = work / f"{job.id}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HX_")}
        env.update(cfg.to_env())
        env["COCOTB_LOG_LEVEL"] = "WARNING"
        try:
            with log.open("w") as fh:  # streamed, so a long job can be followed with tail -f
                subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, text=True,
                               timeout=a.timeout, cwd=ROOT, env=env)
            lines = [ln for ln in log.read_text(errors="replace").splitlines()
                     if ln.startswith('{"failed"')]
            r: dict[str, object] = json.loads(lines[-1]) if lines else {"crash": True}
        except subprocess.TimeoutExpired:
            r = {"hang": True}
            bar.write(f"[regress] WATCHDOG: {job.id} exceeded {a.timeout:.0f} s - hang? killed")
        r.update(job=job.id, seconds=round(time.monotonic() - t0, 1))
        ok = not r.get("failed") and not r.get("hang") and not r.get("crash")
        r["ok"] = ok
        bar.write(f"[regress] done  {job.id}: {'PASS' if ok else 'FAIL'} in {r['seconds']} s "
                  f"{'' if ok else r}")
        for t in r.get("failed") or []:  # type: ignore[attr-defined]
            bar.write(f"[regress]   reproduce: {build.reproduce(t, job.sim, a.seed, job.cfg)}")
        return r

    t0 = time.monotonic()
    results: dict[str, dict[str, object]] = {}
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(run, j) for j in todo]
        for fut in as_completed(futs):
            r = fut.result()
            results[str(r["job"])] = r
            bar.update(1)
    bar.close()
    print()
    print(f"{'job':18s} {'result':7s} {'seconds':>8s}  tests")
    for j in todo:
        r = results[j.id]
        tests = r.get("passed", [])
        failed = r.get("failed", [])
        print(f"{j.id:18s} {'PASS' if r['ok'] else 'FAIL':7s} {r['seconds']!s:>8s}  "
              f"{len(tests) if isinstance(tests, list) else 0} passed"
              f"{', failed: ' + ', '.join(failed) if isinstance(failed, list) and failed else ''}"
              f"{' HANG' if r.get('hang') else ''}{' CRASH' if r.get('crash') else ''}")
    from hxtb.env import coverage as cov

    files = sorted(parts.glob("*.json"))
    pct, missing = (cov.report(cov.merge(files), OUT, f"functional coverage, make regress "
                                                      f"({len(files)} runs)")
                    if files else (0.0, ["no coverage parts"]))
    all_ok = all(bool(r["ok"]) for r in results.values())
    print(f"[regress] {sum(1 for r in results.values() if r['ok'])}/{len(results)} jobs passed; "
          f"coverage {pct:.1f} % (required {a.require:.0f} %); wall "
          f"{time.monotonic() - t0:.0f} s; report {OUT / 'coverage.txt'}")
    if pct < a.require:
        print(f"[regress] FAIL: {len(missing)} uncovered bins: {missing}")
    return 0 if all_ok and pct >= a.require else 1


if __name__ == "__main__":
    sys.exit(main())
