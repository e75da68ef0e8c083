"""Issue #13, API and contract: every argument of the model's and the golden reference's entry
points is checked, numpy scalars count as numbers, and every error names its argument.

The issue's examples are tests here; hypothesis then throws values of every kind (None, bools,
Python and numpy integers and floats, strings, lists, dicts, arrays of other shapes) at each
argument and checks that the call either succeeds exactly when the value is allowed, or raises a
``ValueError``/``TypeError`` whose message starts with the argument's name: never an
``AttributeError``, ``IndexError`` or ``KeyError`` from inside the model. ``FUZZ`` counts the
calls made with generated values (printed by ``test_zz_api_fuzz_counts``; README quotes the number).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm
from hxsim.golden import ideal_codes, vmm_timing

FUZZ: Counter[str] = Counter()
API_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

RNG = np.random.default_rng(13)
X = RNG.integers(0, 32, (3, 128))
W = RNG.integers(-63, 64, (128, 256))
CHIP = ChipInstance(ChipParams(), 5, 6)


def raises_named(fn: Callable[[], object], name: str) -> BaseException | None:
    """Run ``fn``; None if it returned, else its ValueError/TypeError, whose message must start
    with ``name:`` and be one line (any other exception fails the test)."""
    try:
        fn()
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert msg.startswith(f"{name}:"), msg
        assert "\n" not in msg, msg
        return exc
    return None


# ---- values of every kind ---------------------------------------------------------------------
NUMPY_SCALARS = st.one_of(
    st.integers(-2**31, 2**31 - 1).flatmap(
        lambda v: st.sampled_from([np.int64(v), np.int32(v), np.intp(v)])),
    st.integers(0, 255).map(np.uint8),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(np.float32),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.booleans().map(np.bool_),
)
ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), NUMPY_SCALARS,
    st.text(max_size=4), st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["num_sends", "gain", "event_wait"]), st.integers(0, 3),
                    max_size=2),
    st.builds(lambda n: np.zeros(n, dtype=np.int64), st.integers(0, 3)),
    st.just(Timing()), st.just(ChipParams()), st.just(object()),
)


def is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def is_number(v: object) -> bool:
    return is_int(v) or isinstance(v, float | np.floating)


# ---- the examples -----------------------------------------------------------------------
def test_timing_as_dict_is_named() -> None:
    tile = CHIP.program(W)
    for call in (lambda: CHIP.vmm(X, W, {"num_sends": 2}),  # type: ignore[arg-type]
                 lambda: CHIP.vmm_detail(X, W, {"num_sends": 2}),  # type: ignore[arg-type]
                 lambda: tile.vmm(X, {"num_sends": 2}),  # type: ignore[arg-type]
                 lambda: CHIP.matmul(X, W, {"num_sends": 2}),  # type: ignore[arg-type]
                 lambda: vmm_timing({"num_sends": 2}, X[0])):  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"^timing: expected a hxsim.Timing, got dict "
                                            r"\(build it with hxsim.Timing\(\*\*d\)"):
            call()


def test_params_as_dict_is_named() -> None:
    with pytest.raises(TypeError, match=r"^params: expected a hxsim.ChipParams or None, got dict "
                                        r"\(build it with .*ChipParams.from_dict"):
        ChipInstance({"gain": 0.002})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^params: .* got Timing"):
        ChipInstance(Timing())  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, False, 1.5, 3.0, "3", -1, np.float64(2.0), [1]])
def test_non_integer_seeds_are_refused(bad: object) -> None:
    calls: list[tuple[str, Callable[[], object]]] = [
        ("fixed_seed", lambda: ChipInstance(None, bad)),  # type: ignore[arg-type]
        ("noise_seed", lambda: ChipInstance(None, 0, bad)),  # type: ignore[arg-type]
        ("noise_seed", lambda: ChipInstance().reseed_noise(bad))]  # type: ignore[arg-type]
    for name, call in calls:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == f"{name}: expected a non-negative integer, got {bad!r}"


def test_numpy_scalars_are_numbers() -> None:
    """np.float32(0.003) and numpy integers are accepted wherever Python numbers are, with the
    same results as the Python number of the same value."""
    g32 = np.float32(0.003)
    # (ChipParams and Timing are typed with Python numbers, the types they store)
    p = ChipParams(gain=g32)  # type: ignore[arg-type]
    assert p == ChipParams(gain=float(g32)) and type(p.gain) is float
    json.dumps(p.to_dict())  # stored as Python numbers
    p2 = ChipParams(baseline_mean_lsb=np.int64(120), enable_leak=np.False_)  # type: ignore
    assert p2 == ChipParams(baseline_mean_lsb=120.0, enable_leak=False)
    assert type(p2.enable_leak) is bool
    assert np.array_equal(ideal_vmm(X, W, gain=g32, num_sends=np.int64(2)),
                          ideal_vmm(X, W, gain=float(g32), num_sends=2))
    assert np.array_equal(ideal_codes(X, W, num_sends=np.int32(3), gain=np.float64(0.004))[2],
                          ideal_codes(X, W, num_sends=3, gain=0.004)[2])
    a = ChipInstance(ChipParams(), np.int64(3), np.uint16(4))
    b = ChipInstance(ChipParams(), 3, 4)
    assert a.fixed_seed == 3 and type(a.noise_seed) is int
    assert np.array_equal(a.vmm(X, W), b.vmm(X, W))
    a.reseed_noise(np.int32(9))
    b.reseed_noise(9)
    assert np.array_equal(a.vmm(X, W), b.vmm(X, W))
    t = Timing(num_sends=np.int64(2), event_wait=np.uint8(3))  # type: ignore[arg-type]
    assert t == Timing(num_sends=2, event_wait=3) and type(t.num_sends) is int
    json.loads(t.to_json())
    assert np.array_equal(ChipInstance().vmm(X[0].astype(np.uint8), W.astype(np.int8)),
                          ChipInstance().vmm(X[0], W))


def test_gain_as_string_is_refused() -> None:
    """float('0.002') would accept the string: the gain must be a number."""
    with pytest.raises(ValueError, match=r"^gain: expected a number in \(0, 1\], got '0.002'"):
        ideal_vmm(X, W, gain="0.002")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^gain: expected a number"):
        ideal_vmm(X, W, gain=None)  # type: ignore[arg-type]


# ---- hypothesis: every argument x every kind of value -------------------------------------------
@API_SETTINGS
@given(v=ANY_VALUE)
def test_fuzz_seeds(v: object) -> None:
    FUZZ["seed values"] += 1
    err = raises_named(lambda: ChipInstance(ChipParams.ideal(), v), "fixed_seed")  # type: ignore
    assert (err is None) == (is_int(v) and v >= 0)  # type: ignore[operator]


@API_SETTINGS
@given(v=ANY_VALUE)
def test_fuzz_gain_and_sends(v: object) -> None:
    FUZZ["gain and num_sends values"] += 2
    err = raises_named(lambda: ideal_vmm(X, W, gain=v), "gain")  # type: ignore[arg-type]
    ok = is_number(v) and math.isfinite(float(v)) and 0 < float(v) <= 1  # type: ignore[arg-type]
    assert (err is None) == ok
    err = raises_named(lambda: ideal_vmm(X, W, num_sends=v), "num_sends")  # type: ignore
    assert (err is None) == (is_int(v) and 1 <= v <= 63)  # type: ignore[operator]


@API_SETTINGS
@given(v=ANY_VALUE)
def test_fuzz_params_fields(v: object) -> None:
    FUZZ["ChipParams field values"] += 2
    err = raises_named(lambda: ChipParams(read_noise_lsb=v), "ChipParams.read_noise_lsb")  # type: ignore
    ok = is_number(v) and math.isfinite(float(v)) and 0 <= float(v) <= 20  # type: ignore
    assert (err is None) == ok
    err = raises_named(lambda: ChipParams(enable_leak=v), "ChipParams.enable_leak")  # type: ignore
    assert (err is None) == isinstance(v, bool | np.bool_)


@API_SETTINGS
@given(v=ANY_VALUE)
def test_fuzz_timing_and_params_objects(v: object) -> None:
    FUZZ["timing and params objects"] += 3
    chip = ChipInstance(ChipParams.ideal())
    err = raises_named(lambda: chip.vmm(X, W, v), "timing")  # type: ignore[arg-type]
    assert (err is None) == (v is None or isinstance(v, Timing))
    err = raises_named(lambda: chip.matmul(X, W, v), "timing")  # type: ignore[arg-type]
    assert (err is None) == (v is None or isinstance(v, Timing))
    err = raises_named(lambda: ChipInstance(v), "params")  # type: ignore[arg-type]
    assert (err is None) == (v is None or isinstance(v, ChipParams))


def array_values() -> st.SearchStrategy[Any]:
    """Arrays and array-likes of every dtype kind and a few shapes, some valid."""
    shapes = st.sampled_from([(), (128,), (2, 128), (2, 3, 128), (127,), (256,), (128, 256),
                              (2, 0, 128), (0, 128)])
    dtypes = st.sampled_from([np.int64, np.int8, np.uint8, np.int32, np.float64, np.float32,
                              np.bool_, np.complex64, np.str_])
    fill = st.sampled_from([0, 1, 31, 32, -1, 63, -64, 1.5, float("nan")])

    def make(shape: tuple[int, ...], dtype: Any, value: Any) -> Any:
        try:
            with np.errstate(invalid="ignore"):
                return np.full(shape, value).astype(dtype)
        except (ValueError, OverflowError):
            return np.full(shape, 0, dtype=dtype)
    return st.one_of(st.builds(make, shapes, dtypes, fill), ANY_VALUE)


@API_SETTINGS
@given(v=array_values())
def test_fuzz_x(v: object) -> None:
    FUZZ["x arrays"] += 3
    chip = ChipInstance(ChipParams.ideal())
    err = raises_named(lambda: chip.vmm(v, W), "x")
    a = np.asarray(v) if not isinstance(v, dict | Timing | ChipParams) else np.asarray(None)
    ok = (a.dtype.kind in "iuf" and a.dtype != np.bool_ and a.ndim >= 1 and a.shape[-1] == 128
          and (a.size == 0 or (np.all(np.isfinite(a)) and np.all(a == np.floor(a))
                               and a.min() >= 0 and a.max() <= 31)))
    assert (err is None) == ok
    if ok:  # same values as the flattened int64 batch, in the input's leading shape
        y = ChipInstance(ChipParams.ideal()).vmm(v, W)
        flat = ChipInstance(ChipParams.ideal()).vmm(a.reshape(-1, 128).astype(np.int64), W)
        assert y.shape == (*a.shape[:-1], 256)
        assert np.array_equal(y.reshape(-1, 256), flat)
    err = raises_named(lambda: ideal_vmm(v, W), "x")
    assert (err is None) == ok
    err = raises_named(lambda: chip.matmul(v, W), "x")
    assert (err is None) == ok


@API_SETTINGS
@given(v=array_values())
def test_fuzz_w_and_offsets(v: object) -> None:
    FUZZ["w, dac_offsets and column_offsets arrays"] += 3
    chip = ChipInstance(ChipParams.ideal())
    for name, call in (("w", lambda: chip.vmm(X, v)),
                       ("dac_offsets", lambda: chip.vmm(X, W, None, v)),
                       ("column_offsets", lambda: chip.vmm(X, W, None, None, v))):
        err = raises_named(call, name)
        if v is None and name != "w":
            assert err is None  # None: the default
        elif isinstance(v, np.ndarray) and v.dtype.kind in "iuf" and v.dtype != np.bool_:
            shape = {"w": (128, 256), "dac_offsets": (128,), "column_offsets": (256,)}[name]
            if v.shape != shape:
                assert err is not None


# ---- leading batch dimensions (x[..., K]) -------------------------------------------------------
@pytest.mark.parametrize("lead", [(2, 3), (1, 1, 4), (0, 2), (2, 0)])
def test_leading_batch_dimensions(lead: tuple[int, ...]) -> None:
    """ideal_vmm, chip.matmul, chip.vmm/vmm_detail and tile.vmm take x[..., K]: results have
    shape [..., N] and equal the flattened batch's, values and noise (same seeds)."""
    rng = np.random.default_rng(len(lead))
    k, n = 300, 270
    x = rng.integers(0, 32, (*lead, k))
    w = rng.integers(-63, 64, (k, n))
    flat = x.reshape(-1, k)
    g = ideal_vmm(x, w, 0.003, 2)
    assert g.shape == (*lead, n)
    assert np.array_equal(g.reshape(-1, n), ideal_vmm(flat, w, 0.003, 2))
    m = ChipInstance(ChipParams(), 1, 2).matmul(x, w)
    assert m.shape == (*lead, n)
    assert np.array_equal(m.reshape(-1, n), ChipInstance(ChipParams(), 1, 2).matmul(flat, w))
    x128, w128 = x[..., :128], w[:128, :256]
    a, b = ChipInstance(ChipParams(), 1, 2), ChipInstance(ChipParams(), 1, 2)
    got = a.vmm_detail(x128, w128)
    exp = b.vmm_detail(x128.reshape(-1, 128), w128)
    for gi, ei in zip(got, exp, strict=True):
        assert gi.shape == (*lead, 256)
        assert np.array_equal(gi.reshape(-1, 256), ei)
    assert np.array_equal(a.program(w128).vmm(x128).reshape(-1, 256),
                          b.program(w128).vmm(x128.reshape(-1, 128)))
    assert ideal_codes(x128, w128)[2].shape == (*lead, 256)


def test_zz_api_fuzz_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the values the fuzz tests above tried (run with the module)."""
    with capsys.disabled():
        for k, v in sorted(FUZZ.items()):
            print(f"\n  api fuzz: {v} {k}", end="")
        print(f"\n  api fuzz: {sum(FUZZ.values())} calls with generated arguments in all")


def test_masked_arrays_with_masked_entries_are_refused() -> None:
    """np.asarray drops a mask and would use whatever lies under it: a masked entry is refused
    with its count and the argument's name, also when the same weights were programmed before;
    a masked array without masked entries is read as its data."""
    import numpy.ma as ma

    rng = np.random.default_rng(3)
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=(2, 128))
    chip = ChipInstance(ChipParams.ideal())
    ref = ChipInstance(ChipParams.ideal())
    assert np.array_equal(chip.vmm(x, ma.masked_array(w)), ref.vmm(x, w))
    mask_w = np.zeros(w.shape, dtype=bool)
    mask_w[5, 7] = True
    wm = ma.masked_array(w, mask=mask_w)
    with pytest.raises(ValueError, match=r"^w: 1 masked entries have no value"):
        chip.vmm(x, wm)
    mask_x = np.zeros(x.shape, dtype=bool)
    mask_x[1, 2:4] = True
    xm = ma.masked_array(x, mask=mask_x)
    with pytest.raises(ValueError, match=r"^x: 2 masked entries have no value"):
        chip.vmm(xm, w)
    with pytest.raises(ValueError, match=r"^x: 2 masked entries"):
        ideal_vmm(xm, w)
    assert np.array_equal(chip.vmm(x, w), ref.vmm(x, w))  # nothing drawn by the refusals
