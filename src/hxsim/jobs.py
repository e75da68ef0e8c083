"""The job layer: long, embarrassingly parallel work (``make regress``, ``make mutate``, sweeps,
network inference through the RTL) mapped over work items on ``dask.distributed``.

    with jobs.open_cluster(jobs.ClusterSpec.from_args(args)) as client:
        results = jobs.map_jobs(client, run_one, items, keys=[...], label="regress")

Where the work runs (``cluster_options()`` adds the options to a command):

* default: an embedded ``LocalCluster`` on this machine, one worker process per core
  (``--workers N`` to change it), one thread each, scheduler and dashboard on 127.0.0.1;
  nothing to start by hand.
* ``--scheduler ADDRESS``: a running Dask scheduler (``dask scheduler`` / ``dask worker``, or
  any deployment); the workers need this package installed (the same checkout on a shared file
  system, or the same version).
* ``--cluster slurm|pbs|lsf --cluster-config FILE``: workers started as batch jobs through
  dask-jobqueue; the file (TOML or YAML) is described in docs/regress.md and checked by
  ``load_cluster_config`` (unknown fields, wrong types and a kind that differs from
  ``--cluster`` are one-line errors naming the file and the field).

``map_jobs`` submits one task per item, shows one progress bar over them (hxsim.progress) and
returns one ``JobResult`` per item in the items' order. A worker that dies (SIGKILL, a lost
node) loses no result: the scheduler reruns its tasks on the other workers (up to
``distributed.scheduler.allowed-failures`` times per task; after that the item is reported as
``lost``). Task functions must therefore be idempotent: write only to a fresh directory of
their own and hand their outputs back in the return value, which the caller writes atomically
(``hxsim.outputs``). An exception raised by the function is reported once (status ``error``,
with the traceback's last line), never retried: a deterministic failure fails the same way
again. Time limits are the function's business (it knows which subprocess to kill); a function
signals a hang by its return value.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import re
import signal
import socket
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hxsim.progress import bar, write

#: batch systems of ``--cluster`` and their dask-jobqueue classes
CLUSTER_KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "lsf": "LSFCluster"}

#: fields of a cluster config file: every kind's, then each kind's own (dask-jobqueue's
#: keyword arguments of the same name; docs/regress.md), with their types
_COMMON_FIELDS: dict[str, type | tuple[type, ...]] = {
    "kind": str, "jobs": int, "cores": int, "processes": int, "memory": str, "walltime": str,
    "queue": str, "name": str, "interface": str, "local_directory": str, "log_directory": str,
    "python": str, "shebang": str, "death_timeout": (int, float),
    "job_script_prologue": list, "job_extra_directives": list, "job_directives_skip": list,
    "worker_extra_args": list, "env": dict,
}
_KIND_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "slurm": {"account": str, "job_cpu": int, "job_mem": str},
    "pbs": {"account": str, "resource_spec": str},
    "lsf": {"project": str, "ncpus": int, "mem": int, "use_stdin": bool, "lsf_units": str},
}

Status = Literal["ok", "error", "lost"]


#: ``--scheduler`` addresses: ``[PROTOCOL://]HOST:PORT`` (HOST a name, an IPv4 address or a
#: bracketed IPv6 address), as ``distributed.Client`` takes them
SCHEDULER_FORM = "tcp://HOST:PORT"
_SCHEDULER_RE = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
#: seconds a connection to ``--scheduler`` may take (a refused connection fails at once: the
#: port is probed before ``distributed`` connects, which would retry a refusal until its
#: timeout); a scheduler that answers but is slow gets the same again for the Dask handshake
CONNECT_TIMEOUT_S = 8


def scheduler_address(text: str) -> str:
    """A ``--scheduler`` address (``[tcp|tls|ws|wss|ucx://]HOST:PORT``, port 1..65535), as given;
    ``ValueError`` naming ``--scheduler`` and the expected form otherwise."""
    m = _SCHEDULER_RE.match(text)
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise ValueError(f"--scheduler {text!r}: expected an address {SCHEDULER_FORM} "
                         "(e.g. tcp://10.0.0.5:8786; port 1..65535)")
    return text


def _scheduler_arg(text: str) -> str:
    try:
        return scheduler_address(text)
    except ValueError as exc:  # argparse's message names the option already
        raise argparse.ArgumentTypeError(f"{text!r}: {str(exc).split(': ', 1)[1]}") from None


def probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Open and close a TCP connection to the scheduler's port: ``OSError`` naming
    ``--scheduler`` at once when it is refused, after ``timeout`` s when nothing answers."""
    m = _SCHEDULER_RE.match(address)
    assert m is not None, address
    host, port = m.group(2).strip("[]"), int(m.group(3))
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except TimeoutError:
        raise OSError(f"--scheduler {address}: cannot connect (no answer within {timeout} s)"
                      ) from None
    except OSError as exc:
        raise OSError(f"--scheduler {address}: cannot connect "
                      f"({exc.strerror or exc})") from None


def import_jobqueue() -> Any:
    """``dask_jobqueue``, imported on first use only (``--cluster``): its import installs a
    SIGINT handler (``sys.exit()`` in dask_jobqueue.runner) that would replace ours, so the
    handler in place before the import is put back."""
    before = signal.getsignal(signal.SIGINT)
    try:
        import dask_jobqueue
    finally:
        if before is not None:
            signal.signal(signal.SIGINT, before)
    return dask_jobqueue


class ClusterConfigError(ValueError):
    """A cluster config file that is missing, unreadable or malformed (exit code 2)."""


@dataclass(frozen=True)
class ClusterSpec:
    """Where the jobs run: ``scheduler`` (an address), ``cluster`` (a batch system with its
    ``config`` file) or neither (an embedded LocalCluster of ``workers`` processes, default one
    per core)."""

    scheduler: str | None = None
    cluster: str | None = None
    config: Path | None = None
    workers: int | None = None
    dashboard: bool = True

    def __post_init__(self) -> None:
        if self.scheduler and self.cluster:
            raise ValueError("--scheduler and --cluster exclude each other")
        if self.scheduler:
            scheduler_address(self.scheduler)
        if self.workers is not None and (self.scheduler or self.cluster):
            raise ValueError(f"--workers {self.workers} applies to the embedded cluster only: "
                             f"not with --{'scheduler' if self.scheduler else 'cluster'} "
                             "(its workers are started there)")
        if self.cluster is not None and self.cluster not in CLUSTER_KINDS:
            raise ValueError(f"--cluster {self.cluster!r}: one of {', '.join(CLUSTER_KINDS)}")
        if self.cluster is not None and self.config is None:
            raise ValueError(f"--cluster {self.cluster} needs --cluster-config FILE "
                             "(docs/regress.md)")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"--workers {self.workers}: expected a positive integer")

    @classmethod
    def from_args(cls, a: argparse.Namespace) -> ClusterSpec:
        """The spec of the options added by ``cluster_options`` (ValueError if inconsistent);
        the hidden old ``--jobs N`` (``cluster_options(jobs_alias=True)``) stands for
        ``--workers N`` when ``--workers`` is not given."""
        alias = getattr(a, "jobs", None)
        if alias is not None and a.workers is not None and alias != a.workers:
            raise ValueError(f"--jobs {alias} and --workers {a.workers} disagree (--jobs is the "
                             "old name of --workers: give one)")
        workers = a.workers if a.workers is not None else alias
        return cls(scheduler=a.scheduler or None, cluster=a.cluster, config=a.cluster_config,
                   workers=workers)

    def in_process(self, n_items: int, auto_min: int | None = None) -> bool:
        """Whether ``n_items`` items run one after another in this process instead of on a
        cluster (the fast serial path: no scheduler, no worker processes to start): with
        ``--workers 1``, or with none of ``--workers/--scheduler/--cluster`` given when
        ``auto_min`` is None (the command runs in this process by default) or the items are
        fewer than ``auto_min`` or this process may use one core only. ``--scheduler`` and
        ``--cluster`` always use the cluster."""
        if self.scheduler or self.cluster:
            return False
        if self.workers is not None:
            return self.workers == 1
        return auto_min is None or n_items < auto_min or local_workers() < 2

    def describe(self) -> str:
        if self.scheduler:
            return f"Dask scheduler {self.scheduler}"
        if self.cluster:
            return f"{self.cluster} batch jobs ({self.config})"
        return f"embedded LocalCluster, {self.workers or local_workers()} worker processes"


def local_workers() -> int:
    """Worker processes of the embedded cluster: the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def cluster_options(workers_default: str = "one per core",
                    jobs_alias: bool = False) -> argparse.ArgumentParser:
    """The argparse parent with ``--scheduler``, ``--cluster``, ``--cluster-config`` and
    ``--workers``; ``jobs_alias``: also the hidden old ``--jobs N`` (read as ``--workers N`` by
    ``ClusterSpec.from_args``)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("where the jobs run (dask.distributed; docs/regress.md)")
    g.add_argument("--scheduler", type=_scheduler_arg, default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(default: an embedded LocalCluster on this machine)")
    g.add_argument("--cluster", choices=tuple(CLUSTER_KINDS), default=None,
                   help="start the workers as batch jobs through dask-jobqueue (default: off)")
    g.add_argument("--cluster-config", type=Path, default=None, metavar="FILE",
                   help="the batch jobs' settings for --cluster, TOML or YAML "
                        "(docs/regress.md; default: none)")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help=f"worker processes of the embedded cluster (default: {workers_default})")
    if jobs_alias:
        g.add_argument("--jobs", type=int, default=None, help=argparse.SUPPRESS)
    return p


# ---------------------------------------------------------------- cluster config files
def load_cluster_config(path: Path, kind: str | None = None) -> dict[str, Any]:
    """The checked settings of a cluster config file (TOML ``.toml`` or YAML ``.yml``/
    ``.yaml``): its ``[cluster]`` table (TOML) or ``cluster:`` mapping (YAML). ``kind`` (from
    ``--cluster``) must equal the file's ``kind`` when both are given; the result has ``kind``
    and ``jobs`` (batch jobs to start, default 1) and the keyword arguments of dask-jobqueue's
    cluster class. Raises ``ClusterConfigError`` naming the file and field."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ClusterConfigError(f"--cluster-config {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yml", ".yaml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise ClusterConfigError(f"--cluster-config {path}: suffix {suffix or '(none)'!r}: "
                                     "use .toml, .yml or .yaml")
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        if isinstance(exc, ClusterConfigError):
            raise
        raise ClusterConfigError(f"--cluster-config {path}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError (pyyaml comes with dask)
        raise ClusterConfigError(f"--cluster-config {path}: {type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or set(data) != {"cluster"} or not isinstance(
            data["cluster"], dict):
        raise ClusterConfigError(f"--cluster-config {path}: expected exactly one table "
                                 "'cluster' ([cluster] in TOML, cluster: in YAML)")
    cfg = dict(data["cluster"])
    file_kind = cfg.get("kind", kind)
    if file_kind not in CLUSTER_KINDS:
        raise ClusterConfigError(f"{path}: cluster.kind {file_kind!r}: one of "
                                 f"{', '.join(CLUSTER_KINDS)}")
    if kind is not None and file_kind != kind:
        raise ClusterConfigError(f"{path}: cluster.kind {file_kind!r} differs from --cluster "
                                 f"{kind}")
    allowed = {**_COMMON_FIELDS, **_KIND_FIELDS[file_kind]}
    unknown = sorted(set(cfg) - set(allowed))
    if unknown:
        raise ClusterConfigError(f"{path}: unknown field(s) cluster.{', cluster.'.join(unknown)}"
                                 f" for {file_kind} (known: {', '.join(sorted(allowed))})")
    for k, v in cfg.items():
        want = allowed[k]
        ok = isinstance(v, want) and not (isinstance(v, bool) and want is not bool)
        if ok and isinstance(v, list):
            ok = all(isinstance(s, str) for s in v)
        if ok and isinstance(v, dict):
            ok = all(isinstance(a, str) and isinstance(b, str | int | float)
                     for a, b in v.items())
        if not ok:
            names = " or ".join(t.__name__ for t in (want if isinstance(want, tuple) else
                                                     (want,)))
            raise ClusterConfigError(f"{path}: cluster.{k} = {v!r}: expected "
                                     f"{'a list of strings' if want is list else names}")
    for k in ("jobs", "cores", "processes", "job_cpu", "ncpus"):
        if k in cfg and cfg[k] < 1:
            raise ClusterConfigError(f"{path}: cluster.{k} = {cfg[k]}: expected >= 1")
    if "cores" not in cfg or "memory" not in cfg:
        raise ClusterConfigError(f"{path}: cluster.cores and cluster.memory are required "
                                 "(per batch job)")
    cfg["kind"] = file_kind
    cfg.setdefault("jobs", 1)
    return cfg


def jobqueue_cluster(cfg: dict[str, Any], start: bool = True) -> Any:
    """dask-jobqueue's cluster for the checked ``cfg`` (``load_cluster_config``): its scheduler
    runs in this process; no job is submitted until ``.scale(jobs=...)``. ``env`` becomes
    ``export`` lines before the worker starts (with ``job_script_prologue``)."""
    dask_jobqueue = import_jobqueue()
    kw = {k: v for k, v in cfg.items() if k not in ("kind", "jobs", "env")}
    env = cfg.get("env", {})
    if env:
        kw["job_script_prologue"] = [*(f"export {k}={v}" for k, v in env.items()),
                                     *kw.get("job_script_prologue", [])]
    kw.setdefault("processes", kw["cores"])  # one single-threaded worker per core
    cls = getattr(dask_jobqueue, CLUSTER_KINDS[cfg["kind"]])
    # start=False (job_script() only, as in the tests): scheduler and dashboard on loopback
    return cls(**kw, scheduler_options={} if start else {
        "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"})


# ---------------------------------------------------------------- clusters
def have_dashboard() -> bool:
    """Whether the Dask dashboard can be served (it needs bokeh)."""
    return importlib.util.find_spec("bokeh") is not None


@contextlib.contextmanager
def open_cluster(spec: ClusterSpec, log: Callable[[str], None] = write) -> Iterator[Any]:
    """A ``distributed.Client`` on the cluster of ``spec``; the cluster (embedded or batch
    jobs) is shut down at the end. Prints the dashboard's address, or one line saying why
    there is none. ``ClusterConfigError`` / ``OSError`` (cannot connect) on bad settings."""
    import dask
    from distributed import Client, LocalCluster

    dash = spec.dashboard and have_dashboard()
    with contextlib.ExitStack() as stack:
        # A worker holds one job at a time (the default 1.1 queues two on a one-thread worker
        # at once: with a few long jobs one worker would get two while another idles). Applies
        # to the schedulers started here; a running one takes it from its own configuration
        # (DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0, docs/regress.md).
        stack.enter_context(dask.config.set({"distributed.scheduler.worker-saturation": 1.0}))
        if spec.scheduler:
            try:
                probe_scheduler(spec.scheduler)
                client = Client(spec.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
            except OSError as exc:
                raise OSError(f"--scheduler {spec.scheduler}: cannot connect ({exc})") from None
        elif spec.cluster:
            assert spec.config is not None
            cfg = load_cluster_config(spec.config, spec.cluster)
            cluster = stack.enter_context(jobqueue_cluster(cfg))
            cluster.scale(jobs=cfg["jobs"])
            client = Client(cluster)
            log(f"[jobs] {cfg['jobs']} {spec.cluster} job(s) submitted; workers join as the "
                "jobs start")
        else:
            n = spec.workers or local_workers()
            cluster = stack.enter_context(LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # also without bokeh: an HTTP server on loopback
                silence_logs=logging.ERROR))
            client = Client(cluster)
        stack.enter_context(client)
        if dash and client.dashboard_link:
            log(f"[jobs] Dask dashboard: {client.dashboard_link}")
        elif not have_dashboard():
            log("[jobs] Dask dashboard: not available (bokeh is not installed: "
                "pip install 'bokeh>=3.1')")
        yield client


# ---------------------------------------------------------------- mapping
@dataclass
class JobResult:
    """The outcome of one item: ``status`` ok (``value`` is the function's return value),
    error (the function raised: ``error`` is its last traceback line, ``traceback`` the rest)
    or lost (its worker died ``allowed-failures`` times)."""

    key: str
    status: Status
    value: Any = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def map_jobs(client: Any, fn: Callable[[Any], Any], items: Sequence[Any], keys: Sequence[str],
             label: str = "jobs", unit: str = "job", progress: bool = True,
             on_result: Callable[[JobResult, Any], str | None] | None = None,
             poll: float = 2.0) -> list[JobResult]:
    """Run ``fn(item)`` for every item on the cluster of ``client``, started in the items'
    order; one progress bar; ``on_result(result, bar)`` is called as each finishes (a line it
    returns is printed above the bar). Returns the results in the items' order. ``keys`` name
    the items (unique; shown in errors and the dashboard).

    Items are handed out as worker threads become free (greedy list scheduling, as a process
    pool does): at most as many tasks are submitted as the cluster has threads, counted again
    every ``poll`` seconds and at every finished task (batch workers join while the run goes
    on). Submitting all at once would let the scheduler put two long jobs on one worker while
    another idles (a few independent tasks are not queued on the scheduler)."""
    from distributed import wait
    from distributed.scheduler import KilledWorker

    if len(keys) != len(items) or len(set(keys)) != len(keys):
        raise ValueError("map_jobs: keys must be unique, one per item")
    run_tag = f"{time.time_ns():x}"
    n = len(items)
    pending: dict[Any, int] = {}
    out: list[JobResult | None] = [None] * n
    t0 = time.monotonic()
    nxt = 0
    pbar = bar(label, n, unit, enabled=progress)

    def top_up() -> None:
        nonlocal nxt
        slots = max(sum(client.nthreads().values()), 1)
        while nxt < n and len(pending) < slots:
            f = client.submit(fn, items[nxt], key=f"{label}-{keys[nxt]}-{run_tag}", pure=False,
                              retries=0)
            pending[f] = nxt
            nxt += 1

    try:
        while nxt < n or pending:
            top_up()
            try:
                done, _ = wait(list(pending), timeout=poll, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for fut in sorted(done, key=lambda f: pending[f]):
                i = pending.pop(fut)
                out[i] = r = _result(fut, keys[i], round(time.monotonic() - t0, 1),
                                     KilledWorker)
                fut.release()
                line = on_result(r, pbar) if on_result is not None else None
                if line:
                    pbar.write(line) if progress else write(line)
                pbar.update(1)
    except BaseException:
        client.cancel(list(pending))
        raise
    finally:
        pbar.close()
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


class JobFailed(RuntimeError):
    """A job that raised or whose workers died (``values``): names the job and its error."""


def values(results: Sequence[JobResult]) -> list[Any]:
    """The return values of ``map_jobs``'s results, in order; ``JobFailed`` naming the first job
    that did not finish ok (its key, status and the last line of its traceback)."""
    for r in results:
        if r.status != "ok":
            raise JobFailed(f"job {r.key}: {r.status}: {r.error}")
    return [r.value for r in results]


def _result(fut: Any, key: str, seconds: float, killed: type) -> JobResult:
    if fut.status == "finished":
        return JobResult(key, "ok", fut.result(), seconds=seconds)
    exc = fut.exception()
    if isinstance(exc, killed):
        return JobResult(key, "lost", error=f"its worker died repeatedly ({exc})",
                         seconds=seconds)
    tb = "".join(traceback.format_exception(exc)) if exc is not None else ""
    last = traceback.format_exception_only(exc)[-1].strip() if exc is not None else "cancelled"
    return JobResult(key, "error", error=last, traceback=tb, seconds=seconds)
