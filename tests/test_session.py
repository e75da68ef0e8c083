"""The co-simulation session's protocol (``hxtb.session``) without a simulator: the real client
(``CosimDevice``) and the real server loop (``serve``), with the server's bus answered by the
register model of hx_top instead of the testbench agents (an in-process stand-in for the
simulator run). Checks: one request and one reply per ``run_vmms`` batch, bit-exact results and
noise carried across processes' worth of state, raw programs as a second request kind, and the
failure paths (refused program, server error, simulator ending before it connects)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_regmodel import error_path_program

from hxsim import ChipInstance, ChipParams, Timing
from hxsim.device import DeviceUnavailable, ModelDevice
from hxsim.regmodel import HxTopRegModel
from hxtb.session import protocol
from hxtb.session.client import CosimDevice, CosimError
from hxtb.session.server import Bus, run_program, serve


def model_bus(model: HxTopRegModel) -> Bus:
    """The register model's bus methods as coroutine functions (the server awaits its bus)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any) -> Any:
            return fn(*args)
        return call

    return {name: wrap(getattr(model, name))
            for name in ("axi_write", "axi_read", "vstore", "vload", "wait_done")}


class InProcessCosim(CosimDevice):
    """``CosimDevice`` whose simulator run is a thread serving the session on the register
    model (everything else, socket, authentication and messages included, is the real code)."""

    refuse_stores = False
    connect = True
    models: list[HxTopRegModel]

    def _launch(self, env: dict[str, str]) -> threading.Thread:
        self.models = []
        assert self.dir is not None
        (self.dir / "sim.log").write_text("in-process stand-in of the simulator run\n")

        async def open_bus(chip: ChipInstance) -> tuple[Bus, Callable[[], int]]:
            model = HxTopRegModel(chip)
            self.models.append(model)
            bus = dict(model_bus(model))
            if self.refuse_stores:
                async def refuse(addr: int, lanes: list[int]) -> bool:
                    return True
                bus["vstore"] = refuse
            return bus, lambda: 8 * model.vmm_count

        def run() -> None:
            if not self.connect:
                return  # a simulator that ends before it connects
            conn = Client(env[protocol.ENV_ADDRESS], family="AF_UNIX",
                          authkey=bytes.fromhex(env[protocol.ENV_AUTHKEY]))
            try:
                asyncio.run(serve(conn, open_bus))
            finally:
                conn.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


class CountingConnection:
    """Wraps the client's connection and counts the messages each way."""

    def __init__(self, inner: Connection) -> None:
        self.inner = inner
        self.sent: list[str] = []
        self.received: list[str] = []

    def send(self, obj: Any) -> None:
        self.sent.append(type(obj).__name__)
        self.inner.send(obj)

    def recv(self) -> Any:
        obj = self.inner.recv()
        self.received.append(type(obj).__name__)
        return obj

    def poll(self, timeout: float | None = 0.0) -> bool:
        return self.inner.poll(timeout)

    def close(self) -> None:
        self.inner.close()


def _stimulus(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w, w2 = rng.integers(-63, 64, (2, 128, 256))
    x = rng.integers(0, 32, (5, 128)) * (rng.random((5, 128)) < 0.5)
    return x, w, w2, rng.integers(20, 50, 128), rng.integers(-10, 11, 256)


def test_one_request_one_reply_per_batch_and_bit_exact(tmp_path: Path) -> None:
    print("[seed] fixed_seed 11, noise_seed 12, stimulus seed 13")
    x, w, w2, dac, col = _stimulus(13)
    fast_chip, cos_chip = ChipInstance(ChipParams(), 11, 12), ChipInstance(ChipParams(), 11, 12)
    fast = ModelDevice(fast_chip)
    with InProcessCosim(cos_chip, workdir=tmp_path / "run") as dev:
        dev.start()
        assert dev.requests == dev.replies == 1  # Open
        counting = CountingConnection(dev._conn)  # type: ignore[arg-type]
        dev._conn = counting  # type: ignore[assignment]
        calls = [(x, w, Timing(), None, None), (x[:2], w, Timing(num_sends=2), dac, col),
                 (x[2:], w2, Timing(num_sends=2), dac, None)]
        for n, args in enumerate(calls):
            before = (len(counting.sent), len(counting.received), dev.server.requests)
            got, want = dev.run_vmms(*args), fast.run_vmms(*args)
            assert (len(counting.sent) - before[0], len(counting.received) - before[1]) == (1, 1)
            assert counting.sent[-1] == "RunVmms" and counting.received[-1] == "VmmsDone"
            assert dev.server.requests - before[2] == 1  # the server saw one request, too
            for f in ("baseline", "result", "y", "cycles"):
                np.testing.assert_array_equal(getattr(got, f), getattr(want, f), err_msg=f)
            if n == 0:  # the fast path on the same instances between two batches
                np.testing.assert_array_equal(cos_chip.vmm(x[0], w), fast_chip.vmm(x[0], w))
        assert cos_chip.noise_state == fast_chip.noise_state
        assert dev.vmms == 10 and dev.server.vmms == 10
        # the server writes configuration only when it changed (no string-keyed reads: the
        # arrays came back decoded): batch 1 all of it, batch 2 DAC and column offsets, batch 3
        # the new weights and the column offsets (back to 0); plus one input store per VMM
        assert dev.models[0].stores == (512 + 1 + 2) + (1 + 2) + (512 + 2) + 10
        line = dev.stats()
        assert line is not None and line.startswith("3 requests, 10 VMMs")
    assert not dev.running and counting.sent[-1] == "Close"
    assert dev._thread is None  # the serving thread (the simulator run) has ended


def test_execute_is_the_second_request_kind(tmp_path: Path) -> None:
    ops = error_path_program()
    want = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute(ops)
    with InProcessCosim(ChipInstance(ChipParams.ideal(), 0, 0)) as dev:
        got = dev.execute(ops)
        workdir = dev.dir
    assert got.mismatches == want.mismatches and len(got.mismatches) == 13
    assert got.read_index == want.read_index
    for (op_a, a), (op_b, b) in zip(got.reads, want.reads, strict=True):
        assert op_a is op_b or op_a == op_b
        assert a == b, op_a.get("name")
    assert got.vmms == 1
    assert workdir is not None and not workdir.exists()  # own temp dir removed after success


def test_refused_program_is_device_unavailable_and_session_goes_on() -> None:
    x, w, _, _, _ = _stimulus(1)
    with InProcessCosim(ChipInstance(ChipParams.ideal(), 0, 0)) as dev:
        dev.refuse_stores = True
        with pytest.raises(DeviceUnavailable, match=r"cosim \(verilator\): the target refused "
                                                    r"the program: op \d+ .*vector store"):
            dev.run_vmms(x, w)
        assert dev.running  # a refusal is an answer, not a broken session
        assert dev.execute([]).mismatches == []


def test_server_error_names_the_log(tmp_path: Path) -> None:
    x, w, _, _, _ = _stimulus(2)
    with InProcessCosim(ChipInstance(ChipParams.ideal(), 0, 0), workdir=tmp_path) as dev:
        dev.start()
        with pytest.raises(CosimError, match=r"the simulator reported: ValueError: op 0: vstore "
                                             rf"needs 128 lanes.*log {tmp_path}/sim.log"):
            dev.execute([{"op": "vstore", "addr": 0x200, "lanes": [1]}])
        assert isinstance(dev.run_vmms(x, w).y, np.ndarray)  # the session survives


def test_simulator_ending_before_connecting(tmp_path: Path) -> None:
    dev = InProcessCosim(ChipInstance(ChipParams.ideal(), 0, 0), workdir=tmp_path)
    dev.connect = False
    with pytest.raises(CosimError, match=r"co-simulation \(verilator\): the simulator ended "
                                         rf"before connecting .*log {tmp_path}/sim.log"):
        dev.run_vmms(np.zeros((1, 128), int), np.zeros((128, 256), int))
    assert not dev.running
    dev.close()


def test_run_program_drives_an_async_bus() -> None:
    model = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0))
    res = asyncio.run(run_program(model_bus(model), error_path_program()))
    assert len(res.mismatches) == 13 and model.vmm_count == 0  # SOFT_RESET cleared the count
