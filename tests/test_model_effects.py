"""Each non-ideality, switched on alone over the ideal chip, moves results in the expected
direction and by the expected magnitude. Tolerances come from the sample sizes used (stated at
each check); the hidden fixed pattern is read only here, to compare with the truth."""

from __future__ import annotations

import math

import numpy as np

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm
from hxsim.array import CYCLE_US

IDEAL = ChipParams.ideal()


def one_effect(**changes: object) -> ChipParams:
    return IDEAL.with_(**changes)


def one_hot_rows(rows: np.ndarray, value: int) -> np.ndarray:
    x = np.zeros((rows.size, 128), dtype=int)
    x[np.arange(rows.size), rows] = value
    return x


def test_membrane_noise_std() -> None:
    # y = floor(s + n): std = sqrt(sigma^2 + 1/12) for a fractional s. 300 reps x 256 columns:
    # the pooled std has a relative standard error of 1/sqrt(2*76800) = 0.26 %; allow 3 %.
    chip = ChipInstance(one_effect(enable_membrane_noise=True, membrane_noise_lsb=3.0), 1, 2)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 32, 128)
    w = rng.integers(-20, 21, (128, 256))
    y = chip.vmm(np.tile(x, (300, 1)), w).astype(float)
    pooled = math.sqrt(y.var(axis=0).mean())
    assert abs(pooled / math.sqrt(9 + 1 / 12) - 1) < 0.03
    # No bias: E[floor(s + n)] - floor(s) = frac(s) - 1/2, which averages to 0 over columns
    # (256 fractional parts: standard error 0.29/16 = 0.018; allow 0.1).
    err = y.mean(axis=0) - ideal_vmm(x, w)
    assert abs(err.mean()) < 0.1


def test_read_noise_enters_both_reads() -> None:
    # Baseline and result reads each get sigma_r: std(y) = sqrt(2 sigma_r^2 + 1/6) (two floors).
    chip = ChipInstance(one_effect(enable_read_noise=True, read_noise_lsb=3.0), 1, 2)
    w = np.zeros((128, 256), dtype=int)
    y = chip.vmm(np.zeros((300, 128), dtype=int), w).astype(float)
    pooled = math.sqrt(y.var(axis=0).mean())
    assert abs(pooled / math.sqrt(18 + 1 / 6) - 1) < 0.03


def test_drift_grows_with_time_between_reads() -> None:
    p = one_effect(enable_drift=True, drift_lsb_per_sqrt_us=1.0)
    w = np.zeros((128, 256), dtype=int)
    x = np.zeros((300, 128), dtype=int)
    stds = []
    for settle in (0, 5000):
        t = Timing(settle_cycles=settle)
        dt_us = (t.conversion_cycles + settle) * CYCLE_US
        y = ChipInstance(p, 1, 2).vmm(x, w, t).astype(float)
        pooled = math.sqrt(y.var(axis=0).mean())
        assert abs(pooled / math.sqrt(dt_us + 1 / 12) - 1) < 0.03
        stds.append(pooled)
    assert stds[1] > 2 * stds[0]


def test_gain_scales_outputs() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 32, (4, 128))
    w = rng.integers(-30, 31, (128, 256))
    y1 = ChipInstance(ChipParams.ideal(gain=0.001)).vmm(x, w).astype(float)
    y2 = ChipInstance(ChipParams.ideal(gain=0.002)).vmm(x, w).astype(float)
    lin = (y2 > -120) & (y2 < 120)
    # floor() costs < 1 LSB on each: 2*y1 and y2 differ by less than 2 LSB.
    assert np.all(np.abs(2 * y1[lin] - y2[lin]) <= 2)
    assert np.abs(y2).mean() > 1.9 * np.abs(y1).mean()


def test_column_gain_mismatch() -> None:
    chip = ChipInstance(one_effect(enable_column_gain_mismatch=True), 4, 5)
    x = np.full((1, 128), 15)
    w = np.full((128, 256), 16)
    ideal = 0.002 * 128 * 15 * 16  # 61.44 LSB
    y = chip.vmm(x, w)[0].astype(float)
    truth = chip.pattern.column_gain
    # Each column: floor(ideal * (1 + g_j)), so the error is within [-1, 0] LSB.
    assert np.all(np.abs(y + 0.5 - ideal * (1 + truth)) <= 0.5 + 1e-9)
    # And the spread matches the parameter: std of 256 draws has 4.4 % standard error; allow 15 %.
    assert abs((y / ideal).std() / 0.05 - 1) < 0.15


def test_synapse_mismatch() -> None:
    chip = ChipInstance(one_effect(enable_synapse_mismatch=True), 6, 7)
    t = Timing(num_sends=16)
    x = one_hot_rows(np.array([0]), 31)
    w = np.zeros((128, 256), dtype=int)
    w[0, :128], w[0, 128:] = 63, -63
    ideal = 0.002 * 16 * 31 * 63  # 62.5 LSB
    y = chip.vmm(x, w, t)[0].astype(float)
    exc = ideal * (1 + chip.pattern.synapse_exc[0, :128])
    inh = -ideal * (1 + chip.pattern.synapse_inh[0, 128:])
    assert np.all(np.abs(y[:128] + 0.5 - exc) <= 0.5 + 1e-6)
    assert np.all(np.abs(y[128:] + 0.5 - inh) <= 0.5 + 1e-6)
    rel = np.concatenate([y[:128] / ideal, -y[128:] / ideal])
    # 2 % std (+ 0.46 % from the floor) over 256 synapses: standard error 4.4 %; allow 20 %.
    assert abs(rel.std() / math.hypot(0.02, 1 / ideal / math.sqrt(12)) - 1) < 0.2


def test_driver_mismatch_and_dac_offsets() -> None:
    p = one_effect(enable_driver_mismatch=True, enable_dac_offsets=True)
    chip = ChipInstance(p, 8, 9)
    t = Timing(num_sends=16)
    w = np.full((128, 256), 63)
    x = one_hot_rows(np.arange(128), 10)
    y = chip.vmm(x, w, t).astype(float).mean(axis=1)  # one driver per VMM
    fp = chip.pattern
    expected = 0.002 * 16 * 63 * (10 + fp.driver_offset_x) * (1 + fp.driver_gain)
    assert np.all(np.abs(y + 0.5 - expected) <= 0.5 + 1e-6)
    # Raising a driver's DAC offset from 32 to 63 lengthens its pulse by 31 * 0.1 input units.
    dac = np.full(128, 32)
    dac[5] = 63
    y2 = chip.vmm(x[5], w, t, dac_offsets=dac).astype(float).mean()
    gain5 = 0.002 * 16 * 63 * (1 + fp.driver_gain[5])
    assert abs((y2 - y[5]) - gain5 * 3.1) < 1.0


def test_baseline_spread_and_adc_offsets() -> None:
    for flag, mean, std in (("enable_baseline_spread", 128.0, 5.0),
                            ("enable_adc_offsets", 128.0, 1.0)):
        chip = ChipInstance(one_effect(**{flag: True}), 10, 11)
        x = np.random.default_rng(1).integers(0, 32, (8, 128))
        w = np.random.default_rng(2).integers(-20, 21, (128, 256))
        cb, _, y = chip.vmm_detail(x, w)
        # 256 columns: the code mean has standard error std/16, the std 4.4 %; floor biases -0.5.
        assert abs(cb[0].mean() - (mean - 0.5)) < 4 * std / 16 + 0.1
        assert abs(cb[0].astype(float).std() / math.hypot(std, 0.29) - 1) < 0.2
        # Both reads shift together: the difference stays within one floor step of the ideal.
        assert np.all(np.abs(y.astype(int) - ideal_vmm(x, w)) <= 1)


def test_adc_compression_outside_reliable_range() -> None:
    chip = ChipInstance(one_effect(enable_adc_compression=True, baseline_mean_lsb=120.0))
    x = np.full((1, 128), 1)
    levels = np.arange(0, 64)
    w = np.zeros((128, 256), dtype=int)
    w[:, :64] = levels  # signal 0.256 * level LSB, times sends below
    t = Timing(num_sends=8)
    y = chip.vmm(x, w, t)[0, :64].astype(int)
    golden = ideal_vmm(x, w, 0.002, 8)[0, :64].astype(int)
    inside = 120 + golden <= 210
    assert np.array_equal(y[inside], golden[inside])  # linear inside 30..210
    assert np.all(y[~inside] <= golden[~inside])  # compressed beyond
    assert np.all(y[golden >= 100] <= golden[golden >= 100] - 2)
    assert np.all(np.diff(y) >= 0)  # and still monotonic
    assert y.max() < 255 - 120  # never reaches the rail


def test_column_offsets_and_leak() -> None:
    p = one_effect(enable_column_offsets=True, enable_leak=True, leak_std_lsb_per_us=0.5)
    chip = ChipInstance(p, 12, 13)
    fp = chip.pattern
    x = np.zeros((1, 128), dtype=int)
    w = np.zeros((128, 256), dtype=int)
    for settle in (0, 2500):
        t = Timing(settle_cycles=settle)
        dt_us = (t.conversion_cycles + settle) * CYCLE_US
        y = chip.vmm(x, w, t)[0].astype(float)
        expected = fp.column_offset_lsb + fp.leak_lsb_per_us * dt_us
        assert np.all(np.abs(y + 0.5 - expected) <= 0.5 + 1e-6)
    assert abs(fp.column_offset_lsb.std() / 2.0 - 1) < 0.2


def test_order_effect_weakens_earlier_events() -> None:
    chip = ChipInstance(one_effect(enable_order_effect=True, order_tau_us=200.0))
    t = Timing(num_sends=16)
    w = np.zeros((128, 256), dtype=int)
    w[0] = 63
    alone = np.zeros((1, 128), dtype=int)
    alone[0, 0] = 31
    crowded = np.ones((1, 128), dtype=int)  # 127 more events follow row 0's in every send
    crowded[0, 0] = 31
    y_alone = chip.vmm(alone, w, t)[0].astype(float)
    y_crowded = chip.vmm(crowded, w, t)[0].astype(float)
    rate = CYCLE_US / 200.0

    def expected(n_rows: int) -> float:
        # Row 0 is first in each of 16 sends; events after it: the rest of its send and all later.
        total = 0.0
        for s in range(16):
            dt = (n_rows * 16 - s * n_rows) * 5 + 125
            total += 31 * (1 - dt * rate)
        return math.floor(0.002 * total * 63)

    assert np.all(y_alone == expected(1))
    assert np.all(y_crowded == expected(128))
    assert expected(128) < expected(1) <= math.floor(0.002 * 16 * 31 * 63)
