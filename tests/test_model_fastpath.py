"""The model's fast path with cached configuration terms and work arrays (issue #12) computes, for
every call sequence, bit for bit what the uncached computation does: the fast path as it was before
the caches (``Reference`` below, a frozen copy of that algorithm) and a fresh ``ChipInstance`` per
call (empty caches) with the noise position handed over. Sequences interleave new weight arrays,
in-place changes of the caller's arrays (weights, DAC offsets, column offsets), timing changes,
batch sizes around the chunk size, single vectors, programmed tiles and the model device."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hxsim import ChipInstance, ChipParams, FixedPattern, Timing
from hxsim.array import CHUNK_ROWS, DAC_OFFSET_NOMINAL, ProgrammedTile
from hxsim.device import ModelDevice
from hxsim.golden import post
from hxsim.noise import NORMAL_TABLE
from hxsim.timing import CLOCK_PERIOD_NS

Codes = tuple[np.ndarray, np.ndarray, np.ndarray]

PARAMS = {
    "default": ChipParams(),
    "ideal": ChipParams.ideal(),
    "no_compression": ChipParams(enable_adc_compression=False),
    "no_order": ChipParams(enable_order_effect=False),
    "quiet": ChipParams(enable_read_noise=False, enable_membrane_noise=False,
                        enable_drift=False, enable_leak=False),
    "narrow_adc": ChipParams(adc_linear_lo_lsb=100.0, adc_linear_hi_lsb=140.0),
    "fast_decay": ChipParams(order_tau_us=3.0, drift_lsb_per_sqrt_us=2.0),
    "odd_noise": ChipParams(read_noise_lsb=0.7, membrane_noise_lsb=1.3),  # not powers of 2
}


class Reference:
    """The fast path before issue #12, computing every term on every call (a frozen copy of
    ``ChipInstance.vmm_detail`` and its helpers at that time); its own noise stream from the same
    seed."""

    def __init__(self, params: ChipParams, fixed_seed: int, noise_seed: int) -> None:
        self.p = p = params
        self.fp = fp = FixedPattern.draw(params, fixed_seed)
        self.rng = np.random.Generator(np.random.PCG64(noise_seed))
        cycle_us = CLOCK_PERIOD_NS * 1e-3
        self.cycle_us = cycle_us
        self.baseline_int = np.floor(fp.baseline_lsb)
        self.static = (fp.baseline_lsb - self.baseline_int) + fp.adc_offset_lsb
        self.col_scale = (p.gain * (1.0 / (4096.0 * 4096.0))) * (1.0 + fp.column_gain)
        self.static_result = self.static + fp.column_offset_lsb
        self.table_baseline = NORMAL_TABLE * self.sigma(None)
        if p.enable_adc_compression:
            self.static = self.static + self.baseline_int
            self.static_result = self.static_result + self.baseline_int
        noise_max = float(np.abs(self.table_baseline).max()) + 1e-6
        self.baseline_linear = (float(self.static.min()) - noise_max > p.adc_linear_lo_lsb
                                and float(self.static.max()) + noise_max < p.adc_linear_hi_lsb)
        self.order_rate = cycle_us / p.order_tau_us if p.enable_order_effect else 0.0
        self.dac_step = p.dac_offset_step_x if p.enable_dac_offsets else 0.0

    def sigma(self, dt: np.ndarray | None) -> np.ndarray:
        p = self.p
        read = p.read_noise_lsb if p.enable_read_noise else 0.0
        if dt is None:
            return np.asarray(read, dtype=np.float64)
        mem = p.membrane_noise_lsb if p.enable_membrane_noise else 0.0
        drift = p.drift_lsb_per_sqrt_us if p.enable_drift else 0.0
        return np.sqrt((mem * mem + read * read) + (drift * drift) * (dt * self.cycle_us))

    def adc(self, v: np.ndarray, within_linear: bool) -> np.ndarray:
        p = self.p
        if p.enable_adc_compression and not within_linear:
            lo, hi = p.adc_linear_lo_lsb, p.adc_linear_hi_lsb
            if v.max(initial=-np.inf) > hi:
                m = v > hi
                d = v[m] - hi
                v[m] = hi + d * (255.0 - hi) / ((255.0 - hi) + d)
            if v.min(initial=np.inf) < lo:
                m = v < lo
                d = lo - v[m]
                v[m] = lo - d * lo / (lo + d)
        elif not p.enable_adc_compression:
            np.floor(v, out=v)
            v += self.baseline_int
        out = np.empty(v.shape, dtype=np.uint8)
        np.clip(v, 0.0, 255.0, out=out, casting="unsafe")
        return out

    def conversion(self, signal: np.ndarray | None, dt: np.ndarray | None,
                   u: np.ndarray | None) -> np.ndarray:
        if u is not None:
            if dt is None:
                r = np.take(self.table_baseline, u)
            else:
                r = np.take(NORMAL_TABLE, u)
                r *= self.sigma(dt)
            if signal is not None:
                r += signal
        elif signal is None:
            r = np.zeros(((1 if dt is None else dt.shape[0]), 256))
        else:
            r = signal
        r += self.static if dt is None else self.static_result
        if dt is not None and self.p.enable_leak:
            r += np.multiply.outer((dt * self.cycle_us).reshape(-1), self.fp.leak_lsb_per_us)
        return self.adc(r, within_linear=signal is None and self.baseline_linear)

    def vmm_detail(self, x: Any, w: Any, timing: Timing | None = None, dac: Any = None,
                   col: Any = None) -> Codes:
        t = timing if timing is not None else Timing()
        fp = self.fp
        xa = np.asarray(x, dtype=np.int64)
        single = xa.ndim == 1
        xb = xa[None, :] if single else xa
        wa = np.asarray(w, dtype=np.int64)
        inh, exc = np.maximum(-wa, 0), np.maximum(wa, 0)
        dac_a = (np.full(128, 32, dtype=np.int64) if dac is None
                 else np.asarray(dac, dtype=np.int64))
        off = np.zeros(256, dtype=np.int64) if col is None else np.asarray(col, dtype=np.int64)
        batch = xb.shape[0]
        xs = np.arange(32, dtype=np.float64)[:, None]
        shift = fp.driver_offset_x + self.dac_step * (dac_a - 32)
        table = np.maximum((xs + shift) * (1.0 + fp.driver_gain), 0.0)
        table[0] = 0.0
        pulses = np.take(table.ravel(), xb * 128 + np.arange(128))
        nnz = np.count_nonzero(xb, axis=1).reshape(-1, 1)
        n_ev = nnz * t.num_sends
        if self.order_rate == 0.0:
            drive = pulses
            for _ in range(1, t.num_sends):
                drive = drive + pulses
        else:
            ms = np.arange(128 * t.num_sends + 1)
            factor = np.maximum(1.0 - (ms * t.event_wait + t.settle_cycles) * self.order_rate,
                                0.0)
            m_first = n_ev - np.cumsum(xb > 0, axis=1, dtype=np.int64) + 1
            drive = pulses * np.take(factor, m_first)
            for s in range(1, t.num_sends):
                drive = drive + pulses * np.take(factor, m_first - s * nnz)
        w_fix = (np.rint(exc * (1.0 + fp.synapse_exc) * 4096.0)
                 - np.rint(inh * (1.0 + fp.synapse_inh) * 4096.0))
        a_fix = np.rint(drive * 4096.0)
        bound = float(a_fix.max(initial=0.0)) * float(np.abs(w_fix).sum(axis=0).max())
        if bound >= float(2**53):
            raise ValueError("ChipParams: mismatch parameters so large that the weighted sum "
                             "leaves float64's exact range")
        signal = a_fix @ w_fix
        signal *= self.col_scale
        dt_read = t.conversion_cycles + n_ev * t.event_wait + t.settle_cycles
        u_b = u_r = None
        if self.p.any_noise:
            count = batch * 512
            words = self.rng.bit_generator.random_raw((count + 3) // 4)
            u = words.astype("<u8", copy=False).view("<u2")[:count].reshape(batch, 2, 256)
            u_b, u_r = u[:, 0], u[:, 1]
        cb = self.conversion(None, None, u_b)
        if cb.shape[0] != batch:
            cb = np.repeat(cb, batch, axis=0)
        cr = self.conversion(signal, dt_read, u_r)
        y = post(cr, cb, off.astype(np.int8))
        if single:
            return cb[0], cr[0], y[0]
        return cb, cr, y


def fresh_detail(params: ChipParams, seeds: tuple[int, int], state: dict[str, Any], x: Any,
                 w: Any, timing: Timing | None, dac: Any, col: Any
                 ) -> tuple[Codes, dict[str, Any]]:
    """One call on a new ChipInstance (nothing cached) at noise position ``state``."""
    chip = ChipInstance(params, *seeds)
    chip.noise_state = state
    return chip.vmm_detail(x, w, timing, dac, col), chip.noise_state


def assert_same(got: Codes | np.ndarray, want: Codes | np.ndarray, what: str) -> None:
    g = got if isinstance(got, tuple) else (got,)
    e = want if isinstance(want, tuple) else (want,)
    for a, b, name in zip(g, e, ("baseline", "result", "y"), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{what}: {name} {a.dtype}{a.shape}"
        np.testing.assert_array_equal(a, b, err_msg=f"{what}: {name}")


TIMINGS = [Timing(), Timing(num_sends=3, event_wait=2), Timing(settle_cycles=0, event_wait=1),
           Timing(num_sends=2, adc_step=2, reset_cycles=0)]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(sorted(PARAMS)))
def test_call_sequences_equal_uncached(seed: int, params_name: str) -> None:
    """Random call sequences on one chip (caches warm) equal the pre-cache algorithm and a fresh
    chip per call, call by call, including the noise position after each call."""
    params = PARAMS[params_name]
    rng = np.random.default_rng(seed)
    seeds = (int(rng.integers(0, 1000)), int(rng.integers(0, 1000)))
    chip = ChipInstance(params, *seeds)
    ref = Reference(params, *seeds)
    w = rng.integers(-63, 64, (128, 256))
    dac = rng.integers(0, 64, 128)
    col = rng.integers(-128, 128, 256)
    tile: ProgrammedTile | None = None
    tile_args: tuple[np.ndarray, Any, Any] | None = None
    for step in range(10):
        change = rng.integers(0, 8)
        if change == 0:
            w = rng.integers(-63, 64, (128, 256))                       # a new array
        elif change == 1:
            w[rng.integers(0, 128), rng.integers(0, 256)] = rng.integers(-63, 64)  # in place
        elif change == 2:
            dac[rng.integers(0, 128)] = rng.integers(0, 64)            # in place
        elif change == 3:
            col[rng.integers(0, 256)] = rng.integers(-128, 128)        # in place
        elif change == 4:
            w = w.astype([np.int8, np.int32, np.float64][int(rng.integers(0, 3))])  # other dtype
        batch = int(rng.choice([0, 1, 2, CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS + 1, 150]))
        x = rng.integers(0, 32, (batch, 128)) * (rng.random((batch, 128)) < rng.random())
        if rng.random() < 0.2 and batch:
            x = x[0]                                                     # a single vector
        t = TIMINGS[int(rng.integers(0, len(TIMINGS)))]
        d = None if rng.random() < 0.3 else dac
        c = None if rng.random() < 0.3 else col
        state = chip.noise_state
        want = ref.vmm_detail(x, w, t, d, c)
        fresh, fresh_state = fresh_detail(params, seeds, state, x, w, t, d, c)
        how = rng.integers(0, 3)
        if how == 0:
            got = chip.vmm_detail(x, w, t, d, c)
        elif how == 1:
            got = want[:2] + (chip.vmm(x, w, t, d, c),)
        else:  # a programmed tile, kept across steps while its configuration is unchanged
            if tile is None or tile_args is None or not (
                    np.array_equal(tile_args[0], w)
                    and np.array_equal(tile_args[1] if tile_args[1] is not None else 32,
                                       d if d is not None else 32)
                    and np.array_equal(tile_args[2] if tile_args[2] is not None else 0,
                                       c if c is not None else 0)):
                tile = chip.program(w, d, c)
                tile_args = (w.copy(), None if d is None else d.copy(),
                             None if c is None else c.copy())
            got = tile.vmm_detail(x, t)
        what = f"seed {seed} {params_name} step {step} change {change} batch {batch} how {how}"
        assert_same(got, want, what)
        assert_same(fresh, want, what + " (fresh chip)")
        assert chip.noise_state == fresh_state, what


def test_tile_holds_copies_and_is_read_only() -> None:
    rng = np.random.default_rng(3)
    w, dac, col = rng.integers(-63, 64, (128, 256)), rng.integers(0, 64, 128), \
        rng.integers(-9, 9, 256)
    x = rng.integers(0, 32, (5, 128))
    chip = ChipInstance(ChipParams(), 7, 8)
    tile = chip.program(w, dac, col)
    before = chip.noise_state
    first = tile.vmm_detail(x)
    w[:] = 0  # the caller's arrays change; the programmed chip does not
    dac[:] = 0
    col[:] = 0
    chip.noise_state = before
    assert_same(tile.vmm_detail(x), first, "after the caller's change")
    for a in (tile.weights, tile.dac_offsets, tile.column_offsets):
        assert a.dtype == np.int64 and not a.flags.writeable
    # chip.vmm with the changed arrays sees the change
    chip.noise_state = before
    ref = Reference(ChipParams(), 7, 8)
    ref.rng.bit_generator.state = before
    assert_same(chip.vmm_detail(x, w, None, dac, col), ref.vmm_detail(x, w, None, dac, col),
                "changed arrays")
    assert tile.matches(tile.weights, tile.dac_offsets, tile.column_offsets)
    assert not tile.matches(w, dac, col)


def test_terms_are_shared_only_for_equal_contents() -> None:
    """Programming reuses exactly the terms whose inputs did not change."""
    rng = np.random.default_rng(4)
    w = rng.integers(-63, 64, (128, 256))
    dac = np.full(128, DAC_OFFSET_NOMINAL)
    chip = ChipInstance(ChipParams(), 1, 2)
    a = chip.program(w)
    b = chip.program(w.copy(), dac, None)  # same contents, default DAC given explicitly
    assert b._wt is a._wt and b._pt is a._pt
    dac2 = dac.copy()
    dac2[5] = 40
    c = chip.program(w, dac2)
    assert c._wt is a._wt and c._pt is not a._pt
    w2 = w.copy()
    w2[0, 0] = -w2[0, 0] + (1 if w2[0, 0] == 0 else 0)
    d = chip.program(w2, dac2, np.ones(256, dtype=int))
    assert d._wt is not c._wt and d._pt is c._pt
    assert not np.array_equal(d._wt.w_fix, c._wt.w_fix)
    # bool and NaN arrays never match a cached configuration: they are checked (and refused)
    with pytest.raises(ValueError, match="^w: .*dtype bool"):
        chip.vmm(np.zeros((1, 128), dtype=int), w2 != 0)
    nan_w = w2.astype(float)
    nan_w[3, 3] = np.nan
    with pytest.raises(ValueError, match="^w: contains NaN"):
        chip.vmm(np.zeros((1, 128), dtype=int), nan_w)


def test_errors_draw_no_noise_and_keep_the_cache() -> None:
    rng = np.random.default_rng(5)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (3, 128))
    chip = ChipInstance(ChipParams(), 2, 3)
    ref = Reference(ChipParams(), 2, 3)
    assert_same(chip.vmm_detail(x, w), ref.vmm_detail(x, w), "first")
    state = chip.noise_state
    bad_x = x.copy()
    bad_x[1, 7] = 32
    with pytest.raises(ValueError, match=r"^x: value 32 is outside the allowed range 0\.\.31"):
        chip.vmm(bad_x, w)
    with pytest.raises(ValueError, match=r"^x: value -1 is outside"):
        chip.vmm(np.minimum(x, 0) - 1, w)
    with pytest.raises(ValueError, match=r"^dac_offsets: value 64"):
        chip.vmm(x, w, dac_offsets=np.full(128, 64))
    with pytest.raises(ValueError, match=r"^x: value 32"):
        chip.program(w).vmm(bad_x)
    assert chip.noise_state == state
    assert_same(chip.vmm_detail(x, w), ref.vmm_detail(x, w), "after the errors")


def test_exact_range_check_before_any_draw() -> None:
    """Drives so large that the fixed-point sum could leave float64's exact range: refused (as
    before) without drawing noise; when only the conservative bound is exceeded but the actual
    inputs are small, the results are the uncached ones."""
    rng = np.random.default_rng(6)
    w = rng.integers(-63, 64, (128, 256))
    chip = ChipInstance(ChipParams(), 4, 5)
    ref = Reference(ChipParams(), 4, 5)
    huge = dataclasses.replace(chip.pattern, driver_gain=np.full(128, 1e4))
    chip.pattern = ref.fp = huge
    state = chip.noise_state
    x_big = np.full((2, 128), 31)
    with pytest.raises(ValueError, match="exact range"):
        ref.vmm_detail(x_big, w)
    with pytest.raises(ValueError, match="exact range"):
        chip.vmm_detail(x_big, w)
    assert chip.noise_state == state
    x_small = rng.integers(0, 2, (CHUNK_ROWS + 3, 128))
    tile = chip.program(w)
    assert tile._safe_sends == 0  # the conservative bound fails: checked exactly per call
    assert_same(tile.vmm_detail(x_small), ref.vmm_detail(x_small, w), "small inputs")


def test_model_device_reprograms_on_any_change() -> None:
    """ModelDevice keeps its programmed tile only while contents are equal (in-place changes of
    the caller's arrays included) and equals the uncached path batch by batch."""
    rng = np.random.default_rng(7)
    w = rng.integers(-63, 64, (128, 256))
    dac = rng.integers(20, 44, 128)
    col = rng.integers(-9, 9, 256)
    dev = ModelDevice(ChipInstance(ChipParams(), 8, 9))
    ref = Reference(ChipParams(), 8, 9)
    t = Timing(num_sends=2)
    for k in range(6):
        x = rng.integers(0, 32, (int(rng.integers(1, 90)), 128))
        if k == 2:
            w[4, 4] = -w[4, 4] + (1 if w[4, 4] == 0 else 0)
        if k == 3:
            dac[0] = 63 - dac[0]
        if k == 4:
            col[9] += 1
        got = dev.run_vmms(x, w, t, dac, col)
        want = ref.vmm_detail(x, w, t, dac, col)
        assert_same((got.baseline, got.result, got.y),
                    (want[0].astype(np.int64), want[1].astype(np.int64), want[2].astype(np.int64)),
                    f"batch {k}")
    assert dev.vmms > 0
    with pytest.raises(ValueError, match=r"^x: expected 2 dimensions"):
        dev.run_vmms(np.zeros(128, dtype=int), w, t, dac, col)
    with pytest.raises(ValueError, match=r"^x: expected 128 inputs per vector"):
        dev.run_vmms(np.zeros((2, 127), dtype=int), w, t, dac, col)
    with pytest.raises(ValueError, match=r"^timing: expected hxsim.Timing"):
        dev.run_vmms(np.zeros((2, 128), dtype=int), w, {"num_sends": 1},  # type: ignore[arg-type]
                     dac, col)


@pytest.mark.parametrize("batch", [64, 4096])
def test_work_arrays_are_reused(batch: int) -> None:
    """After the first call, a call allocates (numpy, traced) little beyond its results: per
    chunk the raw noise words, POST's int16 difference and numpy's casting buffers, nothing that
    grows with the batch (a float64 [4096, 256] intermediate alone is 8 MiB) and no weight
    terms, so its speed does not depend on the heap's history."""
    rng = np.random.default_rng(9)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (batch, 128))
    chip = ChipInstance(ChipParams(), 1, 2)
    tile = chip.program(w)
    tile.vmm_detail(x)
    chip.vmm(x, w)
    tracemalloc.start()
    try:
        for call in (lambda: tile.vmm(x), lambda: chip.vmm(x, w), lambda: tile.vmm_detail(x)):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            call()
            peak = tracemalloc.get_traced_memory()[1] - base
            results = 3 * batch * 256  # baseline and result codes, y (one byte each)
            assert peak - results < 512 * 1024, peak
    finally:
        tracemalloc.stop()



@pytest.mark.parametrize("params_name", ["odd_noise", "odd_noise_narrow_adc"])
def test_voltages_bit_identical(params_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The membrane voltages handed to the CADC, not only the codes, are bit for bit those of
    the uncached computation (a code shows a last-bit difference only when the voltage lies
    within that bit of an integer, so codes alone would rarely catch one)."""
    params = {"odd_noise": PARAMS["odd_noise"],
              "odd_noise_narrow_adc": dataclasses.replace(PARAMS["odd_noise"],
                                                          adc_linear_lo_lsb=119.0,
                                                          adc_linear_hi_lsb=121.0)}[params_name]
    fast: list[tuple[bool, np.ndarray]] = []
    slow: list[tuple[bool, np.ndarray]] = []
    adc = ChipInstance._adc_code

    def spy(self: ChipInstance, v: np.ndarray, within_linear: bool = False,
            out: np.ndarray | None = None) -> np.ndarray:
        fast.append((within_linear, v.copy()))
        return adc(self, v, within_linear, out)

    class Spied(Reference):
        def adc(self, v: np.ndarray, within_linear: bool) -> np.ndarray:
            slow.append((within_linear, v.copy()))
            return super().adc(v, within_linear)

    monkeypatch.setattr(ChipInstance, "_adc_code", spy)
    rng = np.random.default_rng(12)
    chip = ChipInstance(params, 13, 14)
    ref = Spied(params, 13, 14)
    w = rng.integers(-63, 64, (128, 256))
    for k in range(8):
        x = rng.integers(0, 32, (int(rng.integers(1, CHUNK_ROWS + 1)), 128))
        t = TIMINGS[k % len(TIMINGS)]
        assert_same(chip.vmm_detail(x, w, t), ref.vmm_detail(x, w, t), f"call {k}")
    assert chip._baseline_cast == (params_name == "odd_noise")
    if chip._baseline_cast:  # baseline voltages go straight to codes: compare the result reads
        slow = [s for s in slow if not s[0]]
    assert len(fast) == len(slow) > 0
    for (fl, fv), (sl, sv) in zip(fast, slow, strict=True):
        assert fl == sl
        np.testing.assert_array_equal(fv.view(np.int64), sv.view(np.int64))


def test_pickle_and_copy_rebuild_the_work_arrays() -> None:
    rng = np.random.default_rng(15)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (CHUNK_ROWS + 5, 128))
    chip = ChipInstance(ChipParams(), 3, 4)
    chip.vmm(x, w, Timing(num_sends=2))  # caches and work arrays in use
    for twin in (pickle.loads(pickle.dumps(chip)), copy.deepcopy(chip)):
        assert twin.noise_state == chip.noise_state
        assert_same(twin.vmm_detail(x, w), copy.deepcopy(chip).vmm_detail(x, w), "twin")
    ref = Reference(ChipParams(), 3, 4)
    ref.rng.bit_generator.state = chip.noise_state
    assert_same(pickle.loads(pickle.dumps(chip)).vmm_detail(x, w), ref.vmm_detail(x, w), "ref")


@pytest.mark.parametrize("params_name", ["default", "no_order", "quiet"])
def test_input_patterns_at_the_edges(params_name: str) -> None:
    """Single vectors and batches with no, one (first or last driver) or all inputs non-zero,
    for 1..3 sends: the event counts at the ends of every table."""
    params = PARAMS[params_name]
    rng = np.random.default_rng(16)
    w = rng.integers(-63, 64, (128, 256))
    patterns = [np.zeros(128, dtype=np.int64), np.full(128, 31), rng.integers(1, 32, 128)]
    for pos in (0, 127):
        one = np.zeros(128, dtype=np.int64)
        one[pos] = 17
        patterns.append(one)
    chip = ChipInstance(params, 17, 18)
    ref = Reference(params, 17, 18)
    for sends in (1, 2, 3):
        t = Timing(num_sends=sends)
        for x in patterns:
            assert_same(chip.vmm_detail(x, w, t), ref.vmm_detail(x, w, t), f"{sends} single")
        batch = np.stack(patterns)
        assert_same(chip.vmm_detail(batch, w, t), ref.vmm_detail(batch, w, t), f"{sends} batch")
