"""``make regress``: the long verification regression of issue #5 (not in CI).

Jobs (one simulator process each, two in parallel), every one ending with the coverage dump:
  vmm     Verilator: random VMMs (their test_vmm_random, mixed timing)
  noisy   Verilator: noisy-mode VMMs against the fast path + the statistical scoreboard
  errors  both sims: every error path
  verif   both sims: checkers fire, reset values, IRQ mask, simultaneous errors, AXI delays,
          reset/abort at random points of every phase
  cov     Verilator: coverage-driven random VMMs (extremes of every register)
  soak    both sims: back-pressure soak (vector back-pressure 0.5-0.9, short phases), VMM_COUNT
          checked at the end (no lost or duplicated result), scoreboard on every VMM
Each job has a watchdog (--timeout); a job that exceeds it is killed and reported as HANG.
Then the coverage parts are merged into out/coverage-regress/coverage.{txt,json,yml}; the
regression fails unless every job passes and every defined bin is covered.

Usage: python tb/verif/regress.py [--seed N] [--soak 2000] [--soak-icarus 2000] [--cov-vmms 300]
       [--sims verilator,icarus] [--jobs 2] [--only job,job]
Seeds are printed; rerun one job with the printed `make sim` line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hxtb.build import ROOT, test_modules

MODULES = test_modules("cosim_vmm", "cosim_errors", "cosim_verif", "cosim_verif_cov")
DUMP = "|test_verif_zz_cov_dump"
OUT = ROOT / "out" / "coverage-regress"
PROGRESS_EVERY = 100  # the random-VMM sequences log a progress line this often (HX_PROGRESS)


def jobs(a: argparse.Namespace) -> list[tuple[str, str, str, dict[str, str]]]:
    """(name, sim, test filter, env)."""
    out: list[tuple[str, str, str, dict[str, str]]] = [
        ("vmm", "verilator", "test_vmm_random", {"HX_NUM_VMMS": "200", "HX_PROFILE": "mixed"}),
        ("noisy", "verilator", "test_vmm_noisy|test_verif_noisy_stats",
         {"HX_NUM_VMMS": "40", "HX_PROFILE": "fast"}),
        ("errors", "verilator", "test_err_.*", {}),
        ("verif", "verilator", "test_verif_(?!cov_random|noisy_stats|zz).*", {}),
        ("cov", "verilator", "test_verif_cov_random", {"HX_NUM_VMMS": str(a.cov_vmms)}),
        ("soak", "verilator", "test_verif_cov_random", {"HX_NUM_VMMS": str(a.soak),
                                                         "HX_SOAK": "1"}),
        ("errors", "icarus", "test_err_.*", {}),
        ("verif", "icarus", "test_verif_(?!cov_random|noisy_stats|zz).*", {}),
        ("soak", "icarus", "test_verif_cov_random", {"HX_NUM_VMMS": str(a.soak_icarus),
                                                      "HX_SOAK": "1"}),
    ]
    # longest first (the Icarus soak dominates), so the short jobs share the other worker
    out.sort(key=lambda j: j[0] != "soak" or j[1] != "icarus")
    sims = set(a.sims.split(","))
    only = set(a.only.split(",")) if a.only else None
    return [j for j in out if j[1] in sims and (only is None or j[0] in only)]


def worker(sim: str, flt: str, env_json: str, tdir: str, seed: int) -> int:
    from hxtb import build as b

    runner, bdir = b.build(sim)
    env = {"COCOTB_LOG_LEVEL": "WARNING", **json.loads(env_json)}
    try:
        res = runner.test(test_module=MODULES, hdl_toplevel="tb_top", test_filter=flt,
                          build_dir=bdir, test_dir=Path(tdir), seed=seed, extra_env=env)
    except RuntimeError:  # simulator exited non-zero (a checker's $fatal): results still there
        res = Path(tdir) / "results.xml"
        if not res.exists():
            print(json.dumps({"failed": ["simulator exited without results"], "passed": []}))
            return 0
    passed, failed = b.test_outcomes(Path(res))
    if not passed and not failed:
        failed = ["no cocotb test matched the filter"]
    print(json.dumps({"failed": failed, "passed": passed}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED") or 5))
    ap.add_argument("--soak", type=int, default=2000)
    ap.add_argument("--soak-icarus", type=int, default=2000)
    ap.add_argument("--cov-vmms", type=int, default=300)
    ap.add_argument("--sims", default="verilator,icarus")
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3 * 3600,
                    help="watchdog per job, seconds")
    ap.add_argument("--require", type=float, default=100.0)
    a = ap.parse_args()
    if a.worker:
        w = a.worker
        return worker(w[0], w[1], w[2], w[3], int(w[4]))
    from hxtb import build as b

    todo = jobs(a)
    if "icarus" in a.sims and not b.have_iverilog():
        print(f"NOTE: {b.ICARUS_MISSING}; Icarus jobs skipped")
        todo = [j for j in todo if j[1] != "icarus"]
    for sim in sorted({j[1] for j in todo}):
        b.build(sim)  # once, before the parallel jobs
    parts = OUT / "parts"
    shutil.rmtree(parts, ignore_errors=True)
    work = ROOT / "sim_build" / "regress"
    shutil.rmtree(work, ignore_errors=True)
    print(f"[regress] seed {a.seed}; {len(todo)} jobs, {a.jobs} in parallel; watchdog "
          f"{a.timeout:.0f} s per job")

    def run(job: tuple[str, str, str, dict[str, str]]) -> dict[str, object]:
        name, sim, flt, env = job
        tag = f"{name}-{sim}"
        env = {**env, "HX_COV_DIR": str(parts), "HX_COV_NAME": tag}
        knobs = " ".join(f"{k}={v}" for k, v in env.items() if "COV" not in k)
        print(f"[regress] start {tag}: {knobs} make sim TEST='{flt}' SIM={sim} SEED={a.seed}",
              flush=True)
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "hxtb.verif.regress", "--worker", sim, flt + DUMP,
               json.dumps(env), str(work / tag), str(a.seed)]
        log = work / f"{tag}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"[regress]   log (live, progress every {PROGRESS_EVERY} VMMs): {log}", flush=True)
        try:
            with log.open("w") as fh:  # streamed, so a long job can be followed with tail -f
                subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, text=True,
                               timeout=a.timeout, cwd=ROOT,
                               env={**os.environ, "HX_PROGRESS": str(PROGRESS_EVERY)})
            lines = [ln for ln in log.read_text(errors="replace").splitlines()
                     if ln.startswith('{"failed"')]
            r: dict[str, object] = json.loads(lines[-1]) if lines else {"crash": True}
        except subprocess.TimeoutExpired:
            r = {"hang": True}
            print(f"[regress] WATCHDOG: {tag} exceeded {a.timeout:.0f} s - hang? killed",
                  flush=True)
        r.update(job=tag, seconds=round(time.monotonic() - t0, 1))
        ok = not r.get("failed") and not r.get("hang") and not r.get("crash")
        r["ok"] = ok
        print(f"[regress] done  {tag}: {'PASS' if ok else 'FAIL'} in {r['seconds']} s "
              f"{'' if ok else r}", flush=True)
        for t in r.get("failed") or []:  # type: ignore[attr-defined]
            print(f"[regress]   reproduce: {knobs} make sim TEST={t} SIM={sim} SEED={a.seed}",
                  flush=True)
        return r

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results = list(ex.map(run, todo))
    print()
    print(f"{'job':18s} {'result':7s} {'seconds':>8s}  tests")
    for r in results:
        tests = r.get("passed", [])
        failed = r.get("failed", [])
        print(f"{r['job']!s:18s} {'PASS' if r['ok'] else 'FAIL':7s} {r['seconds']!s:>8s}  "
              f"{len(tests) if isinstance(tests, list) else 0} passed"
              f"{', failed: ' + ', '.join(failed) if isinstance(failed, list) and failed else ''}"
              f"{' HANG' if r.get('hang') else ''}{' CRASH' if r.get('crash') else ''}")
    from hxtb.verif import coverage as cov

    files = sorted(parts.glob("*.json"))
    pct, missing = (cov.report(cov.merge(files), OUT, f"functional coverage, make regress "
                                                      f"({len(files)} runs)")
                    if files else (0.0, ["no coverage parts"]))
    all_ok = all(bool(r["ok"]) for r in results)
    print(f"[regress] {sum(1 for r in results if r['ok'])}/{len(results)} jobs passed; coverage "
          f"{pct:.1f} % (required {a.require:.0f} %); wall {time.monotonic() - t0:.0f} s; "
          f"report {OUT / 'coverage.txt'}")
    if pct < a.require:
        print(f"[regress] FAIL: {len(missing)} uncovered bins: {missing}")
    return 0 if all_ok and pct >= a.require else 1


if __name__ == "__main__":
    sys.exit(main())
