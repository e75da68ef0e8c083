"""The host side of the co-simulation session: ``CosimDevice``, hx_top in tb_top as an
``hxsim.device.VmmDevice`` (registered under the entry point ``cosim`` of the group
``hxsim.devices``; ``hxsim.device.open_device("cosim", chip)`` finds it).

``CosimDevice(chip, simulator="verilator").run_vmms(x, w, timing, dac, col)`` sends ONE request
(``protocol.RunVmms``: the checked arrays, the timing and the chip's noise position) and receives
ONE reply (``protocol.VmmsDone``: baseline and result codes, int8 results, ``CYCLES_LAST`` and the
new noise position): the batch crosses from hxsim to hxtb once and back once. Inside the
simulator (``hxtb.session.server``) the batch runs as a register-level program on hx_top:
registers over AXI4-Lite (cocotbext-axi), vectors over the vector port, the analog array being
the Python bridge computing the crossing codes on the chip's event-level model.
``execute(ops)`` runs a raw register-level program (``hxsim replay-vectors``) as a second request
kind and returns an ``hxsim.bringup.program.ExecResult`` referring to the caller's ops.

Session: the first request builds tb_top (incremental; compiler output in ``build.log``) and
starts ONE simulator run (cocotb module ``hxtb.tests.cosim_ops``; its log ``sim.log``) in a
background thread. This process listens on a Unix socket (``multiprocessing.connection``,
authenticated with a random key); the simulator connects and then serves requests, blocking in
between. The chip's trial-noise state travels with every request and reply, so the host's
``chip`` always holds the stream position: VMMs run through any mix of co-simulation and fast
path on the same instance draw exactly the noise one process would. ``close()`` (or the end of
this process, or the connection closing) ends the simulator run. Failures raise ``CosimError``
(a ``DeviceUnavailable``) naming the log file.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import weakref
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, Self

from hxsim.array import ChipInstance
from hxsim.bringup.program import ExecResult, Op, check_addresses
from hxsim.capmem import CapMemConfig
from hxsim.device import DeviceUnavailable, VmmBatch, check_capmem, check_vmm_args
from hxsim.timing import Timing
from hxtb.session.protocol import (
    ENV_ADDRESS,
    ENV_AUTHKEY,
    Close,
    Execute,
    Executed,
    Failed,
    Open,
    Opened,
    Reply,
    Request,
    RunVmms,
    ServerStats,
    VmmsDone,
)

#: cocotb module and test that serve a session.
OPS_MODULE = "hxtb.tests.cosim_ops"
OPS_TESTCASE = "test_ops_session"


class CosimError(DeviceUnavailable):
    """The simulator run failed or the session broke (the message names the log file)."""


def require_testbench() -> None:
    """Raise ``DeviceUnavailable`` (one line) when the testbench extra (cocotb, its runner,
    filelock) is not installed."""
    try:
        import cocotb  # noqa: F401
        import cocotb_tools.runner  # noqa: F401
        import filelock  # noqa: F401
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise DeviceUnavailable(f"device cosim: the testbench extra is not installed (no module "
                                f"{missing}; pip install -e '.[dev]'); use --device model") \
            from None


#: Seconds ``close`` waits for the simulator to answer ``Close`` and to end.
CLOSE_TIMEOUT = 10.0


def _child_pids() -> set[int]:
    """Process ids of this process's children (Linux ``/proc``; empty elsewhere)."""
    me = os.getpid()
    pids: set[int] = set()
    try:
        entries = [e.name for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return pids
    for e in entries:
        try:
            stat = Path(f"/proc/{e}/stat").read_bytes()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == me:
            pids.add(int(e))
    return pids


def _close_quietly(ref: weakref.ReferenceType[CosimDevice]) -> None:
    device = ref()
    if device is not None:
        device.close()


class CosimDevice:
    """hx_top in the RTL co-simulation as a ``VmmDevice`` (see the module doc).

    ``workdir``: where the simulator runs (``build.log``, ``sim.log``, ``results.xml``); a
    temporary directory by default, removed by ``close()`` unless the run failed.
    ``start_timeout``: seconds the simulator may take to connect after the build.
    ``log_level``: cocotb's log level inside the simulator.

    Counters: ``vmms``, ``requests`` / ``replies`` (messages sent and received, the ``Open`` and
    ``Close`` of the session included), ``wall_s`` (time in requests), ``start_s`` (build and
    start-up); ``server`` holds the simulator side's statistics. Raises ``DeviceUnavailable``
    from the constructor when the testbench extra is missing.
    """

    def __init__(self, chip: ChipInstance, simulator: str = "verilator", *,
                 workdir: str | Path | None = None, start_timeout: float = 600.0,
                 log_level: str = "WARNING") -> None:
        require_testbench()
        if not isinstance(chip, ChipInstance):
            raise ValueError(f"chip: expected an hxsim.ChipInstance, got {type(chip).__name__}")
        from hxtb import config

        config.TbConfig.from_env()  # a malformed HX_* knob: ValueError naming it, before any work
        from hxtb import build

        build.cocotb_main()  # (and a malformed HX_VERILATOR_MAIN)
        self.chip = chip
        self.simulator = simulator
        self.name = f"cosim ({simulator})"
        self._workdir = Path(workdir) if workdir is not None else None
        self._own_dir = workdir is None
        self.start_timeout = start_timeout
        self.log_level = log_level
        self.log = logging.getLogger("hxtb.session")
        self.dir: Path | None = None
        self._conn: Connection | None = None
        self._thread: threading.Thread | None = None
        self._sim_error: BaseException | None = None
        self._failed = False
        self.vmms = self.requests = self.replies = 0
        self.wall_s = self.start_s = 0.0
        self.server = ServerStats()
        self._in_flight = False
        self._children_before: set[int] | None = None  # set by _launch
        self._sim_pids: set[int] = set()
        atexit.register(_close_quietly, weakref.ref(self))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """A simulator run is connected."""
        return self._conn is not None

    @property
    def log_file(self) -> Path | None:
        return None if self.dir is None else self.dir / "sim.log"

    # ---- start-up ------------------------------------------------------------------------------
    def _fail(self, what: str) -> CosimError:
        self._failed = True
        tail = ""
        if self.log_file is not None and self.log_file.is_file():
            lines = self.log_file.read_text(errors="replace").splitlines()
            tail = "\n".join(lines[-15:])
        return CosimError(f"co-simulation ({self.simulator}): {what}; log {self.log_file}"
                          + (f":\n{tail}" if tail else ""))

    def _build(self) -> tuple[Any, Path]:
        """``hxtb.build.build`` with the compiler's output in ``build.log`` (not on stdout)."""
        from hxtb import build

        assert self.dir is not None
        blog = self.dir / "build.log"
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        try:
            with blog.open("w") as f:
                os.dup2(f.fileno(), 1)
                os.dup2(f.fileno(), 2)
                try:
                    return build.build(self.simulator)
                finally:
                    os.dup2(saved[0], 1)
                    os.dup2(saved[1], 2)
        except Exception as exc:
            self._failed = True
            tail = "\n".join(blog.read_text(errors="replace").splitlines()[-15:])
            raise CosimError(f"co-simulation ({self.simulator}): building tb_top failed "
                             f"({exc}); log {blog}:\n{tail}") from exc
        finally:
            for fd in saved:
                os.close(fd)

    def _launch(self, env: dict[str, str]) -> threading.Thread:
        """Build tb_top and start the simulator run (in a thread) with ``env`` telling it where
        to connect. Returns the thread; it ends when the simulator run ends."""
        runner, bdir = self._build()
        self._children_before = _child_pids()
        env = {**env, "COCOTB_LOG_LEVEL": self.log_level,
               "PYTHONWARNINGS": "ignore::DeprecationWarning"}

        def run_sim() -> None:
            assert self.dir is not None
            try:
                runner.test(test_module=OPS_MODULE, hdl_toplevel="tb_top",
                            testcase=OPS_TESTCASE, build_dir=bdir, test_dir=self.dir, seed=0,
                            extra_env=env, log_file=self.dir / "sim.log")
            except BaseException as exc:  # noqa: BLE001  (SystemExit from the runner)
                self._sim_error = exc

        thread = threading.Thread(target=run_sim, name="hxtb-cosim", daemon=True)
        thread.start()
        return thread

    def _accept(self, listener: Listener, address: str, key: bytes) -> Connection:
        """Wait for the simulator to connect, watching the simulator thread and the deadline."""
        box: dict[str, Any] = {}

        def accept() -> None:
            try:
                box["conn"] = listener.accept()
            except Exception as exc:  # noqa: BLE001  (authentication or socket errors)
                box["error"] = exc

        waiter = threading.Thread(target=accept, name="hxtb-cosim-accept", daemon=True)
        waiter.start()
        deadline = time.monotonic() + self.start_timeout
        while waiter.is_alive():
            waiter.join(0.2)
            if not waiter.is_alive():
                break
            problem = None
            if self._thread is not None and not self._thread.is_alive():
                problem = f"the simulator ended before connecting ({self._sim_error!r})"
            elif time.monotonic() > deadline:
                problem = f"the simulator did not connect within {self.start_timeout:.0f} s"
            if problem is not None:
                # release the waiting accept (it would otherwise wait forever)
                with contextlib.suppress(OSError, EOFError, AuthenticationError):
                    Client(address, family="AF_UNIX", authkey=key).close()
                waiter.join(5)
                if "conn" in box:
                    box["conn"].close()
                raise self._fail(problem)
        if "conn" not in box:
            raise self._fail(f"the simulator's connection failed ({box.get('error')!r})")
        accepted: Connection = box["conn"]
        return accepted

    def start(self) -> None:
        """Build tb_top (incremental) and start the simulator run (the first request does this
        anyway). Raises ``CosimError`` when the build or the start fails."""
        if self._conn is not None:
            return
        t0 = time.perf_counter()
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
            self.dir = self._workdir
        else:
            self.dir = Path(tempfile.mkdtemp(prefix="hxtb-cosim-"))
        # Unix socket paths are limited to ~100 bytes: keep the socket in a short temp dir.
        sock_dir = Path(tempfile.mkdtemp(prefix="hxs-"))
        address = str(sock_dir / "s")
        key = secrets.token_bytes(32)
        try:
            with Listener(address, family="AF_UNIX", authkey=key) as listener:
                self._thread = self._launch({ENV_ADDRESS: address, ENV_AUTHKEY: key.hex()})
                self._conn = self._accept(listener, address, key)
        finally:
            shutil.rmtree(sock_dir, ignore_errors=True)
        p = self.chip
        try:
            reply = self._request(Open(p.params, p.fixed_seed, p.noise_seed))
            if not isinstance(reply, Opened):
                raise self._fail(f"unexpected reply {type(reply).__name__} to Open")
        except CosimError:
            self.close()
            raise
        self.start_s += time.perf_counter() - t0

    def _request(self, msg: Request) -> Reply:
        """Send one request, receive its one reply; ``Failed`` (other than a refused program)
        and a broken connection raise ``CosimError``."""
        if self._conn is None:
            raise CosimError(f"co-simulation ({self.simulator}): not running")
        try:
            self._in_flight = True
            self._conn.send(msg)
            self.requests += 1
            reply: Reply = self._conn.recv()
            self.replies += 1
            self._in_flight = False
        except (EOFError, OSError) as exc:
            self._in_flight = False
            self._conn = None
            if self._thread is not None:
                self._thread.join(timeout=30)
            raise self._fail(f"session broken ({exc!r})") from exc
        if isinstance(reply, Failed) and not reply.refused:
            raise self._fail(f"the simulator reported: {reply.message}")
        stats = getattr(reply, "stats", None)
        if isinstance(stats, ServerStats):
            self.server = stats
        return reply

    # ---- the device ----------------------------------------------------------------------------
    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        """B VMMs in the co-simulation (``hxsim.device.VmmDevice.run_vmms``): one request, one
        reply. ``capmem``: the CapMem cells (None: their reset values, as on the model device);
        the simulator side writes them over AXI (only the cells that differ from what it last
        wrote) and the analog bridge takes them from hx_top's CapMem outputs. Raises
        ``ValueError`` for bad arguments, ``DeviceUnavailable`` when hx_top refused an access
        and ``CosimError`` when the simulator run failed."""
        a = check_vmm_args(x, w, timing, dac_offsets, column_offsets)
        check_capmem(capmem)
        self.start()
        t0 = time.perf_counter()
        reply = self._request(RunVmms(a.x, a.w, a.timing, a.dac_offsets, a.column_offsets,
                                      self.chip.noise_state, capmem))
        if isinstance(reply, Failed):
            raise DeviceUnavailable(f"{self.name}: {reply.message}")
        if not isinstance(reply, VmmsDone):
            raise self._fail(f"unexpected reply {type(reply).__name__} to RunVmms")
        self.chip.noise_state = reply.noise_state
        self.vmms += a.batch
        self.wall_s += time.perf_counter() - t0
        return VmmBatch(reply.baseline, reply.result, reply.y, reply.cycles)

    def execute(self, ops: list[Op], check: bool = True) -> ExecResult:
        """Run a raw register-level program in the co-simulation: reads (referring to ``ops``)
        and mismatches as ``hxsim.regmodel.HxTopRegModel.execute`` gives them. An address
        beyond its port raises ``ValueError`` before the simulator starts (as the model does)."""
        check_addresses(ops)
        self.start()
        t0 = time.perf_counter()
        reply = self._request(Execute(ops, check, self.chip.noise_state))
        if not isinstance(reply, Executed):
            raise self._fail(f"unexpected reply {type(reply).__name__} to Execute")
        self.chip.noise_state = reply.noise_state
        self.vmms += reply.vmms
        self.wall_s += time.perf_counter() - t0
        return ExecResult(reads=[(ops[k], v) for k, v in reply.reads],
                          mismatches=list(reply.mismatches), vmms=reply.vmms,
                          read_index=[k for k, _ in reply.reads])

    def close(self) -> None:
        """End the simulator run (idempotent). After an interrupted request (Ctrl-C, SIGTERM,
        an error while a request was in flight) the simulator process is ended at once rather
        than asked to finish: the child never outlives its parent's run."""
        conn, self._conn = self._conn, None
        interrupted = self._in_flight
        self._in_flight = False
        if conn is not None:
            try:
                if not interrupted:
                    conn.send(Close())
                    self.requests += 1
                    if conn.poll(CLOSE_TIMEOUT):
                        conn.recv()
                        self.replies += 1
                    else:
                        interrupted = True
            except (EOFError, OSError):
                pass
            conn.close()
        if self._thread is not None:
            if interrupted:
                self._end_simulator()
            self._thread.join(timeout=CLOSE_TIMEOUT)
            if self._thread.is_alive():
                self._end_simulator()
                self._thread.join(timeout=CLOSE_TIMEOUT)
            self._thread = None
        if self._own_dir and self.dir is not None and not self._failed:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _end_simulator(self) -> None:
        """SIGTERM, then SIGKILL after a grace period, to the processes this device started
        (children of this process that did not exist before the launch)."""
        if self._children_before is None:  # no simulator process launched by this device
            return
        pids = _child_pids() - self._children_before
        self._sim_pids |= pids
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and pids & _child_pids():
                time.sleep(0.05)
            pids &= _child_pids()
            if not pids:
                return

    def stats(self) -> str | None:
        """One line: requests, VMMs, operations, simulated time, wall time, start-up."""
        s = self.server
        return (f"{s.requests} requests, {self.vmms} VMMs, {s.ops} ops, "
                f"{s.sim_ns / 1e3:.1f} us simulated, {self.wall_s:.1f} s in requests, "
                f"{self.start_s:.1f} s start-up")
