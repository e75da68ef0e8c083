"""The model's two entry points: ideal == golden, event level == fast path, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm, vmm_timing, weights_to_physical
from hxsim.golden import post

timings = st.builds(
    Timing,
    reset_cycles=st.integers(0, 600), settle_cycles=st.integers(0, 300),
    event_wait=st.integers(1, 8), num_sends=st.integers(1, 4),
    adc_reset_wait=st.integers(0, 120), adc_step=st.integers(1, 3),
    adc_dead_time=st.integers(0, 30))


def random_stimulus(seed: int, batch: int, density: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 32, (batch, 128))
    x[rng.random((batch, 128)) > density] = 0
    # Mix weight styles: uniform, all +-63 (saturating), and small.
    style = seed % 3
    if style == 0:
        w = rng.integers(-63, 64, (128, 256))
    elif style == 1:
        w = rng.choice([-63, 63], (128, 256))
    else:
        w = rng.integers(-8, 9, (128, 256))
    return x, w


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0), timings,
       st.sampled_from([0.002, 0.0018, 0.0012, 0.004]))
def test_ideal_model_equals_golden(seed: int, density: float, timing: Timing, gain: float) -> None:
    x, w = random_stimulus(seed, 16, density)
    chip = ChipInstance(ChipParams.ideal(gain=gain), fixed_seed=seed, noise_seed=seed + 1)
    assert np.array_equal(chip.vmm(x, w, timing), ideal_vmm(x, w, gain, timing.num_sends))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.integers(1, 600), st.integers(1, 3))
def test_ideal_matmul_any_size_equals_golden(seed: int, k: int, n: int, sends: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 32, (3, k))
    w = rng.integers(-63, 64, (k, n))
    chip = ChipInstance(ChipParams.ideal())
    got = chip.matmul(x, w, Timing(num_sends=sends))
    assert np.array_equal(got, ideal_vmm(x, w, 0.002, sends))


def run_event_level(chip: ChipInstance, x: np.ndarray, w: np.ndarray, timing: Timing,
                    dac: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
    """Drive the event-level API the way the RTL does, VMM after VMM."""
    session = chip.event_session(weights_to_physical(w), dac)
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


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0), timings, st.booleans())
def test_event_level_equals_fast_path(seed: int, density: float, timing: Timing,
                                      ideal: bool) -> None:
    params = ChipParams.ideal() if ideal else ChipParams()
    x, w = random_stimulus(seed, 6, density)
    rng = np.random.default_rng(seed ^ 0x5A5A)
    dac = rng.integers(0, 64, 128)
    offsets = rng.integers(-128, 128, 256)
    fast = ChipInstance(params, seed, seed + 7).vmm_detail(x, w, timing, dac, offsets)
    event = run_event_level(ChipInstance(params, seed, seed + 7), x, w, timing, dac, offsets)
    for f, e in zip(fast, event, strict=True):
        assert np.array_equal(f.astype(int), e.astype(int))


def test_batched_equals_one_by_one() -> None:
    """Exact fixed-point sums: the batch size (and so the BLAS kernel) changes nothing."""
    x, w = random_stimulus(11, 64, 0.7)
    batched = ChipInstance(ChipParams(), 3, 4).vmm(x, w)
    chip = ChipInstance(ChipParams(), 3, 4)
    single = np.array([chip.vmm(xb, w) for xb in x])
    assert np.array_equal(batched, single)


def test_same_seeds_same_results_and_seeds_reported() -> None:
    x, w = random_stimulus(5, 32, 0.8)
    a = ChipInstance(ChipParams(), fixed_seed=10, noise_seed=20)
    b = ChipInstance(ChipParams(), fixed_seed=10, noise_seed=20)
    assert np.array_equal(a.vmm(x, w), b.vmm(x, w))
    assert "fixed_seed=10" in repr(a) and "noise_seed=20" in repr(a)
    # Another noise seed: same fixed pattern, different trial noise.
    c = ChipInstance(ChipParams(), fixed_seed=10, noise_seed=21)
    assert np.array_equal(c.pattern.baseline_lsb, a.pattern.baseline_lsb)
    assert not np.array_equal(c.vmm(x, w), a.vmm(x, w))
    # Another fixed seed: another fixed pattern.
    d = ChipInstance(ChipParams(), fixed_seed=11, noise_seed=20)
    assert not np.array_equal(d.pattern.column_gain, a.pattern.column_gain)


def test_reseed_noise_replays() -> None:
    x, w = random_stimulus(6, 8, 0.5)
    chip = ChipInstance(ChipParams(), 1, 2)
    first = chip.vmm(x, w)
    second = chip.vmm(x, w)
    assert not np.array_equal(first, second)
    chip.reseed_noise()
    assert np.array_equal(chip.vmm(x, w), first)


def test_switching_one_effect_keeps_other_draws() -> None:
    on = ChipInstance(ChipParams(), 9, 9).pattern
    off = ChipInstance(ChipParams(enable_synapse_mismatch=False), 9, 9).pattern
    assert not off.synapse_exc.any()
    assert np.array_equal(on.column_gain, off.column_gain)
    assert np.array_equal(on.baseline_lsb, off.baseline_lsb)


def test_single_vector_shape() -> None:
    x, w = random_stimulus(1, 1, 1.0)
    y = ChipInstance(ChipParams.ideal()).vmm(x[0], w)
    assert y.shape == (256,) and y.dtype == np.int8


@pytest.mark.parametrize("sends", [1, 2])
def test_event_session_ignores_events_after_conversion(sends: int) -> None:
    """Events stamped after a conversion start only count at the next conversion."""
    x, w = random_stimulus(2, 1, 1.0)
    chip = ChipInstance(ChipParams.ideal())
    t = Timing(num_sends=sends)
    vt = vmm_timing(t, x[0])
    s = chip.event_session(weights_to_physical(w))
    s.reset(0)
    s.apply_events(vt.event_cycles, vt.event_drivers, vt.event_codes)
    early = s.convert(vt.phase_start["baseline"])  # before any event: nothing integrated
    assert np.all(early == 128)
    late = s.convert(vt.phase_start["result"])
    assert np.array_equal(late.astype(int) - 128, ideal_vmm(x[0], w, 0.002, sends))


def test_noise_state_carries_the_stream_across_instances() -> None:
    """Splitting a VMM sequence over two instances (two processes) with the state handed over
    draws the same noise as one instance."""
    x, w = random_stimulus(8, 6, 0.6)
    whole = ChipInstance(ChipParams(), 4, 5).vmm(x, w)
    first = ChipInstance(ChipParams(), 4, 5)
    part1 = first.vmm(x[:3], w)
    second = ChipInstance(ChipParams(), 4, 5)
    second.noise_state = first.noise_state
    assert np.array_equal(np.concatenate([part1, second.vmm(x[3:], w)]), whole)
    with pytest.raises(ValueError, match="^noise_state"):
        second.noise_state = {"bit_generator": "MT19937"}
