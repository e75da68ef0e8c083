"""``make mutate``: inject realistic RTL bugs one at a time and check the quick regression
catches them (mutation score).

For every mutation of ``hxtb.verif.mutations``: copy rtl/ to a temporary directory, apply the edit
(its pattern must match exactly once), build tb_top with that RTL under Verilator into its own
build directory (never the real sim_build/verilator-bridge), and run the quick regression - the
one job of tier ``mutate`` in tb/testplan.toml - in one simulator process, stopping at the first
failing test. A mutant is CAUGHT when any test fails or the run times out; the table names the
failing test. A progress bar counts finished mutants.

Usage: python -m hxtb.verif.mutate [--jobs 2] [--only name,name] [--list] [--baseline]
       [--json out/mutate.json] [--keep]
Exit status: 0 when the score reaches --goal (default 95 %) and the baseline (unmutated RTL)
passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from hxsim.outputs import write_text_atomic
from hxtb import build, testplan
from hxtb.build import ROOT
from hxtb.config import TbConfig
from hxtb.testplan import Job
from hxtb.verif.mutations import MUTATIONS, Mutation, apply

SEED = 20261123
# Mutant builds are compile-bound (the quick regression runs for seconds): compile the verilated
# C++ without optimization (make variables via MAKEFLAGS, as hxtb.build does).
MUTANT_MAKEFLAGS = "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"
# COCOTB_MAX_FAILURES=1: a mutant is caught at its first failing test (the rest is not run)
QUICK_ENV = {"COCOTB_LOG_LEVEL": "WARNING", "COCOTB_MAX_FAILURES": "1"}
TIMEOUT_S = 420


def quick_job() -> Job:
    """The quick regression: the testplan's one job of tier ``mutate``."""
    jobs = testplan.load().jobs("mutate")
    if len(jobs) != 1 or jobs[0].sim != "verilator":
        raise testplan.TestplanError(f"tier mutate: expected one Verilator job, got "
                                     f"{[j.id for j in jobs]}")
    return jobs[0]


def worker(bdir: Path, tdir: Path, seed: int) -> int:
    """In a fresh process (knob rtl_dir in its environment): build into ``bdir``, run the quick
    regression, print JSON."""

    def _bdir(sim: str, ideal: bool = False, waves: bool = False) -> Path:
        return bdir

    build.build_dir = _bdir  # own build dir per mutant
    os.environ["MAKEFLAGS"] = (os.environ.get("MAKEFLAGS", "") + " " + MUTANT_MAKEFLAGS).strip()
    t0 = time.monotonic()
    try:
        build.build("verilator")
    except Exception as exc:  # noqa: BLE001  (report any build failure)
        print(json.dumps({"build_error": str(exc)[-2000:]}))
        return 0
    t_build = time.monotonic() - t0
    job = quick_job()
    try:
        results = build.run_job(job, tdir, seed, extra_env=QUICK_ENV)
    except (RuntimeError, SystemExit):
        print(json.dumps({"failed": ["simulator exited without results"], "passed": [],
                          "t_build": round(t_build, 1)}))
        return 0
    o = build.test_outcomes(results)
    print(json.dumps({"failed": o.failed, "passed": o.passed,
                      "why": o.why[o.failed[0]][:140] if o.failed else "",
                      "t_build": round(t_build, 1),
                      "t_total": round(time.monotonic() - t0, 1)}))
    return 0


def run_one(m: Mutation | None, work: Path, seed: int, keep: bool) -> dict[str, object]:
    name = m.name if m is not None else "baseline"
    d = work / name
    if d.exists():
        shutil.rmtree(d)
    rtl = d / "rtl"
    shutil.copytree(ROOT / "rtl", rtl)
    if m is not None:
        f = rtl / m.file
        f.write_text(apply(f.read_text(), m))
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "hxtb.verif.mutate", "--worker", str(d / "build"),
           str(d / "test"), str(seed)]
    env = {**os.environ, **TbConfig(rtl_dir=rtl).to_env()}
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT,
                           env=env)
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        res: dict[str, object] = json.loads(lines[-1]) if lines else {
            "crash": (p.stdout + p.stderr)[-1500:]}
        (d / "log.txt").write_text(p.stdout + "\n" + p.stderr)
        # a checker that ended the simulation ($fatal; deliberate firings in
        # test_verif_checkers_fire print HXCHK lines without it)
        tag = "hx_checkers: protocol/output check "
        chk = [ln.split(tag, 1)[1] for ln in p.stdout.splitlines() if tag in ln]
        if chk and res.get("failed"):
            res["why"] = f"checker {chk[0].replace(' failed:', ':')}"
    except subprocess.TimeoutExpired:
        res = {"timeout": True}
    res["name"] = name
    res["t_wall"] = round(time.monotonic() - t0, 1)
    if not keep and "build_error" not in res and "crash" not in res:
        shutil.rmtree(d / "build", ignore_errors=True)
    return res


def verdict(res: dict[str, object]) -> tuple[bool | None, str]:
    """(caught, how): None when the mutant could not be evaluated (build error / crash)."""
    if "build_error" in res:
        return None, "BUILD ERROR"
    if res.get("timeout"):
        return True, f"timeout ({TIMEOUT_S} s watchdog)"
    if "crash" in res:
        return None, "CRASH"
    failed = res.get("failed") or []
    assert isinstance(failed, list)
    if failed:
        why = str(res.get("why", ""))
        return True, f"{failed[0]}{': ' + why if why else ''}"
    return False, "SURVIVED"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", nargs=3, metavar=("BUILD", "TEST", "SEED"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated mutation names")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--baseline", action="store_true",
                    help="also run the unmutated RTL (must pass)")
    ap.add_argument("--goal", type=float, default=95.0)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", default=str(ROOT / "out" / "mutate.json"))
    ap.add_argument("--work", default="", help="work dir (default: a temp dir under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the mutant build directories")
    a = ap.parse_args()
    if a.worker:
        return worker(Path(a.worker[0]), Path(a.worker[1]), int(a.worker[2]))
    muts = MUTATIONS
    if a.only:
        want = set(a.only.split(","))
        unknown = want - {m.name for m in MUTATIONS}
        if unknown:
            ap.error(f"unknown mutations: {sorted(unknown)}")
        muts = [m for m in MUTATIONS if m.name in want]
    # Fail loudly before building anything if the RTL no longer matches a pattern.
    for m in muts:
        apply((ROOT / "rtl" / m.file).read_text(), m)
    if a.list:
        for m in muts:
            print(f"{m.name:32s} {m.file:24s} {m.what}")
        return 0
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="hx-mutate-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"[mutate] {len(muts)} mutants, {a.jobs} in parallel, seed {a.seed}, work dir {work}")
    job = quick_job()
    print(f"[mutate] quick regression (testplan job {job.id}): {', '.join(job.tests)}; knobs "
          f"{job.cfg.to_env()}; {QUICK_ENV}")
    t0 = time.monotonic()
    jobs: list[Mutation | None] = ([None] if a.baseline else []) + list(muts)
    results: list[dict[str, object]] = []
    bar = tqdm(total=len(jobs), unit="mutant", desc="mutate", dynamic_ncols=True)
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(run_one, m, work, a.seed, a.keep) for m in jobs]
        for fut in as_completed(futs):
            r = fut.result()
            c, how = verdict(r)
            tag = "CAUGHT " if c else ("SURVIVED" if c is False else "INVALID")
            if r["name"] == "baseline":  # the unmutated RTL must pass, not be "caught"
                tag, how = ("PASSES", "") if c is False else ("FAILS", f"{how} - score meaningless")
            bar.write(f"[mutate] {r['name']:32s} {tag:8s} {r['t_wall']:6.1f} s "
                      f"(build {r.get('t_build', '?')} s)  {how}")
            bar.update(1)
            results.append(r)
    bar.close()
    order = {("baseline" if m is None else m.name): i for i, m in enumerate(jobs)}
    results.sort(key=lambda r: order[str(r["name"])])
    by_name = {m.name: m for m in MUTATIONS}
    base_ok = True
    rows = []
    for r in results:
        c, how = verdict(r)
        if r["name"] == "baseline":
            base_ok = c is False
            continue
        m = by_name[str(r["name"])]
        rows.append({"name": m.name, "file": m.file, "what": m.what,
                     "caught": c, "by": how, "seconds": r["t_wall"]})
    caught = sum(1 for r in rows if r["caught"])
    valid = sum(1 for r in rows if r["caught"] is not None)
    score = 100.0 * caught / valid if valid else 0.0
    print()
    print(f"{'mutation':30s} {'file':22s} {'result':9s} caught by (first failing test: why)")
    print("-" * 120)
    for r in rows:
        res = "CAUGHT" if r["caught"] else ("SURVIVED" if r["caught"] is False else "INVALID")
        print(f"{r['name']:30s} {r['file']:22s} {res:9s} {str(r['by'])[:90]}")
    print("-" * 120)
    if a.baseline:
        print(f"baseline (unmutated RTL): {'passes' if base_ok else 'FAILS - score meaningless'}")
    survivors = [r["name"] for r in rows if r["caught"] is False]
    print(f"mutation score: {caught}/{valid} = {score:.1f} %  (goal {a.goal:.0f} %); "
          f"survivors: {', '.join(str(s) for s in survivors) or 'none'}; "
          f"wall time {time.monotonic() - t0:.0f} s")
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = {"seed": a.seed, "score": score, "caught": caught, "valid": valid,
             "baseline_ok": base_ok if a.baseline else None, "rows": rows}
    write_text_atomic(out, json.dumps(table, indent=1))
    print(f"[mutate] table written to {out}")
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if (score >= a.goal and base_ok) else 1


if __name__ == "__main__":
    sys.exit(main())
