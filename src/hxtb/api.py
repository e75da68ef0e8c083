"""Register-level programs through the RTL co-simulation (the API of docs/bringup.md).

``CosimTarget(chip, simulator="verilator").execute(ops)`` runs a register-level program (the op
dicts of ``hxsim.bringup.program``: ``axi_write``, ``axi_read``, ``vstore``, ``vload``,
``wait_done``, ``mark``) on hx_top inside tb_top: register accesses go over AXI4-Lite
(cocotbext-axi), vector accesses over the vector port, and the analog array is the Python bridge
(``hxtb.bridge``) computing the crossing codes on ``chip`` from what the RTL's synapse SRAM holds
and what its event bus emitted. It returns an ``hxsim.bringup.program.ExecResult`` (``reads``,
``mismatches``, ``vmms``), as ``ModelRegisterTarget.execute`` does.

Session model: the first ``execute`` builds tb_top (incremental) and starts ONE simulator run
(cocotb module ``cosim_ops``, test ``test_ops_session``) in a background thread. The simulator
connects to a Unix socket of this process and then serves programs: between two programs it
blocks in a socket read, so no simulated time passes and no Python runs per clock cycle. The
DUT state (registers, SRAM, offsets) and the bridge's event session therefore live across
``execute`` calls like a real chip's. The chip's trial-noise state (``ChipInstance.noise_state``)
is sent with every program and returned with its result, so the host's ``chip`` always holds the
stream position: VMMs run through any mix of co-simulation and fast path on the same instance
draw exactly the noise one process would. ``close()`` (or the end of the process) ends the
simulator run.

Inside the simulator, ``wait_done`` waits for the falling edge of hx_top's ``busy`` (a trigger,
not a register poll) with a timeout of ``max_cycles`` clock cycles, then checks ``done``.

Messages are length-prefixed JSON (8-byte little-endian length). Reads come back as
``[op index, value]`` pairs, so the result refers to the caller's own op dicts.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from hxsim.array import ChipInstance
from hxsim.bringup.program import ExecResult, Op, interpret

#: cocotb module and test that serve a session (tb/cosim_ops.py).
OPS_MODULE = "hxtb.tests.cosim_ops"
OPS_TESTCASE = "test_ops_session"
ENV_SOCKET = "HX_OPS_SOCKET"
_LEN = 8


# ---- framing (both sides) ----------------------------------------------------------------------
def send_msg(sock: socket.socket, obj: Any) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode()
    sock.sendall(len(data).to_bytes(_LEN, "little") + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("co-simulation session: connection closed")
        buf += chunk
    return bytes(buf)


def recv_msg(sock: socket.socket) -> Any:
    n = int.from_bytes(_recv_exact(sock, _LEN), "little")
    return json.loads(_recv_exact(sock, n))


# ---- host side ---------------------------------------------------------------------------------
class CosimError(RuntimeError):
    """The simulator run failed or the session broke (message names the log file)."""


def _close_quietly(ref: weakref.ReferenceType[CosimTarget]) -> None:
    target = ref()
    if target is not None:
        target.close()


class CosimTarget:
    """hx_top in the co-simulation as a register target with ``execute(ops)`` (see module doc).

    ``workdir``: where the simulator runs (log ``sim.log``, ``results.xml``); a temporary
    directory by default, removed by ``close()`` unless the run failed. Statistics:
    ``executes``, ``ops``, ``vmms``, ``sim_ns`` (simulated time), ``wall_s`` (time in ``execute``)
    and ``start_s`` (build and simulator start-up).
    """

    def __init__(self, chip: ChipInstance, simulator: str = "verilator", *,
                 workdir: str | Path | None = None, start_timeout: float = 600.0) -> None:
        self.chip = chip
        self.simulator = simulator
        self._workdir = Path(workdir) if workdir is not None else None
        self._own_dir = workdir is None
        self.start_timeout = start_timeout
        self.log = logging.getLogger("hxtb.api")
        self.dir: Path | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._sim_error: BaseException | None = None
        self._failed = False
        self.executes = self.ops = self.vmms = 0
        self.sim_ns = 0
        self.wall_s = self.start_s = 0.0
        atexit.register(_close_quietly, weakref.ref(self))

    def __enter__(self) -> CosimTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._sock is not None

    @property
    def log_file(self) -> Path | None:
        return None if self.dir is None else self.dir / "sim.log"

    # ---- start-up ----
    def _run_sim(self, runner: Any, bdir: Path, env: dict[str, str]) -> None:
        assert self.dir is not None
        try:
            runner.test(test_module=OPS_MODULE, hdl_toplevel="tb_top", testcase=OPS_TESTCASE,
                        build_dir=bdir, test_dir=self.dir, seed=0, extra_env=env,
                        log_file=self.dir / "sim.log")
        except BaseException as exc:  # noqa: BLE001  (SystemExit from the runner under pytest)
            self._sim_error = exc

    def _build(self, build: Any) -> tuple[Any, Path]:
        """``hxtb.build.build`` with the compiler's output in ``build.log`` (not on stdout)."""
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

    def _fail(self, what: str) -> CosimError:
        self._failed = True
        tail = ""
        if self.log_file is not None and self.log_file.is_file():
            lines = self.log_file.read_text(errors="replace").splitlines()
            tail = "\n".join(lines[-15:])
        return CosimError(f"co-simulation ({self.simulator}): {what}; log {self.log_file}"
                          + (f":\n{tail}" if tail else ""))

    def start(self) -> None:
        """Build tb_top (incremental) and start the simulator run (done by the first
        ``execute`` anyway)."""
        if self._sock is not None:
            return
        from hxtb import build

        t0 = time.perf_counter()
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
            self.dir = self._workdir
        else:
            self.dir = Path(tempfile.mkdtemp(prefix="hxtb-ops-"))
        runner, bdir = self._build(build)
        # Unix socket paths are limited to ~100 bytes: keep the socket in a short temp dir.
        sock_dir = Path(tempfile.mkdtemp(prefix="hxops-"))
        sock_path = sock_dir / "s"
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            srv.bind(str(sock_path))
            srv.listen(1)
            srv.settimeout(0.2)
            env = {ENV_SOCKET: str(sock_path),
                   **{k: v for k, v in os.environ.items() if k == "HX_OPS_PROFILE"},
                   "COCOTB_LOG_LEVEL": os.environ.get("HX_OPS_LOG_LEVEL", "WARNING"),
                   "PYTHONWARNINGS": "ignore::DeprecationWarning"}
            self._thread = threading.Thread(target=self._run_sim, args=(runner, bdir, env),
                                            name="hxtb-cosim", daemon=True)
            self._thread.start()
            deadline = time.monotonic() + self.start_timeout
            conn: socket.socket | None = None
            while conn is None:
                try:
                    conn, _ = srv.accept()
                except TimeoutError:
                    if not self._thread.is_alive():
                        raise self._fail(f"the simulator ended before connecting "
                                         f"({self._sim_error!r})") from None
                    if time.monotonic() > deadline:
                        raise self._fail("the simulator did not connect within "
                                         f"{self.start_timeout:.0f} s") from None
        finally:
            srv.close()
            shutil.rmtree(sock_dir, ignore_errors=True)
        conn.settimeout(None)
        self._sock = conn
        p = self.chip.params
        self._request({"cmd": "init", "params": p.to_dict(), "fixed_seed": self.chip.fixed_seed,
                       "noise_seed": self.chip.noise_seed})
        self.start_s += time.perf_counter() - t0

    def _request(self, msg: dict[str, Any]) -> dict[str, Any]:
        if self._sock is None:
            raise CosimError("co-simulation session: not running")
        try:
            send_msg(self._sock, msg)
            reply: dict[str, Any] = recv_msg(self._sock)
        except (ConnectionError, OSError) as exc:
            self._sock = None
            if self._thread is not None:
                self._thread.join(timeout=30)
            raise self._fail(f"session broken ({exc})") from exc
        if "error" in reply:
            raise self._fail(f"the simulator reported: {reply['error']}")
        return reply

    # ---- the API ----
    def execute(self, ops: list[Op], check: bool = True) -> ExecResult:
        """Run ``ops`` in the co-simulation; reads and mismatches as ``ModelRegisterTarget``."""
        self.start()
        t0 = time.perf_counter()
        reply = self._request({"cmd": "exec", "ops": ops, "check": check,
                               "noise_state": self.chip.noise_state})
        self.chip.noise_state = reply["noise_state"]
        res = ExecResult(reads=[(ops[k], v) for k, v in reply["reads"]],
                         mismatches=list(reply["mismatches"]), vmms=int(reply["vmms"]),
                         read_index=[int(k) for k, _ in reply["reads"]])
        self.executes += 1
        self.ops += len(ops)
        self.vmms += res.vmms
        self.sim_ns += int(reply["sim_ns"])
        self.wall_s += time.perf_counter() - t0
        return res

    def close(self) -> None:
        """End the simulator run (idempotent)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                send_msg(sock, {"cmd": "close"})
                recv_msg(sock)
            except (ConnectionError, OSError):
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        if self._own_dir and self.dir is not None and not self._failed:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def stats(self) -> str:
        return (f"{self.executes} programs, {self.ops} ops, {self.vmms} VMMs, "
                f"{self.sim_ns / 1e3:.1f} us simulated, {self.wall_s:.1f} s in execute, "
                f"{self.start_s:.1f} s start-up")


# ---- simulator side (called from tb/cosim_ops.py) ------------------------------------------------
async def wait_done(tb: Any, max_cycles: int) -> bool:
    """Wait until hx_top is not busy and holds a result, at most ``max_cycles`` clock cycles
    (one trigger on ``busy``'s falling edge; no polling). Returns after a rising clock edge."""
    from cocotb.triggers import FallingEdge, ReadOnly, with_timeout

    from hxtb.tbench import CLK_NS

    top = tb.dut.u_dut
    try:
        busy, done = top.busy, top.done
    except AttributeError as exc:
        raise RuntimeError("wait_done: hx_top (tb_top.u_dut) has no `busy`/`done` signals "
                           "to wait on") from exc
    await ReadOnly()
    if int(busy.value):
        try:
            await with_timeout(FallingEdge(busy), max_cycles * CLK_NS, "ns")
        except TimeoutError:
            await tb.clk_edge
            return False
        await ReadOnly()
    ok = bool(int(done.value)) and not int(busy.value)
    await tb.clk_edge
    return ok


class TbTarget:
    """The Testbench's bus agents with ``RegisterTarget``'s call conventions, awaited: AXI4-Lite
    through cocotbext-axi, vector accesses through the vector-port driver, ``wait_done`` on
    ``busy``'s falling edge."""

    def __init__(self, tb: Any) -> None:
        from hxtb import regs

        self.tb = tb
        self.regs = regs

    async def axi_write(self, addr: int, data: int) -> bool:
        return bool(await self.tb.axil.write(addr, data) == self.regs.OKAY)

    async def axi_read(self, addr: int) -> tuple[int, bool]:
        data, resp = await self.tb.axil.read(addr)
        return int(data), resp == self.regs.OKAY

    async def vstore(self, addr: int, lanes: list[int]) -> bool:
        return bool(await self.tb.vdrv.store(addr, self.regs.pack_lanes(lanes)))

    async def vload(self, addr: int) -> tuple[list[int], bool]:
        raw, err = await self.tb.vdrv.load(addr)
        return [int(v) for v in self.regs.unpack_lanes(raw)], bool(err)

    async def wait_done(self, max_cycles: int) -> bool:
        return await wait_done(self.tb, max_cycles)


async def run_ops(tb: Any, ops: list[Op], check: bool = True,
                  max_mismatches: int = 20) -> ExecResult:
    """Execute ``ops`` on the Testbench ``tb``: the decoder of ``hxsim.bringup.program`` driven
    with awaited bus transactions (so both targets interpret programs identically)."""
    target = TbTarget(tb)
    steps = interpret(ops, check, max_mismatches)
    try:
        name, args = next(steps)
        while True:
            name, args = steps.send(await getattr(target, name)(*args))
    except StopIteration as stop:
        result: ExecResult = stop.value
        return result


async def serve_session(dut: Any) -> None:
    """The simulator side of ``CosimTarget``: connect, build the chip and the Testbench on
    ``init``, then run programs until ``close``."""
    from cocotb.utils import get_sim_time

    from hxsim.params import ChipParams
    from hxtb import regs
    from hxtb.tbench import Testbench

    prof_path = os.environ.get("HX_OPS_PROFILE")  # debugging aid: cProfile of the session
    prof = None
    if prof_path:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ[ENV_SOCKET])
    tb: Testbench | None = None
    chip: ChipInstance | None = None
    try:
        while True:
            msg = recv_msg(sock)
            cmd = msg.get("cmd")
            try:
                if cmd == "init":
                    chip = ChipInstance(ChipParams.from_dict(msg["params"]),
                                        int(msg["fixed_seed"]), int(msg["noise_seed"]))
                    tb = Testbench(dut, chip=chip, seed=0, backpressure=0.0)
                    await tb.start()
                    # Testbench.start enables the done IRQ; programs see hx_top as after reset
                    # (wait_done triggers on `busy`, not on the IRQ).
                    await tb.axil.write_ok(regs.IRQ_ENABLE, 0)
                    send_msg(sock, {"ok": True})
                elif cmd == "exec":
                    if tb is None or chip is None:
                        raise RuntimeError("exec before init")
                    chip.noise_state = msg["noise_state"]
                    t0 = get_sim_time("ns")
                    res = await run_ops(tb, msg["ops"], bool(msg["check"]))
                    reads = [[k, v] for k, (_, v) in zip(res.read_index, res.reads, strict=True)]
                    send_msg(sock, {"reads": reads, "mismatches": res.mismatches,
                                    "vmms": res.vmms,
                                    "noise_state": chip.noise_state,
                                    "sim_ns": int(get_sim_time("ns") - t0)})
                elif cmd == "close":
                    send_msg(sock, {"ok": True})
                    return
                else:
                    raise ValueError(f"unknown command {cmd!r}")
            except (ValueError, KeyError, TypeError, RuntimeError, AssertionError) as exc:
                send_msg(sock, {"error": f"{type(exc).__name__}: {exc}"})
                if cmd == "init":
                    return
    finally:
        sock.close()
        if prof is not None and prof_path:
            prof.disable()
            prof.dump_stats(prof_path)
