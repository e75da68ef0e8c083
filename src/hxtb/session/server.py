"""The simulator side of the co-simulation session (run by the cocotb module
``hxtb.tests.cosim_ops`` inside the simulator; the host side is ``hxtb.session.client``).

``serve_simulator(dut)`` connects to the host (address and key from ``ENV_ADDRESS`` /
``ENV_AUTHKEY``), and ``serve(conn, open_bus)`` answers requests until ``Close`` or until the host
goes away (end of file: the simulator run then ends too). Between two requests the simulator
blocks in the connection's ``recv``, so no simulated time passes and no Python runs per clock
cycle; the DUT state (registers, SRAM, offsets) and the bridge's event session live across
requests like a real chip's.

A ``RunVmms`` request is one batch: ``VmmProgram.ops`` builds its register-level program
(configuration writes only for what changed since the last batch: the CapMem cells that differ
from what the session last wrote, one AXI write per quadrant register or column-window word, then
timing, weights and offsets; then per vector: input store,
START, wait for DONE, counter reads, result / baseline / raw-result loads), ``run_program`` runs it
through the bus agents, ``VmmProgram.decode`` turns the reads into arrays, and one ``VmmsDone``
goes back. ``wait_done`` waits for the falling edge of hx_top's ``busy`` (a trigger, not a
register poll) with a timeout of ``max_cycles`` clock cycles, then checks ``done``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from multiprocessing.connection import Client, Connection
from typing import Any

from hxsim.array import ChipInstance
from hxsim.bringup.program import ExecResult, Op, VmmProgram, interpret
from hxsim.capmem import CapMemConfig
from hxtb.session.protocol import (
    ENV_ADDRESS,
    ENV_AUTHKEY,
    Close,
    Closed,
    Execute,
    Executed,
    Failed,
    Open,
    Opened,
    Reply,
    RunVmms,
    ServerStats,
    VmmsDone,
)

#: The bus answering ``hxsim.bringup.program.interpret``'s requests, awaited: method name
#: (``axi_write``, ``axi_read``, ``vstore``, ``vload``, ``wait_done``) -> coroutine function.
Bus = Mapping[str, Callable[..., Awaitable[Any]]]
#: Opens the bus for a session: (chip) -> (bus, clock in simulated ns).
OpenBus = Callable[[ChipInstance], Awaitable[tuple[Bus, Callable[[], int]]]]


class HostGone(Exception):
    """The host closed the connection while a request was running (it was killed or ended)."""


async def run_program(bus: Bus, ops: list[Op], check: bool = True,
                      max_mismatches: int = 20,
                      host_gone: Callable[[], bool] | None = None) -> ExecResult:
    """Execute ``ops`` on ``bus``: the decoder of ``hxsim.bringup.program`` driven with awaited
    bus transactions (so the co-simulation and the register model interpret programs
    identically). Malformed ops raise ``ValueError``. ``host_gone`` is asked before every
    ``wait_done`` (once per VMM); when it answers True the program stops with ``HostGone``."""
    steps = interpret(ops, check, max_mismatches)
    try:
        name, args = next(steps)
        while True:
            if host_gone is not None and name == "wait_done" and host_gone():
                raise HostGone("the host closed the connection during a request")
            name, args = steps.send(await bus[name](*args))
    except StopIteration as stop:
        result: ExecResult = stop.value
        return result


class Session:
    """The server's state: the chip behind the bridge, the bus, what hx_top holds
    (``VmmProgram``) and the statistics."""

    def __init__(self, chip: ChipInstance, bus: Bus, now_ns: Callable[[], int],
                 host_gone: Callable[[], bool] | None = None) -> None:
        self.chip = chip
        self.bus = bus
        self.now_ns = now_ns
        self.host_gone = host_gone
        # hx_top was just reset: it holds the CapMem reset values
        self.program = VmmProgram(capmem=CapMemConfig.default())
        self.requests = self.vmms = self.ops = self.sim_ns = 0

    @property
    def stats(self) -> ServerStats:
        return ServerStats(self.requests, self.vmms, self.ops, self.sim_ns)

    async def _run(self, ops: list[Op], check: bool, noise_state: dict[str, Any]
                   ) -> ExecResult:
        self.chip.noise_state = noise_state
        t0 = self.now_ns()
        res = await run_program(self.bus, ops, check, host_gone=self.host_gone)
        self.sim_ns += int(self.now_ns() - t0)
        self.ops += len(ops)
        self.vmms += res.vmms
        return res

    async def run_vmms(self, req: RunVmms) -> Reply:
        """One batch: build, run and decode its program."""
        try:
            ops = self.program.ops(req.x, req.w, req.timing, req.dac_offsets,
                                   req.column_offsets, req.capmem)
            res = await self._run(ops, True, req.noise_state)
            if res.mismatches:
                self.program.forget()
                return Failed(f"the target refused the program: {res.mismatches[0]}",
                              refused=True)
            b, r, y, cycles = VmmProgram.decode(res, int(req.x.shape[0]))
        except BaseException:
            self.program.forget()  # what hx_top holds is unknown now
            raise
        return VmmsDone(b, r, y, cycles, self.chip.noise_state, self.stats)

    async def execute(self, req: Execute) -> Reply:
        """A raw program; what hx_top holds is unknown afterwards."""
        self.program.forget()
        res = await self._run(req.ops, req.check, req.noise_state)
        reads = [(k, v) for k, (_, v) in zip(res.read_index, res.reads, strict=True)]
        return Executed(reads, res.mismatches, res.vmms, self.chip.noise_state, self.stats)


async def serve(conn: Connection, open_bus: OpenBus) -> None:
    """Answer the host's requests on ``conn`` (one reply each) until ``Close`` or end of file.
    The first request must be ``Open``; errors are answered with ``Failed`` (a failed ``Open``
    ends the session). The host sends nothing while a request runs, so the connection becoming
    readable during a request means it was closed (the host ended or was killed): the running
    program stops at its next VMM and the session ends (the simulator run with it)."""
    session: Session | None = None

    def host_gone() -> bool:
        try:
            return bool(conn.poll())
        except (EOFError, OSError):
            return True

    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return  # the host went away: end the simulator run
        reply: Reply
        try:
            if isinstance(req, Open):
                if session is not None:
                    raise RuntimeError("the session is already open")
                chip = ChipInstance(req.params, req.fixed_seed, req.noise_seed)
                bus, now_ns = await open_bus(chip)
                session = Session(chip, bus, now_ns, host_gone)
                reply = Opened(session.stats)
            elif isinstance(req, Close):
                conn.send(Closed(session.stats if session is not None else ServerStats()))
                return
            elif session is None:
                raise RuntimeError(f"{type(req).__name__} before Open")
            else:
                session.requests += 1
                if isinstance(req, RunVmms):
                    reply = await session.run_vmms(req)
                elif isinstance(req, Execute):
                    reply = await session.execute(req)
                else:
                    raise ValueError(f"unknown request {type(req).__name__}")
        except HostGone:
            return
        except (ValueError, KeyError, TypeError, RuntimeError, AssertionError,
                TimeoutError) as exc:
            reply = Failed(f"{type(exc).__name__}: {exc}")
            if session is None:
                conn.send(reply)
                return
        try:
            conn.send(reply)
        except OSError:
            return  # the host went away while the request ran


# ---- inside the simulator ----------------------------------------------------------------------
async def wait_done(tb: Any, max_cycles: int) -> bool:
    """Wait until hx_top is not busy and holds a result, at most ``max_cycles`` clock cycles
    (one trigger: the falling edge of tb_top's ``wait_busy_o``, which falls with ``busy`` or on a
    hang; ``hxtb.tbench.WaitGuard``; no polling, no timer). Returns after a rising clock edge."""
    top = tb.dut.u_dut
    try:
        busy, done = top.busy, top.done
    except AttributeError as exc:
        raise RuntimeError("wait_done: hx_top (tb_top.u_dut) has no `busy`/`done` signals "
                           "to wait on") from exc
    tb.guard.arm(max_cycles)
    await tb.guard.busy_fall
    # the settled values of the cycle in which busy fell (on a hang busy is still high there:
    # False)
    await tb.after_wake()
    return bool(int(done.value)) and not int(busy.value)


def testbench_bus(tb: Any) -> Bus:
    """The testbench's agents as a ``Bus``: AXI4-Lite beats of the lean master (OKAY?), vector
    accesses through the vector-port driver (err?), ``wait_done`` on ``busy``'s falling edge."""
    from hxsim import regmap

    # one beat each, the address as the program gives it (an unaligned one names its word, as
    # in the register model; cocotbext-axi would split it into byte accesses)
    async def axi_write(addr: int, data: int) -> bool:
        return bool(await tb.axil.write_beat(addr, data) == regmap.OKAY)

    async def axi_read(addr: int) -> tuple[int, bool]:
        data, resp = await tb.axil.read_beat(addr)
        return int(data), resp == regmap.OKAY

    async def vstore(addr: int, lanes: list[int]) -> bool:
        return bool(await tb.vdrv.store(addr, regmap.pack_lanes(lanes)))

    async def vload(addr: int) -> tuple[list[int], bool]:
        raw, err = await tb.vdrv.load(addr)
        return regmap.unpack_lanes(raw).tolist(), bool(err)

    async def wait(max_cycles: int) -> bool:
        return await wait_done(tb, max_cycles)

    return {"axi_write": axi_write, "axi_read": axi_read, "vstore": vstore, "vload": vload,
            "wait_done": wait}


async def serve_simulator(dut: Any) -> None:
    """The session inside the simulator: connect to the host, open the ``Testbench`` (hx_top
    reset, bridge on the session's chip, no back-pressure) on ``Open``, then ``serve``."""
    from cocotb.utils import get_sim_time

    from hxsim import regmap
    from hxtb.tbench import Testbench

    async def open_testbench(chip: ChipInstance) -> tuple[Bus, Callable[[], int]]:
        tb = Testbench(dut, chip=chip, seed=0, backpressure=0.0)
        await tb.start()
        # Testbench.start enables the done IRQ; programs see hx_top as after reset
        # (wait_done triggers on `busy`, not on the IRQ).
        await tb.axil.write_ok(regmap.IRQ_ENABLE, 0)
        return testbench_bus(tb), lambda: int(get_sim_time("ns"))

    conn = Client(os.environ[ENV_ADDRESS], family="AF_UNIX",
                  authkey=bytes.fromhex(os.environ[ENV_AUTHKEY]))
    try:
        await serve(conn, open_testbench)
    finally:
        conn.close()
