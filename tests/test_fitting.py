"""Fitting (hxsim.fitting): recovers known gain, column gain/offset and noise.

Data: a chip with gain 0.0025, column gain std 8 %, column offsets 3 LSB std, membrane noise 1.5
and read noise 0.5 LSB, and the effects a linear per-column model cannot describe (driver and
synapse mismatch, event order, leak, drift) switched off. 64 random input vectors (0..31) on one
random weight matrix (-63..63), 8 repetitions. Then per column the ideal sums have a std of
about 3800 over 64 points, so the standard error of a column gain is
``sqrt(sigma^2 / R / Sxx) ~ sqrt(1.7^2 / 8 / (64 * 3800^2)) ~ 2e-5``, i.e. ~0.8 % of the gain; the
tolerances below are stated in these units:

* per column: the normalised errors ``(fit - truth) / stated error`` have a std within
  0.8..1.3 (256 samples: the std of a std is 1/sqrt(512) = 4.4 %; the margin covers the ADC's
  floor quantization) and none exceeds 6 (max of 256 normals is ~3);
* global gain (mean of column gains) within 0.3 % of the true mean (its statistical error is
  ~0.8 %/16 = 0.05 %);
* column gain spread within 0.005 of the realized std (fit errors are subtracted in quadrature);
* noise within 2 % of ``sqrt(1.5^2 + 2 * 0.5^2 + 1/6)`` (quantization of two floored reads;
  statistical error 0.2 % with 114688 degrees of freedom; the floor approximation is good to ~1 %).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams
from hxsim.fitting import fit_vmm_data, ideal_sums

PARAMS = ChipParams(gain=0.0025, column_gain_std=0.08, column_offset_std_lsb=3.0,
                    membrane_noise_lsb=1.5, read_noise_lsb=0.5, enable_driver_mismatch=False,
                    enable_synapse_mismatch=False, enable_order_effect=False, enable_leak=False,
                    enable_drift=False)
Data = tuple[ChipInstance, np.ndarray, np.ndarray, np.ndarray]
EXPECTED_NOISE = math.sqrt(1.5**2 + 2 * 0.5**2 + 1 / 6)


@pytest.fixture(scope="module")
def data() -> Data:
    chip = ChipInstance(PARAMS, fixed_seed=7, noise_seed=8)
    rng = np.random.default_rng(1)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (64, 128))
    y = np.stack([chip.vmm(x, w) for _ in range(8)], axis=1)
    return chip, x, w, y


def test_recovers_parameters(data: Data) -> None:
    chip, x, w, y = data
    fit = fit_vmm_data(x, w, y)
    true_gain = PARAMS.gain * (1.0 + chip.pattern.column_gain)
    z = (fit.column_gain - true_gain) / fit.column_gain_err
    assert 0.8 <= z.std() <= 1.3 and np.abs(z).max() < 6
    zo = (fit.column_offset - chip.pattern.column_offset_lsb) / fit.column_offset_err
    assert 0.8 <= zo.std() <= 1.3 and np.abs(zo).max() < 6
    assert fit.gain == pytest.approx(true_gain.mean(), rel=0.003)
    assert fit.column_gain_spread == pytest.approx(chip.pattern.column_gain.std(ddof=1), abs=0.005)
    assert fit.column_offset_spread == pytest.approx(chip.pattern.column_offset_lsb.std(ddof=1),
                                                     abs=0.1)
    assert fit.noise_method == "repetitions"
    assert fit.noise_std == pytest.approx(EXPECTED_NOISE, rel=0.02)
    assert fit.columns_fitted == 256
    assert "gain" in fit.summary() and isinstance(fit.to_dict()["column_gain"], list)


def test_without_repetitions_uses_residuals(data: Data) -> None:
    chip, x, w, y = data
    fit = fit_vmm_data(x, w, y[:, 0])
    assert fit.noise_method == "residuals"
    # 62 dof per column x 256 columns: statistical error 0.6 %.
    assert fit.noise_std == pytest.approx(EXPECTED_NOISE, rel=0.03)
    true_gain = PARAMS.gain * (1.0 + chip.pattern.column_gain)
    assert fit.gain == pytest.approx(true_gain.mean(), rel=0.005)


def test_saturated_points_are_excluded() -> None:
    """Ideal chip, inputs driven far into saturation: the in-range points still give the gain."""
    chip = ChipInstance(ChipParams.ideal(gain=0.002).with_(enable_membrane_noise=True), 0, 3)
    w = np.tile(np.clip(np.arange(-64, 192) // 2, -63, 63)[None, :], (128, 1))
    x = np.repeat(np.arange(0, 32, 2)[:, None], 128, axis=1)
    y = np.stack([chip.vmm(x, w) for _ in range(4)], axis=1)
    fit = fit_vmm_data(x, w, y, linear_limit=60)
    assert fit.points_excluded > 0
    ok = np.isfinite(fit.column_gain)
    assert np.all(np.abs(fit.column_gain[ok] - 0.002) < 6 * fit.column_gain_err[ok] + 1e-4)


def test_several_weight_matrices_and_sends() -> None:
    rng = np.random.default_rng(3)
    w = rng.integers(-20, 21, (2, 128, 256))
    x = rng.integers(0, 10, (6, 128))
    idx = np.array([0, 1, 0, 1, 0, 1])
    s = ideal_sums(x, w, idx, num_sends=3)
    assert s[1, 5] == 3 * (x[1] @ w[1][:, 5])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"inputs": np.full((4, 128), 32)}, "inputs"),
    ({"inputs": np.zeros((4, 127), int)}, "inputs"),
    ({"weights": np.full((128, 256), 64)}, "weights"),
    ({"weights": np.zeros((128, 255), int)}, "weights"),
    ({"outputs": np.zeros((5, 256), int)}, "outputs"),
    ({"outputs": np.full((4, 256), 200)}, "outputs"),
    ({"num_sends": 0}, "num_sends"),
    ({"linear_limit": 0.0}, "linear_limit"),
    ({"linear_limit": "70"}, "linear_limit"),
    ({"weights": np.zeros((2, 128, 256), int)}, "weight_index"),
    ({"weights": np.zeros((2, 128, 256), int), "weight_index": [0, 1, 2, 0]}, "weight_index"),
])
def test_bad_input(kwargs: dict[str, object], name: str) -> None:
    args: dict[str, object] = {"inputs": np.ones((4, 128), int),
                               "weights": np.ones((128, 256), int),
                               "outputs": np.zeros((4, 256), int)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        fit_vmm_data(**args)  # type: ignore[arg-type]


def test_no_fittable_column() -> None:
    with pytest.raises(ValueError, match="inputs"):
        fit_vmm_data(np.zeros((4, 128), int), np.ones((128, 256), int),
                     np.zeros((4, 2, 256), int))
