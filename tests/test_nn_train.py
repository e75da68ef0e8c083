"""Training on synthetic data (float and chip in the loop), reproducibility, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams
from hxsim.device import ModelDevice, RecordingDevice
from hxsim.nn.blas import set_blas_threads
from hxsim.nn.data import synthetic_split
from hxsim.nn.network import Network
from hxsim.nn.train import Adam, TrainConfig, accuracy, train


@pytest.fixture(scope="module")
def data() -> tuple:
    set_blas_threads(1)  # small matrices: one BLAS thread is much faster on a busy machine
    rng = np.random.default_rng(11)
    return synthetic_split(rng, 400), synthetic_split(rng, 200)


def test_chip_in_the_loop_from_scratch_learns_synthetic_data(data: tuple) -> None:
    tr, te = data
    net = Network.mnist(np.random.default_rng(1))
    be = ModelDevice(ChipInstance(ChipParams(), 3, 4))
    before = accuracy(net, te, "chip", be)
    hist = train(net, tr, TrainConfig(epochs=3, batch_size=40, lr=0.5, lr_final=0.05),
                 "chip", be, progress=False)
    assert be.vmms >= 3 * 400 * 30
    after = accuracy(net, te, "chip", be)
    assert after >= 0.8, (before, after, hist)
    assert hist[-1].loss < hist[0].loss
    assert all(np.abs(w).max() <= 63 for w in net.weights.values())


def test_float_training_learns_synthetic_data(data: tuple) -> None:
    tr, te = data
    net = Network.mnist(np.random.default_rng(2))
    train(net, tr, TrainConfig(epochs=3, batch_size=50, lr=0.5, exact_relu=True), "float",
          progress=False)
    assert accuracy(net, te, "float") >= 0.8


def test_same_seeds_reproduce_a_chip_run(data: tuple) -> None:
    tr, _ = data
    sub = tr.head(150)
    out = []
    for _ in range(2):
        net = Network.mnist(np.random.default_rng(5))
        train(net, sub, TrainConfig(epochs=1, batch_size=50, shuffle_seed=9), "chip",
              ModelDevice(ChipInstance(ChipParams(), 7, 8)), progress=False)
        out.append(net.weights)
    for k in out[0]:
        np.testing.assert_array_equal(out[0][k], out[1][k])
    net = Network.mnist(np.random.default_rng(5))
    train(net, sub, TrainConfig(epochs=1, batch_size=50, shuffle_seed=9), "chip",
          ModelDevice(ChipInstance(ChipParams(), 7, 99)), progress=False)
    assert not np.array_equal(net.weights["fc2"], out[0]["fc2"])  # the noise seed matters


def test_adam_step_size() -> None:
    p = {"w": np.zeros(3)}
    Adam().step(p, {"w": np.array([1.0, -2.0, 0.0])}, lr=0.5)
    np.testing.assert_allclose(p["w"], [-0.5, 0.5, 0.0], atol=1e-6)


def test_save_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    net = Network.mnist(rng, event_wait=3)
    net.meta = {"seeds": {"fixed_seed": 3}, "trained": "test"}
    p = tmp_path / "sub" / "w.npz"
    net.save(p)
    got = Network.load(p)
    assert got.describe() == net.describe()
    assert got.meta == net.meta
    for k, w in net.weights.items():
        np.testing.assert_array_equal(got.weights[k], w)
    imgs = rng.integers(0, 256, (2, 28, 28)).astype(np.uint8)
    a = net.forward(imgs, "chip", ModelDevice(ChipInstance(ChipParams(), 1, 2)))[0]
    b = got.forward(imgs, "chip", ModelDevice(ChipInstance(ChipParams(), 1, 2)))[0]
    np.testing.assert_array_equal(a, b)


def test_load_refuses_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="bad.npz"):
        Network.load(bad)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="other.npz"):
        Network.load(tmp_path / "other.npz")


def test_recording_device_keeps_every_tile_call() -> None:
    rng = np.random.default_rng(4)
    net = Network.mnist(rng)
    rec = RecordingDevice(ModelDevice(ChipInstance(ChipParams.ideal())))
    net.forward(rng.integers(0, 256, (2, 28, 28)).astype(np.uint8), "chip", rec)
    assert len(rec.calls) == 1 + 4 + 1
    assert sum(c[0].shape[0] for c in rec.calls) == 2 * 30
