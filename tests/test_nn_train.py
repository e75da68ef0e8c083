"""Chip-in-the-loop training improves accuracy; the twin of a measured chip predicts a network's
accuracy on that chip."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
import torch  # noqa: E402

from hxsim import (  # noqa: E402
    ChipInstance,
    ChipParams,
    twin as tw,  # noqa: E402
)
from hxsim.device import ModelDevice  # noqa: E402
from hxsim.nn import Chip, attach, measure_mock_parameter  # noqa: E402
from hxsim.nn.data import synthetic_split  # noqa: E402
from hxsim.nn.models import NetConfig, mnist_model  # noqa: E402
from hxsim.nn.train import TrainConfig, accuracy, train  # noqa: E402

SMALL = NetConfig(channels=8, hidden=32)


@pytest.fixture(scope="module")
def data() -> tuple:
    rng = np.random.default_rng(41)
    return synthetic_split(rng, 600), synthetic_split(rng, 300)


def test_chip_in_the_loop_training_improves_accuracy(data: tuple) -> None:
    tr, te = data
    torch.set_num_threads(1)
    chip = Chip(ModelDevice(ChipInstance(ChipParams(), 3, 4)), seed=5)
    measure_mock_parameter(chip, seed=3)
    model = mnist_model(SMALL, seed=7, mock_parameter=chip.mock)
    attach(model, chip)
    before = accuracy(model, te, "chip")
    train(model, tr, TrainConfig(epochs=2, batch_size=50, lr=0.5, lr_final=0.05), "chip",
          progress=False)
    after = accuracy(model, te, "chip")
    print(f"chip-in-the-loop: {before:.3f} -> {after:.3f}")
    assert after > before + 0.3 and after > 0.7


def test_twin_of_a_measured_chip_predicts_its_accuracy(data: tuple) -> None:
    """Measure a seeded chip through the device protocol, build the twin from the measurement
    alone; its statistics match the fit within 3 standard errors and a network's accuracy on
    it is within 3 pp of the chip's (same test images, 300)."""
    tr, te = data
    real = ChipParams()
    m = tw.measure(ModelDevice(ChipInstance(real, 11, 12)), seed=1)
    twin = tw.build_twin(m)
    m2 = tw.measure(ModelDevice(twin.chip(13)), seed=2)
    assert abs(m2.fit.gain - m.fit.gain) < 3 * np.hypot(m.fit.gain_err, m2.fit.gain_err)
    assert abs(m2.fit.noise_std - m.fit.noise_std) < 3 * np.hypot(m.fit.noise_std_err,
                                                                  m2.fit.noise_std_err)
    assert abs(m2.fit.column_offset_spread - m.fit.column_offset_spread) < 0.3
    model = mnist_model(SMALL, seed=8)
    train(model, tr, TrainConfig(epochs=2, batch_size=50), "float", progress=False)
    accs = {}
    for name, inst in (("chip", ChipInstance(real, 11, 14)), ("twin", twin.chip(14)),
                       ("other chip", ChipInstance(real.with_(column_gain_std=0.3), 11, 14))):
        attach(model, Chip(ModelDevice(inst)))
        accs[name] = accuracy(model, te, "chip")
    print(accs)
    assert abs(accs["twin"] - accs["chip"]) <= 0.03


@pytest.mark.parametrize(("kw", "field"), [
    ({"epochs": 1.5}, "epochs"), ({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch_size"),
    ({"batch_size": True}, "batch_size"), ({"shuffle_seed": -1}, "shuffle_seed"),
    ({"shuffle_seed": "3"}, "shuffle_seed"), ({"lr": float("inf")}, "lr"),
    ({"lr": float("nan")}, "lr"), ({"lr_final": 0.0}, "lr_final"),
    ({"logit_scale": "0.1"}, "logit_scale"), ({"shuffle_seed": 2**70}, "shuffle_seed")])
def test_train_config_refuses_bad_fields(kw: dict, field: str) -> None:
    """Every field checked on construction, named in the error (a float epoch count was cut, a
    string seed or an infinite learning rate accepted)."""
    with pytest.raises(ValueError, match=f"TrainConfig.{field}"):
        TrainConfig(**kw)


def test_train_config_takes_numpy_scalars() -> None:
    import numpy as np

    cfg = TrainConfig(epochs=np.int64(2), lr=np.float32(0.5),  # type: ignore[arg-type]
                      shuffle_seed=np.uint32(7))  # type: ignore[arg-type]
    assert (type(cfg.epochs), type(cfg.lr), type(cfg.shuffle_seed)) == (int, float, int)
    assert cfg.epochs == 2 and cfg.lr == 0.5 and cfg.shuffle_seed == 7
