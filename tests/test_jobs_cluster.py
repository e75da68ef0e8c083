"""A regression through a real Dask cluster: a scheduler and two workers started as separate
processes on 127.0.0.1, ``python -m hxtb.verif.regress --scheduler ADDRESS`` on a few short jobs
of both simulators, one worker killed with SIGKILL while it runs a simulator. Every job has
exactly one result, coverage and JUnit equal those of an embedded-cluster run with the same
seed, the HTML summary renders, and nothing is left running afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_jobs import check_report

from hxtb import build

#: quick-tier jobs of a few seconds each, on both simulators
ONLY = "regs,errors-verilator"
JOB_IDS = ["errors-verilator", "regs-verilator", "regs-icarus"]
SEED = 7
#: the scheduler as docs/regress.md starts one: a worker holds one job at a time
DASK_ENV = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
SIMULATORS = ("vvp", "tb_top")  # Icarus; the Verilator model is named after the top level


def _sim_children(pid: int) -> list[psutil.Process]:
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [k for k in kids if _name(k) in SIMULATORS]


def _name(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.Error:
        return ""


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _regress(tmp: Path, out: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HX_")}
    return subprocess.Popen([sys.executable, "-m", "hxtb.verif.regress", "--tier", "quick",
                             "--only", ONLY, "--seed", str(SEED), "--require", "0",
                             "--timeout", "300", "--no-progress", "--out", str(tmp / out),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)


@pytest.mark.sim
@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_regress_on_scheduler_survives_sigkilled_worker(tmp_path: Path) -> None:
    sfile = tmp_path / "scheduler.json"
    started: list[subprocess.Popen[str]] = []
    seen: dict[int, psutil.Process] = {}  # every process we started and their descendants

    def start(*args: str) -> subprocess.Popen[str]:
        p = subprocess.Popen([sys.executable, "-m", "dask", *args], env=DASK_ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        started.append(p)
        return p

    def note() -> None:
        for p in started:
            for q in [psutil.Process(p.pid)] if _alive_pid(p.pid) else []:
                seen[q.pid] = q
                for k in _kids(q):
                    seen[k.pid] = k

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(sfile))
        t0 = time.monotonic()
        while not sfile.exists() and time.monotonic() - t0 < 60:
            time.sleep(0.2)
        address = json.loads(sfile.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        workers = [start("worker", "--scheduler-file", str(sfile), "--nthreads", "1",
                         "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--name",
                         f"w{i}") for i in (1, 2)]
        run = _regress(tmp_path, "dist", "--scheduler", address)
        started.append(run)
        # SIGKILL worker 1 once it runs a simulator (mid-job)
        victim, killed_sims = workers[0], []
        t0 = time.monotonic()
        while run.poll() is None and time.monotonic() - t0 < 240:
            note()
            sims = _sim_children(victim.pid)
            if sims:
                time.sleep(0.5)
                killed_sims = _sim_children(victim.pid)
                victim.send_signal(signal.SIGKILL)
                victim.wait(10)
                break
            time.sleep(0.05)
        assert killed_sims, ("worker 1 never ran a simulator before the run ended: "
                             f"{run.communicate()[0][-3000:]}")
        while run.poll() is None and time.monotonic() - t0 < 300:
            note()
            time.sleep(0.2)
        log, _ = run.communicate(timeout=60)
        assert run.returncode == 0, log[-4000:]
        # the killed worker's simulator died with it (parent-death signal)
        deadline = time.monotonic() + 10
        while any(_alive(s) for s in killed_sims) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(s) for s in killed_sims), "orphaned simulator of the killed worker"

        dist = tmp_path / "dist"
        summary = json.loads((dist / "summary.json").read_text())
        assert [j["id"] for j in summary["jobs"]] == JOB_IDS  # exactly one result per job
        assert all(j["status"] == "PASS" for j in summary["jobs"]), summary["jobs"]
        assert sorted(p.name for p in (dist / "logs").iterdir()) == sorted(
            f"{j}.log" for j in JOB_IDS)
        assert sorted(p.name for p in (dist / "parts").iterdir()) == sorted(
            f"{j}.json" for j in JOB_IDS)
        assert log.count("[regress] PASS ") == len(JOB_IDS)

        # the same seed on the embedded cluster: identical merged outputs
        local = _regress(tmp_path, "local", "--workers", "2")
        started.append(local)
        llog, _ = local.communicate(timeout=300)
        assert local.returncode == 0, llog[-4000:]
        for f in ("coverage.json", "coverage.txt", "junit.xml"):
            assert (dist / f).read_text() == (tmp_path / "local" / f).read_text(), f
        for j in JOB_IDS:
            assert (dist / "parts" / f"{j}.json").read_text() == \
                (tmp_path / "local" / "parts" / f"{j}.json").read_text(), j
        cov = json.loads((dist / "coverage.json").read_text())
        n_bins = sum(len(b) for b in cov["items"].values())
        check_report(dist / "report.html", tmp_path, len(JOB_IDS), n_bins, None)
    finally:
        for p in reversed(started):
            if p.poll() is None:
                p.terminate()
        for p in started:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
    # nothing left running: no process we started, none of their descendants, no simulator
    # in a job directory
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in seen.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [f"{p.pid} {_name(p)}" for p in seen.values() if _alive(p)]
    assert not left, f"left running: {left}"
    jobs_root = build.build_root() / "jobs"
    for p in psutil.process_iter(["cwd", "name"]):
        cwd = p.info.get("cwd")
        assert not (cwd and Path(cwd).is_relative_to(jobs_root)), \
            f"left running in a job directory: {p.pid} {p.info.get('name')}"


def _alive_pid(pid: int) -> bool:
    try:
        return _alive(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


def _kids(p: psutil.Process) -> list[psutil.Process]:
    try:
        return p.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
