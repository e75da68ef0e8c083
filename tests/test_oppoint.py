"""The analog operating point (issue 14): CapMem cells in the model, both paths, drift."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from test_model_paths import random_stimulus, run_event_level, timings

from hxsim import ChipInstance, ChipParams, Timing
from hxsim.capmem import CAPMEM_MAX, COLUMN_CELLS, QUADRANT_CELLS, CapMemConfig
from hxsim.device import GoldenDevice, ModelDevice
from hxsim.drift import compensation_study
from hxsim.sweep import MeasureSettings, measure_point


def test_default_capmem_is_bit_identical_to_the_model_without_it() -> None:
    """At the CapMem defaults (given explicitly) every code equals today's model's."""
    for seed in range(4):
        x, w = random_stimulus(seed, 80, 0.6)
        rng = np.random.default_rng(seed)
        dac, off = rng.integers(0, 64, 128), rng.integers(-20, 21, 256)
        t = Timing(num_sends=1 + seed % 3)
        today = ChipInstance(ChipParams(), seed, seed + 1).vmm_detail(x, w, t, dac, off)
        chip = ChipInstance(ChipParams(), seed, seed + 1)
        got = chip.program(w, dac, off, CapMemConfig.default()).vmm_detail(x, t)
        dev = ModelDevice(ChipInstance(ChipParams(), seed, seed + 1)).run_vmms(
            x, w, t, dac, off, capmem=CapMemConfig.default())
        for a, b, c in zip(today, got, (dev.baseline, dev.result, dev.y), strict=True):
            assert np.array_equal(a, b)
            assert np.array_equal(a.astype(np.int64), c)


def random_capmem(rng: np.random.Generator) -> CapMemConfig:
    q = {k: rng.integers(0, CAPMEM_MAX + 1, 2) for k in QUADRANT_CELLS}
    c = {k: rng.integers(0, CAPMEM_MAX + 1, 256) for k in COLUMN_CELLS}
    return CapMemConfig(q, c)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0), timings, st.booleans(), st.booleans())
def test_event_level_equals_fast_path_for_any_capmem(seed: int, density: float, timing: Timing,
                                                     ideal: bool, drift: bool) -> None:
    params = (ChipParams.ideal() if ideal else ChipParams()).with_(enable_temporal_drift=drift)
    x, w = random_stimulus(seed, 5, density)
    rng = np.random.default_rng(seed ^ 0x1414)
    dac, offsets = rng.integers(0, 64, 128), rng.integers(-128, 128, 256)
    cfg = random_capmem(rng)
    fast = ChipInstance(params, seed, seed + 7).program(w, dac, offsets, cfg).vmm_detail(x, timing)
    chip = ChipInstance(params, seed, seed + 7)
    session = chip.event_session(np.zeros((256, 256), dtype=np.int64), dac)
    session.set_capmem(cfg)  # as the co-simulation bridge passes the RTL's cells
    from hxsim import weights_to_physical
    session.set_weights(weights_to_physical(w))
    event = run_event_level_session(session, x, timing, offsets)
    for f, e in zip(fast, event, strict=True):
        assert np.array_equal(f.astype(int), e.astype(int))


def run_event_level_session(session, x, timing, offsets):
    from hxsim import vmm_timing
    from hxsim.golden import post
    cb, cr, ys = [], [], []
    for xb in x:
        vt = vmm_timing(timing, xb)
        session.reset(0)
        b = session.convert(vt.phase_start["baseline"])
        session.apply_events(vt.event_cycles, vt.event_drivers, vt.event_codes)
        r = session.convert(vt.phase_start["result"])
        cb.append(b)
        cr.append(r)
        ys.append(post(r, b, offsets))
    return np.array(cb), np.array(cr), np.array(ys)


def test_event_path_at_default_capmem_unchanged() -> None:
    x, w = random_stimulus(5, 4, 0.5)
    a = run_event_level(ChipInstance(ChipParams(), 5, 6), x, w, Timing(), None, None)
    chip = ChipInstance(ChipParams(), 5, 6)
    s = chip.event_session(__import__("hxsim").weights_to_physical(w), None,
                           CapMemConfig.default())
    b = run_event_level_session(s, x, Timing(), None)
    for u, v in zip(a, b, strict=True):
        assert np.array_equal(u, v)


def test_program_caches_capmem_terms_and_tile_matches() -> None:
    chip = ChipInstance(ChipParams(), 1, 2)
    w = np.ones((128, 256), dtype=np.int64)
    cfg = CapMemConfig.default().with_(syn_i_bias_dac=900)
    t1 = chip.program(w, None, None, cfg)
    t2 = chip.program(w, None, None, cfg.with_())
    assert t1._op is t2._op and t2._pts is t1._pts
    assert t2.matches(w, None, None, cfg) and not t2.matches(w)
    assert chip.program(w).capmem is None
    with pytest.raises(ValueError, match="capmem"):
        chip.program(w, None, None, {"syn_i_bias_dac": 3})  # type: ignore[arg-type]
    GoldenDevice().run_vmms(np.zeros((1, 128), int), w, capmem=cfg)  # accepted, no effect
    with pytest.raises(ValueError, match="capmem"):
        GoldenDevice().run_vmms(np.zeros((1, 128), int), w, capmem=3)  # type: ignore[arg-type]


# ---- every cell moves its quantity in the documented direction and magnitude ---------------
_FAST = MeasureSettings(gain_repetitions=2, inl_repetitions=3, noise_repetitions=24,
                        offset_repetitions=16, drift_repetitions=24, random_vectors=16)
#: cell, value, quantity, expected ratio to the default point, relative tolerance
#: (hxsim.oppoint's curves; the tolerance covers the cells' mismatch, 5 % of the exponent, and
#: the measurement's noise)
CASES = [
    ("syn_i_bias_dac", 1000, "gain", 1000 / 800, 0.05),
    ("syn_i_bias_dac", 400, "gain", 400 / 800, 0.06),
    ("i_bias_synin_gm", 600, "gain", (600 / 450) ** 0.7, 0.05),
    ("i_bias_synin_gm", 150, "saturation_lsb", None, None),  # decreases (below: < 0.8)
    ("stp_i_ramp", 800, "gain", 600 / 800, 0.05),
    ("stp_i_ramp", 450, "gain", 600 / 450, 0.05),
    ("cadc_i_ramp_slope", 700, "range_codes", 350 / 700, 0.05),
    ("cadc_i_ramp_slope", 700, "gain", 350 / 700, 0.06),
    ("i_bias_leak", 300, "gain", None, None),  # tau 20 us: 20 / 22.56 = 0.887
]


@pytest.mark.parametrize("cell,value,quantity,ratio,tol", CASES)
def test_cell_moves_its_quantity(cell: str, value: int, quantity: str, ratio: float | None,
                                 tol: float | None) -> None:
    dev = ModelDevice(ChipInstance(ChipParams(), 3, 4))
    base = measure_point(dev, None, _FAST)
    moved = measure_point(dev, CapMemConfig.default().with_(**{cell: value}), _FAST)
    got = moved[quantity] / base[quantity]
    if ratio is not None:
        assert got == pytest.approx(ratio, rel=tol), (cell, value, quantity, got)
    elif cell == "i_bias_synin_gm":
        assert got < 0.8
    else:
        assert got == pytest.approx(20 / 22.56, rel=0.04)


def test_hagen_dac_bias_below_default_adds_non_linearity() -> None:
    dev = ModelDevice(ChipInstance(ChipParams(), 3, 4))
    base = measure_point(dev, None, _FAST)["inl_lsb"]
    low = measure_point(dev, CapMemConfig.default().with_(hagen_ibias_dac=200), _FAST)["inl_lsb"]
    # eta = 0.5 * (1 - 200/820) = 0.378: the weights-8 response k*x*(1 - eta*x/31), k = 8 * 128
    # * 0.002 = 2.05 LSB per input step, is a parabola; its largest deviation from the
    # least-squares line over 0..31 is k * eta * 31 / 6 = 4.0 LSB
    assert base < 1.0
    assert low == pytest.approx(2.05 * 0.378 * 31 / 6, rel=0.2)


def test_ramp_offset_moves_baseline_code() -> None:
    dev = ModelDevice(ChipInstance(ChipParams(), 3, 4))
    base = measure_point(dev, None, _FAST)["baseline_code"]
    up = measure_point(dev, CapMemConfig.default().with_(cadc_v_ramp_offset=460),
                       _FAST)["baseline_code"]
    assert up - base == pytest.approx(-60 * 200 / 480, abs=2.0)


def test_leak_bias_reduces_drift() -> None:
    dev = ModelDevice(ChipInstance(ChipParams(), 3, 4))
    base = measure_point(dev, None, _FAST)["drift_lsb_per_us"]
    leak = measure_point(dev, CapMemConfig.default().with_(i_bias_leak=400),
                         _FAST)["drift_lsb_per_us"]
    assert leak < 0.5 * base


# ---- temporal drift ----------------------------------------------------------------------------
def test_temporal_drift_off_by_default_and_reproducible() -> None:
    assert ChipInstance(ChipParams()).drift is None
    p = ChipParams(enable_temporal_drift=True, vmm_period_us=1e5)
    x, w = random_stimulus(2, 200, 0.5)
    a = ChipInstance(p, 1, 2).vmm(x, w)
    b = ChipInstance(p, 1, 2).vmm(x, w)
    c = ChipInstance(p, 1, 3).vmm(x, w)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    one = ChipInstance(p, 1, 2)
    assert np.array_equal(np.array([one.vmm(v, w) for v in x]), a)  # batch = one by one
    chip = ChipInstance(p, 1, 2)
    chip.vmm(x, w)
    assert chip.drift is not None and chip.drift.vmms == 200
    assert chip.drift.time_s == pytest.approx(20.0)


def test_drift_compensation_reduces_residual() -> None:
    r = compensation_study(ChipParams(), [None, 300, 30], n_vmms=1200)
    again = compensation_study(ChipParams(), [None, 300, 30], n_vmms=1200)
    assert r == again  # seeded
    never, slow, fast = r["residual_lsb"]
    assert fast < slow < never
    assert fast < 0.6 * never
