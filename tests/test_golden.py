"""Golden reference: values against an independent loop implementation, timing against hand
counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hxsim.golden import (
    GOLDEN_BASELINE,
    ideal_codes,
    ideal_vmm,
    post,
    vmm_timing,
    vmm_total_cycles,
)
from hxsim.timing import Timing


def loop_reference(x: np.ndarray, w: np.ndarray, gain: float, sends: int) -> list[int]:
    """hxtorch's mock formula with noise 0, written with plain Python integers and loops."""
    out = []
    for j in range(w.shape[1]):
        total = 0
        for r0 in range(0, w.shape[0], 128):
            acc = sum(int(x[i]) * int(w[i, j]) for i in range(r0, min(r0 + 128, w.shape[0])))
            local = math.floor(gain * float(sends * acc))
            total += min(max(local, -128), 127)
        out.append(min(max(total, -128), 127))
    return out


def test_hand_example() -> None:
    # 31 * 63 * 3 rows = 5859 units -> 11.718 LSB at gain 0.002 -> floor 11.
    x = np.zeros(128, dtype=int)
    x[:3] = 31
    w = np.zeros((128, 256), dtype=int)
    w[:3, 0] = 63
    w[:3, 1] = -63
    y = ideal_vmm(x, w)
    assert y[0] == 11 and y[1] == -12 and not y[2:].any()


def test_saturation_both_ways() -> None:
    x = np.full(128, 31)
    w = np.zeros((128, 2), dtype=int)
    w[:, 0], w[:, 1] = 63, -63
    assert list(ideal_vmm(x, w)) == [127, -128]


def test_tiles_saturate_separately_then_add() -> None:
    # Two 128-row tiles: the first alone saturates at 127 (its analog sum is 246 LSB), the second
    # gives floor(-81.3) = -82; the digital sum is 45, where an untiled sum would saturate at 127.
    x = np.full(256, 31)
    w = np.zeros((256, 1), dtype=int)
    w[:128, 0] = 63
    w[128:, 0] = 0
    w[128:128 + 41, 0] = -32
    second = math.floor(0.002 * (31 * -32 * 41))
    assert second == -82
    assert ideal_vmm(x, w)[0] == 127 + second == 45


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31),
       st.sampled_from([0.002, 0.0018, 0.0015, 0.0012, 0.01]))
def test_matches_loop_reference(k: int, n: int, sends: int, seed: int, gain: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 32, k)
    w = rng.integers(-63, 64, (k, n))
    assert ideal_vmm(x, w, gain, sends).tolist() == loop_reference(x, w, gain, sends)


def test_timing_hand_count() -> None:
    t = Timing(reset_cycles=10, settle_cycles=7, event_wait=3, num_sends=2, adc_reset_wait=4,
               adc_step=2, adc_dead_time=5)
    x = np.zeros(128, dtype=int)
    x[[5, 9, 100]] = [1, 31, 16]
    vt = vmm_timing(t, x)
    conv = 4 + 256 * 2 + 5
    assert vt.phase_start == {"reset": 0, "baseline": 10, "events": 10 + conv,
                              "settle": 10 + conv + 18, "result": 10 + conv + 18 + 7,
                              "post": 10 + 2 * conv + 18 + 7}
    assert vt.total_cycles == 10 + 2 * conv + 6 * 3 + 7 + 1
    start = 10 + conv
    assert vt.event_cycles.tolist() == [start + 3 * k for k in range(6)]
    assert vt.event_drivers.tolist() == [5, 9, 100, 5, 9, 100]
    assert vt.event_codes.tolist() == [31, 1, 16, 31, 1, 16]
    assert vmm_total_cycles(t, np.stack([x, np.zeros(128, dtype=int)])).tolist() == [
        vt.total_cycles, vt.total_cycles - 18]


def test_zero_input_sends_no_event() -> None:
    vt = vmm_timing(Timing(), np.zeros(128, dtype=int))
    assert vt.num_events == 0 and vt.phase_length["events"] == 0


@pytest.mark.parametrize("bad", [np.full(128, 32), np.full(128, -1), np.full(127, 1),
                                 np.full(128, 1.5), np.full(128, np.nan)])
def test_timing_bad_input(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="x"):
        vmm_timing(Timing(), bad)


def test_post_saturates_and_adds_offsets() -> None:
    """POST: y = sat_int8(result - baseline + offset), per column (docs/interfaces.md 2)."""
    r = np.array([255, 0, 200, 128, 128, 10], dtype=np.uint8)
    b = np.array([0, 255, 100, 128, 128, 20], dtype=np.uint8)
    off = np.array([0, 0, -50, 127, -128, 3], dtype=np.int8)
    np.testing.assert_array_equal(post(r, b, off), [127, -128, 50, 127, -128, -7])
    assert post(r, b).dtype == np.int8
    np.testing.assert_array_equal(post(r, b), [127, -128, 100, 0, 0, -10])
    # int64 inputs are checked and give the same; the baseline broadcasts over a batch.
    np.testing.assert_array_equal(post(r.astype(np.int64), b.astype(np.int64),
                                       off.astype(np.int64)), post(r, b, off))
    batch = np.stack([r, r[::-1]])
    np.testing.assert_array_equal(post(batch, b)[1], post(r[::-1], b))
    with pytest.raises(ValueError, match="result_codes"):
        post(np.array([256]), np.array([0]))
    with pytest.raises(ValueError, match="baseline_codes"):
        post(np.array([0]), np.array([-1]))
    with pytest.raises(ValueError, match="column_offsets"):
        post(r, b, np.full(6, 128))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9))
def test_ideal_codes_are_golden_values_around_128(seed: int, sends: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 32, (3, 128))
    w = rng.integers(-63, 64, (128, 256))
    off = rng.integers(-128, 128, 256)
    b, r, y = ideal_codes(x, w, sends, off)
    g = ideal_vmm(x, w, 0.002, sends).astype(np.int64)
    assert np.all(b == GOLDEN_BASELINE) and b.shape == (3, 256)
    np.testing.assert_array_equal(r, g + GOLDEN_BASELINE)
    np.testing.assert_array_equal(y, np.clip(g + off, -128, 127))
    np.testing.assert_array_equal(ideal_codes(x, w, sends)[2], g)
    b1, r1, y1 = ideal_codes(x[0], w, sends, off, gain=0.002)
    assert b1.shape == r1.shape == y1.shape == (256,)
    np.testing.assert_array_equal(y1, y[0])
