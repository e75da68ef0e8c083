"""Wall time of a small regression on the job layer (hxsim.jobs, an embedded dask LocalCluster)
against the baselines, side by side in one run (``make bench-jobs``):

* ``dask``: ``python -m hxtb.verif.regress --only errors,verif --workers N`` (the command as a
  user runs it: start-up, cluster, jobs, merged outputs);
* ``dask map``: the same jobs through ``hxsim.jobs`` in this process (cluster start, map,
  shutdown; no command start-up, no merged outputs: comparable with ``futures``);
* ``futures``: the same jobs (``regress.run_job``) on a plain ``concurrent.futures``
  ``ProcessPoolExecutor`` of N processes, in this process (no merging: a lower bound);
* ``old pool``: the hand-written pool that the job layer replaced (threads plus a worker
  subprocess printing JSON lines), run from a checkout of its last commit when ``--old DIR``
  is given (``git worktree add /tmp/old 3a04ebe`` and ``make venv`` there), else its numbers as
  recorded in bench/bench_jobs_baseline.json (measured on this machine, commit named there).

Rounds are interleaved (dask, futures, old, dask, ...) and the median is printed; the machine
is shared, so single numbers are noisy. ``--workers 1,2`` also gives the scaling. ``--mutate``
adds two mutants and the baseline of ``make mutate`` (one round; minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from hxsim import jobs
from hxsim.outputs import write_text_atomic
from hxtb import build, testplan
from hxtb.verif import regress

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "bench" / "bench_jobs_baseline.json"
ONLY = "errors,verif"
MUTANTS = "ev_spacing_plus1,ev_code_uninverted"
SEED = 5


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HX_")}


def run_cmd(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 1):  # 1: coverage below 100 % is expected for a subset
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout[-3000:]}")
    if "jobs passed" in p.stdout and " 0/" in p.stdout.split("jobs passed")[0][-12:]:
        raise RuntimeError(f"no job passed:\n{p.stdout[-3000:]}")
    return dt


def dask_regress(workers: int, tmp: Path) -> float:
    return run_cmd([sys.executable, "-m", "hxtb.verif.regress", "--only", ONLY, "--seed",
                    str(SEED), "--require", "0", "--workers", str(workers), "--no-progress",
                    "--out", str(tmp / f"dask-{workers}")], ROOT)


def old_regress(old: Path, workers: int) -> float:
    return run_cmd([str(old / ".venv" / "bin" / "python"), "-m", "hxtb.verif.regress",
                    "--only", ONLY, "--seed", str(SEED), "--require", "0", "--jobs",
                    str(workers)], old)


def _specs(tmp: Path, name: str) -> list[regress.JobSpec]:
    js = [j for j in testplan.load().jobs("regress") if j.run.name in ONLY.split(",")]
    return [regress.JobSpec(j.id, j.sim, j.tests, j.modules, j.cfg, SEED, 3600,
                            scratch=tmp / name) for j in js]


def dask_map(workers: int, tmp: Path) -> float:
    """The same jobs through the job layer in this process: cluster start, map, shutdown (no
    command start-up, no merged outputs: comparable with ``futures``)."""
    t0 = time.perf_counter()
    specs = _specs(tmp, "dask-map")
    with jobs.open_cluster(jobs.ClusterSpec(workers=workers), log=lambda s: None) as client:
        res = jobs.map_jobs(client, regress.run_job, specs, [s.id for s in specs],
                            progress=False)
    bad = [r.key for r in res if r.status != "ok" or r.value.status != "PASS"]
    if bad:
        raise RuntimeError(f"dask map: jobs failed: {bad}")
    return time.perf_counter() - t0


def futures_regress(workers: int, tmp: Path) -> float:
    """The same jobs on a plain process pool (each job as the job layer runs it)."""
    t0 = time.perf_counter()
    specs = _specs(tmp, "futures")
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as ex:
        outs = list(ex.map(regress.run_job, specs))
    bad = [o.id for o in outs if o.status != "PASS"]
    if bad:
        raise RuntimeError(f"futures pool: jobs failed: {bad}")
    return time.perf_counter() - t0


def mutate_round(old: Path | None, tmp: Path) -> dict[str, float]:
    out = {"dask": run_cmd([sys.executable, "-m", "hxtb.verif.mutate", "--baseline", "--only",
                            MUTANTS, "--workers", "2", "--no-progress", "--out",
                            str(tmp / "mutate")], ROOT)}
    if old is not None:
        out["old pool"] = run_cmd([str(old / ".venv" / "bin" / "python"), "-m",
                                   "hxtb.verif.mutate", "--baseline", "--only", MUTANTS,
                                   "--jobs", "2", "--json", str(tmp / "old-mutate.json")], old)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    ap.add_argument("--workers", default="2", help="worker counts, e.g. 1,2 (default 2)")
    ap.add_argument("--old", type=Path, default=None,
                    help="checkout of the old pool's commit with its .venv (default: the "
                         "recorded numbers)")
    ap.add_argument("--mutate", action="store_true", help="also make mutate (2 mutants)")
    ap.add_argument("--record", action="store_true",
                    help="write the old pool's medians to bench/bench_jobs_baseline.json")
    a = ap.parse_args()
    counts = [int(w) for w in a.workers.split(",")]
    for sim in ("verilator", "icarus"):  # builds outside the timing (each variant finds them)
        build.build(sim)
    res: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="hx-bench-jobs-") as td:
        tmp = Path(td)
        for r in range(a.rounds):
            for w in counts:
                for name, fn in (("dask", lambda w=w: dask_regress(w, tmp)),
                                 ("dask map", lambda w=w: dask_map(w, tmp)),
                                 ("futures", lambda w=w: futures_regress(w, tmp)),
                                 ("old pool", lambda w=w: old_regress(a.old, w))):
                    if name == "old pool" and a.old is None:
                        continue
                    dt = fn()
                    res.setdefault(f"{name} {w}", []).append(dt)
                    print(f"round {r + 1}: {name:9s} {w} workers: {dt:6.1f} s", flush=True)
        mut = mutate_round(a.old, tmp) if a.mutate else {}
    recorded = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    print(f"\nregress --only {ONLY} (4 jobs: errors and verif on Verilator and Icarus), seed "
          f"{SEED}; median wall time of {a.rounds} interleaved rounds, seconds:")
    for w in counts:
        old_key = f"old pool {w}"
        old = (f"{statistics.median(res[old_key]):6.1f}" if old_key in res else
               f"{recorded['regress'][str(w)]:6.1f} (recorded at {recorded['commit']})"
               if str(w) in recorded.get("regress", {}) else "  n/a")
        print(f"  {w} workers: make regress on dask {statistics.median(res[f'dask {w}']):6.1f}"
              f"   old pool (its make regress) {old}   |   jobs only: dask map "
              f"{statistics.median(res[f'dask map {w}']):6.1f}   concurrent.futures "
              f"{statistics.median(res[f'futures {w}']):6.1f}")
    if mut:
        old_m = (f"{mut['old pool']:.1f}" if "old pool" in mut else
                 f"{recorded['mutate']:.1f} (recorded at {recorded['commit']})"
                 if "mutate" in recorded else "n/a")
        print(f"mutate --baseline --only {MUTANTS}, 2 workers: dask {mut['dask']:.1f} s, "
              f"old pool {old_m} s")
    if a.record and a.old is not None:
        commit = subprocess.run(["git", "-C", str(a.old), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        rec: dict[str, Any] = {"commit": commit, "machine": "2 cores, shared by other sessions",
               "regress": {str(w): round(statistics.median(res[f"old pool {w}"]), 1)
                           for w in counts}}
        if "old pool" in mut:
            rec["mutate"] = round(mut["old pool"], 1)
        write_text_atomic(BASELINE, json.dumps(rec, indent=1) + "\n")
        print(f"recorded {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
