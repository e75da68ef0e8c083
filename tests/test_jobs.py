"""The job layer (hxsim.jobs) and what make regress / make mutate build on it: mapping with
results in order and failures reported once, cluster config files and dask-jobqueue's job
script, builds shared between workers (one build per key), time limits (HANG with its log, no
simulator left running), deterministic failures with seed and reproduce command, JUnit, and the
HTML summary opened in headless Chromium."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psutil
import pytest

from hxsim import jobs
from hxtb import build, testplan
from hxtb.verif import regress, report_html

CHROMIUM_INSTALL = "apt-get install -y chromium  (Debian; as root, or with sudo)"


# ---------------------------------------------------------------- map_jobs
def _square(x: int) -> int:
    if x == 3:
        raise ValueError(f"item {x} fails deterministically")
    return x * x


CLUSTER_LOG: list[str] = []


@pytest.fixture(scope="module")
def client() -> Any:
    with jobs.open_cluster(jobs.ClusterSpec(workers=2), log=CLUSTER_LOG.append) as c:
        yield c


def test_embedded_cluster_workers_and_dashboard_line(client: Any) -> None:
    info = client.scheduler_info()
    assert len(info["workers"]) == 2
    assert all(w["nthreads"] == 1 for w in info["workers"].values())
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    if jobs.have_dashboard():
        assert any(line.startswith("[jobs] Dask dashboard: http://127.0.0.1:")
                   for line in CLUSTER_LOG), CLUSTER_LOG
    else:  # bokeh missing: one line says so, the run goes on
        assert CLUSTER_LOG == ["[jobs] Dask dashboard: not available (bokeh is not installed: "
                               "pip install 'bokeh>=3.1')"]


def test_map_jobs_in_order_failure_once(client: Any) -> None:
    seen: list[str] = []

    def note(r: jobs.JobResult, _bar: Any) -> None:
        seen.append(r.key)

    res = jobs.map_jobs(client, _square, list(range(6)), [f"i{i}" for i in range(6)],
                        label="t", progress=False, on_result=note)
    assert [r.key for r in res] == [f"i{i}" for i in range(6)]
    assert [r.value for r in res if r.status == "ok"] == [0, 1, 4, 16, 25]
    bad = [r for r in res if r.status != "ok"]
    assert len(bad) == 1 and bad[0].key == "i3" and bad[0].status == "error"
    assert "item 3 fails deterministically" in bad[0].error
    assert sorted(seen) == sorted(r.key for r in res)  # each reported exactly once


def test_map_jobs_rejects_duplicate_keys(client: Any) -> None:
    with pytest.raises(ValueError, match="keys must be unique"):
        jobs.map_jobs(client, _square, [1, 2], ["a", "a"], progress=False)


def test_cluster_spec_errors() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        jobs.ClusterSpec(scheduler="tcp://127.0.0.1:1", cluster="slurm", config=Path("x"))
    with pytest.raises(ValueError, match="needs --cluster-config"):
        jobs.ClusterSpec(cluster="slurm")
    with pytest.raises(ValueError, match="--cluster 'sge'"):
        jobs.ClusterSpec(cluster="sge", config=Path("x"))
    with pytest.raises(ValueError, match="--workers 0"):
        jobs.ClusterSpec(workers=0)


# ---------------------------------------------------------------- cluster config files
SLURM_TOML = """
[cluster]
kind = "slurm"
jobs = 3
queue = "sim"
account = "hx-verif"
cores = 8
memory = "16GB"
walltime = "02:00:00"
job_script_prologue = ["source /opt/hxsim/.venv/bin/activate"]
job_extra_directives = ["--constraint=avx2"]
env = { HX_BUILD_ROOT = "/tmp/hx-build" }
"""


def test_cluster_config_toml_slurm_job_script(tmp_path: Path) -> None:
    f = tmp_path / "slurm.toml"
    f.write_text(SLURM_TOML)
    cfg = jobs.load_cluster_config(f, "slurm")
    assert cfg["jobs"] == 3 and cfg["kind"] == "slurm"
    with jobs.jobqueue_cluster(cfg, start=False) as cluster:
        script = cluster.job_script()
    assert "#SBATCH -p sim" in script
    assert "#SBATCH -A hx-verif" in script
    assert "#SBATCH -t 02:00:00" in script
    assert "#SBATCH --constraint=avx2" in script
    assert "export HX_BUILD_ROOT=/tmp/hx-build" in script
    assert "source /opt/hxsim/.venv/bin/activate" in script
    # one single-threaded worker process per core
    assert "--nworkers 8" in script and "--nthreads 1" in script
    assert script.index("export HX_BUILD_ROOT") < script.index("distributed.cli.dask_worker")


@pytest.mark.parametrize("kind,marker", [("pbs", "#PBS -q sim"), ("lsf", "#BSUB -q sim")])
def test_cluster_config_yaml_pbs_lsf(tmp_path: Path, kind: str, marker: str) -> None:
    f = tmp_path / f"{kind}.yaml"
    f.write_text(f"cluster:\n  kind: {kind}\n  queue: sim\n  cores: 4\n  memory: 8GB\n"
                 f"  walltime: '01:00'\n")
    cfg = jobs.load_cluster_config(f)
    with jobs.jobqueue_cluster(cfg, start=False) as cluster:
        assert marker in cluster.job_script()


@pytest.mark.parametrize("text,suffix,message", [
    ('[cluster]\nkind = "slurm"\ncores = 4\nmemory = "1GB"\nqeue = "x"\n', ".toml",
     r"unknown field\(s\) cluster.qeue for slurm \(known: .*queue"),
    ('[cluster]\nkind = "slurm"\ncores = "4"\nmemory = "1GB"\n', ".toml",
     r"cluster.cores = '4': expected int"),
    ('[cluster]\nkind = "slurm"\ncores = true\nmemory = "1GB"\n', ".toml",
     r"cluster.cores = True: expected int"),
    ('[cluster]\nkind = "pbs"\ncores = 4\nmemory = "1GB"\n', ".toml",
     r"cluster.kind 'pbs' differs from --cluster slurm"),
    ('[cluster]\nkind = "slurm"\nmemory = "1GB"\n', ".toml", r"cluster.cores and cluster.memory"),
    ('[cluster]\nkind = "slurm"\ncores = 0\nmemory = "1GB"\n', ".toml", r"cluster.cores = 0"),
    ('[cluster]\nkind = "slurm"\ncores = 2\nmemory = "1GB"\njob_script_prologue = [1]\n',
     ".toml", r"job_script_prologue = \[1\]: expected a list of strings"),
    ('cores = 4\n', ".toml", r"expected exactly one table 'cluster'"),
    ('[cluster\n', ".toml", r"slurm.toml: "),
    ('cluster: [1, 2\n', ".yaml", r"YAMLError|ParserError"),
    ('[cluster]\n', ".ini", r"suffix '.ini': use .toml, .yml or .yaml"),
])
def test_cluster_config_errors(tmp_path: Path, text: str, suffix: str, message: str) -> None:
    f = tmp_path / f"slurm{suffix}"
    f.write_text(text)
    with pytest.raises(jobs.ClusterConfigError, match=message):
        jobs.load_cluster_config(f, "slurm")


def test_cluster_config_missing_file_cli_exit_2(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "hxtb.verif.regress", "--cluster", "slurm",
                        "--cluster-config", str(tmp_path / "nope.toml")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.toml" in lines[0] and "No such file" in lines[0]
    p = subprocess.run([sys.executable, "-m", "hxtb.verif.regress", "--only", "nosuchjob"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "--only: nosuchjob not a run name or job id" in p.stderr


# ---------------------------------------------------------------- builds: once per key
def _racer(bdir: str, key: str, out: str, go: Any) -> None:
    go.wait()

    def compile_it(dry: bool) -> None:
        if not dry:
            with Path(out).open("a") as fh:
                fh.write(f"{os.getpid()}\n")
            time.sleep(1.0)  # a slow build: the other racer must wait for it, not build too

    build.build_once(Path(bdir), key, compile_it)


def test_build_once_two_processes_race(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    out = tmp_path / "builds.txt"
    ps = [ctx.Process(target=_racer, args=(str(tmp_path / "b"), "k1", str(out), go))
          for _ in range(2)]
    for p in ps:
        p.start()
    go.set()
    for p in ps:
        p.join(60)
        assert p.exitcode == 0
    assert len(out.read_text().split()) == 1
    assert (tmp_path / "b" / build.KEY_FILE).read_text().strip() == "k1"
    assert len((tmp_path / "b" / build.BUILDS_LOG).read_text().splitlines()) == 1
    # another key builds again; a failed build leaves no key (the next caller rebuilds)
    _racer(str(tmp_path / "b"), "k2", str(out), _Set())
    assert len(out.read_text().split()) == 2

    def broken(dry: bool) -> None:
        raise RuntimeError("compiler failed")

    with pytest.raises(RuntimeError):
        build.build_once(tmp_path / "b", "k3", broken)
    assert not (tmp_path / "b" / build.KEY_FILE).exists()


class _Set:
    def wait(self) -> None:
        pass


def _build_icarus(root: str) -> str:
    os.environ[build.BUILD_ROOT_ENV] = root
    try:
        return str(build.build("icarus")[1])
    finally:
        del os.environ[build.BUILD_ROOT_ENV]


@pytest.mark.sim
@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_two_workers_race_for_one_build_key(client: Any, tmp_path: Path) -> None:
    """Two dask workers ask for the same Icarus build at once: it is built once."""
    futs = [client.submit(_build_icarus, str(tmp_path), pure=False, key=f"race-{i}")
            for i in range(2)]
    dirs = client.gather(futs)
    assert dirs[0] == dirs[1]
    assert len(set(client.run(os.getpid).values())) == 2
    log = (Path(dirs[0]) / build.BUILDS_LOG).read_text().splitlines()
    assert len(log) == 1, log
    # a changed source is another key: built again
    assert build.build_dir("icarus") != Path(dirs[0])


# ---------------------------------------------------------------- jobs: hang, failure
def _plan_job(tier: str, job_id: str) -> testplan.Job:
    return next(j for j in testplan.load().jobs(tier) if j.id == job_id)


def _descendants_cwd_under(root: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cwd"]):
        cwd = p.info.get("cwd")
        if cwd and Path(cwd).is_relative_to(root):
            found.append(p)
    return found


@pytest.mark.sim
@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_job_past_time_limit_is_a_hang_with_log(tmp_path: Path) -> None:
    j = _plan_job("quick", "errors-icarus")
    spec = regress.JobSpec(j.id, j.sim, j.tests, j.modules, j.cfg, 11, timeout=3.0,
                           scratch=tmp_path)
    t0 = time.monotonic()
    out = regress.run_job(spec)
    assert out.status == "HANG", out
    assert "exceeded the time limit of 3 s" in out.detail
    assert "cocotb" in out.log.lower()  # the log up to the kill
    assert time.monotonic() - t0 < 60
    assert not _descendants_cwd_under(tmp_path)  # the simulator was killed
    assert list(tmp_path.iterdir()) == []  # the job's directory is gone
    rec, _ = regress.record_of(spec, jobs.JobResult(j.id, "ok", out, seconds=out.seconds))
    xml = regress.junit_xml([rec], "regress")
    assert xml.count("<error") == len(j.tests) and "HANG" in xml


@pytest.mark.sim
@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_deterministic_failure_reported_with_seed_and_command(tmp_path: Path) -> None:
    """RTL with a register bug (a copy of rtl/ with a mutation) fails the register tests: the
    job is FAIL with the failing test, its reason, its seed and the make sim line."""
    from hxtb.verif.mutations import MUTATIONS, apply

    m = next(m for m in MUTATIONS if m.name == "axi_event_wait_zero_ok")
    rtl = tmp_path / "rtl"
    shutil.copytree(build.ROOT / "rtl", rtl)
    (rtl / m.file).write_text(apply((rtl / m.file).read_text(), m))
    j = _plan_job("quick", "regs-icarus")
    spec = regress.JobSpec(j.id, j.sim, j.tests, j.modules, j.cfg, 1234, timeout=300,
                           rtl=rtl, scratch=tmp_path / "jobs")
    out = regress.run_job(spec)
    assert out.status == "FAIL" and out.failed, out
    rec, _ = regress.record_of(spec, jobs.JobResult(j.id, "ok", out, seconds=out.seconds))
    t = out.failed[0]
    assert rec.failed_reproduce[t] == f"make sim TEST='{t}' SIM=icarus SEED=1234"
    line = regress.status_line(rec, "regress")
    assert "FAIL" in line and "seed 1234" in line and rec.failed_reproduce[t] in line
    assert f'name="{t}"' in regress.junit_xml([rec], "regress")
    shutil.rmtree(build.build_dir("icarus", rtl=rtl), ignore_errors=True)


# ---------------------------------------------------------------- the HTML summary
class _Dom(HTMLParser):
    """Tables (id -> rows of cell texts) and hrefs of a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.hrefs: list[str] = []
        self._t: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._t = a.get("id") or f"t{len(self.tables)}"
            self.tables[self._t] = []
        elif tag == "tr" and self._t is not None:
            self.tables[self._t].append([])
        elif tag in ("td", "th") and self._t is not None:
            self._cell = []
        elif tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._t is not None and self._cell is not None:
            self.tables[self._t][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._t = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.fail(f"headless Chromium is needed to check the HTML summary and is not installed: "
                f"{CHROMIUM_INSTALL}")


def rendered_dom(page: Path, tmp: Path) -> _Dom:
    """The page as headless Chromium renders it (its DOM after parsing), parsed."""
    p = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'chromium-profile'}",
                        "--dump-dom", page.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    dom = _Dom()
    dom.feed(p.stdout)
    return dom


def check_report(page: Path, tmp: Path, n_jobs: int, n_bins: int | None,
                 n_mutants: int | None) -> _Dom:
    """Chromium renders every table with its rows, and every link resolves to a file."""
    dom = rendered_dom(page, tmp)
    assert len(dom.tables["jobs"]) == n_jobs + 1  # header row
    assert dom.tables["jobs"][0][:4] == ["job", "simulator", "status", "seconds"]
    if n_bins is not None:
        assert len(dom.tables["coverage"]) == n_bins + 1
    if n_mutants is not None:
        assert len(dom.tables["mutations"]) == n_mutants + 1
    assert len(dom.hrefs) == n_jobs
    for h in dom.hrefs:
        assert not re.match(r"^[a-z]+:", h), h  # relative links only: self-contained
        assert (page.parent / h).is_file(), f"{page}: link {h} does not resolve"
    return dom


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    recs = []
    for i, (status, sim) in enumerate([("PASS", "verilator"), ("FAIL", "icarus"),
                                       ("HANG", "icarus")]):
        jid = f"job{i}-<{sim}>"
        (tmp_path / "logs" / f"{jid}.log").write_text(f"log of {jid}\n")
        recs.append({"id": jid, "sim": sim, "status": status, "seconds": 1.5 * i, "seed": 7,
                     "host": "h", "reproduce": f"make sim TEST='a|b' SIM={sim} SEED=7",
                     "log": f"logs/{jid}.log", "detail": "" if status == "PASS" else "x & y",
                     "failed": [], "failed_reproduce": {}})
    summary = {"seed": 7, "where": "test", "wall_seconds": 3.0, "require": 100, "jobs": recs}
    coverage = {"percent": 50.0, "bins_hit": 2, "bins_total": 4,
                "items": {"hx.a": {"x": 1, "y": 0}, "hx.b": {"p": 0, "q": 3}}}
    mutation = {"score": 50.0, "caught": 1, "valid": 2, "rows": [
        {"name": "m1", "file": "f.sv", "what": "w", "result": "CAUGHT", "by": "t"},
        {"name": "m2", "file": "f.sv", "what": "w <b>", "result": "SURVIVED", "by": ""}]}
    page = report_html.write(tmp_path / "report.html", "make regress", summary, coverage,
                             mutation)
    dom = check_report(page, tmp_path, 3, 4, 2)
    assert [r[2] for r in dom.tables["jobs"][1:]] == ["PASS", "FAIL", "HANG"]
    assert dom.tables["jobs"][2][7] == "x & y"  # escaped, rendered as text
    assert ["hx.b", "q", "3"] in dom.tables["coverage"]
    assert dom.tables["mutations"][2][2] == "w <b>"
    # a link to a missing log is caught
    (tmp_path / "logs" / "job0-<verilator>.log").unlink()
    with pytest.raises(AssertionError, match="does not resolve"):
        check_report(page, tmp_path, 3, 4, 2)


def test_summary_json_is_what_the_report_shows(tmp_path: Path) -> None:
    rec = regress.Record("a", "icarus", "PASS", 3, "make sim TEST='t' SIM=icarus SEED=3", 1.0,
                         ["t"], passed=["t"], log="logs/a.log")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("x")
    s = {"seed": 3, "jobs": [rec.__dict__]}
    text = report_html.render("t", json.loads(json.dumps(s)), None, None)
    assert "make sim TEST=&#x27;t&#x27; SIM=icarus SEED=3" in text


# ---------------------------------------------------------------- the serial path, job values
def test_in_process_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """--workers 1 runs here; --scheduler/--cluster never; without options: a command that runs
    here by default (auto_min None) does, one with auto_min runs here below it or on one core."""
    monkeypatch.setattr(jobs, "local_workers", lambda: 2)
    assert jobs.ClusterSpec(workers=1).in_process(100, auto_min=2)
    assert not jobs.ClusterSpec(workers=2).in_process(1)
    assert not jobs.ClusterSpec(scheduler="tcp://127.0.0.1:1").in_process(1)
    assert not jobs.ClusterSpec(cluster="slurm", config=Path("x")).in_process(1)
    assert jobs.ClusterSpec().in_process(100)
    assert jobs.ClusterSpec().in_process(1, auto_min=2)
    assert not jobs.ClusterSpec().in_process(2, auto_min=2)
    monkeypatch.setattr(jobs, "local_workers", lambda: 1)
    assert jobs.ClusterSpec().in_process(2, auto_min=2)


def test_values_names_the_failed_job(client: Any) -> None:
    res = jobs.map_jobs(client, _square, [1, 2], ["a", "b"], progress=False)
    assert jobs.values(res) == [1, 4]
    res = jobs.map_jobs(client, _square, [2, 3], ["a", "b"], progress=False)
    with pytest.raises(jobs.JobFailed, match=r"job b: error: ValueError: item 3 fails"):
        jobs.values(res)


# ---------------------------------------------------------------- option checks (fixb)
@pytest.mark.parametrize("addr", ["nonsense", "tcp://host", "tcp://h:0", "tcp://h:70000",
                                  "http://h:1", "h:p"])
def test_bad_scheduler_address_is_one_line_exit_2(addr: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from hxtb.verif import regress

    with pytest.raises(SystemExit) as e:
        regress.main(["--scheduler", addr, "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--scheduler" in err and "tcp://HOST:PORT" in err and "\n" not in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match="tcp://HOST:PORT"):
        jobs.ClusterSpec(scheduler=addr)


@pytest.mark.parametrize("addr", ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://h.x:1",
                                  "tcp://[::1]:8786"])
def test_good_scheduler_addresses(addr: str) -> None:
    assert jobs.scheduler_address(addr) == addr


def test_refused_scheduler_fails_fast() -> None:
    t0 = time.monotonic()
    with pytest.raises(OSError, match=r"--scheduler tcp://127.0.0.1:1: cannot connect"), \
            jobs.open_cluster(jobs.ClusterSpec(scheduler="tcp://127.0.0.1:1")):
        pass
    assert time.monotonic() - t0 < jobs.CONNECT_TIMEOUT_S


@pytest.mark.parametrize("where", [["--scheduler", "tcp://127.0.0.1:8786"],
                                   ["--cluster", "slurm", "--cluster-config", "c.toml"]])
def test_workers_with_scheduler_or_cluster_refused(where: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from hxtb.verif import regress

    assert regress.main([*where, "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers 2" in err and err.count("\n") == 1


@pytest.mark.parametrize("seed", ["-1", "1.5", "x"])
def test_regress_refuses_bad_seed(seed: str, capsys: pytest.CaptureFixture[str]) -> None:
    from hxtb.verif import regress

    with pytest.raises(SystemExit) as e:
        regress.parser().parse_args(["--seed", seed])
    assert e.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_sigint_handler_kept_by_imports_and_lazy_jobqueue() -> None:
    import signal

    code = """
import signal, sys
def h(*_): pass
signal.signal(signal.SIGINT, h)
import hxsim.jobs as jobs
import hxtb.verif.regress as r
r.parser().parse_args(["--workers", "2"])
assert "dask_jobqueue" not in sys.modules, "imported eagerly"
assert signal.getsignal(signal.SIGINT) is h
jobs.import_jobqueue()
assert "dask_jobqueue" in sys.modules
assert signal.getsignal(signal.SIGINT) is h, signal.getsignal(signal.SIGINT)
print("ok")
"""
    before = signal.getsignal(signal.SIGINT)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(jobs.__file__).parents[1])})
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr
    assert signal.getsignal(signal.SIGINT) is before


def test_jobs_alias_and_workers_must_agree() -> None:
    """The hidden old --jobs N stands for --workers N; both given with other values is refused."""
    import argparse

    ap = argparse.ArgumentParser(parents=[jobs.cluster_options(jobs_alias=True)])
    with pytest.raises(ValueError, match="--jobs 3 and --workers 2 disagree"):
        jobs.ClusterSpec.from_args(ap.parse_args(["--jobs", "3", "--workers", "2"]))
    assert jobs.ClusterSpec.from_args(ap.parse_args(["--jobs", "3"])).workers == 3
    assert jobs.ClusterSpec.from_args(ap.parse_args(["--jobs", "2", "--workers", "2"])).workers == 2


def test_regress_sigterm_ends_cleanly(tmp_path: Path) -> None:
    """SIGTERM during a regression ends it like Ctrl-C: exit 143 with one line, the embedded
    Dask cluster closed (no leaked-semaphore warning from a worker killed without cleanup), no
    job process left behind."""
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(Path(jobs.__file__).parents[1])}
    tag = f"sigterm-{os.getpid()}"  # the output directory's name
    proc = subprocess.Popen(
        [sys.executable, "-m", "hxtb.verif.regress", "--tier", "quick", "--only", "regs",
         "--sims", "verilator", "--workers", "1", "--no-progress", "--out",
         str(tmp_path / tag)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # the jobs are on the cluster once their reproduce lines are out
        if "[regress]" in line and "reproduce" not in line and "seed" in line:
            break
        assert time.monotonic() < deadline, "regress did not start"
    time.sleep(2.0)
    family = _descendants(proc.pid)  # the Dask worker (and its simulator, if started by now)
    assert family, "regress started no worker process: nothing would be checked"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, (proc.returncode, err[-2000:])
    assert "terminated" in err and "Traceback" not in err, err[-2000:]
    assert "leaked" not in err, err[-2000:]
    deadline = time.monotonic() + 10
    while (alive := [p for p in family if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive, f"processes left: {alive}"


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc's children lists)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - out)
            out |= kids
    return out


def _running(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
