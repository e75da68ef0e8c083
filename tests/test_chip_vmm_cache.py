"""``ChipInstance.vmm``/``vmm_detail`` reuse the last programmed tile only while the weights the
caller passes hold exactly its values (issue #12): the weights are compared on every call, byte
for byte when the caller passes the same kind of array again, so every in-place change of the
caller's array is seen, for every dtype and layout the model accepts. Results (codes, y and the
noise position) equal the uncached algorithm (``test_model_fastpath.Reference``) call by call;
errors keep their order (x, w, dac_offsets, column_offsets) and draw nothing."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from test_model_fastpath import PARAMS, Reference, assert_same

from hxsim import ChipInstance, ChipParams, Timing

SEEDS = (21, 22)
SIGNED = ["int8", "int16", "int32", "int64", ">i8", "float16", "float32", "float64", ">f8"]
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
LAYOUTS = ["C", "F", "view"]
#: The element whose value the tests change.
ROW, COL = 3, 5


def make(values: np.ndarray, dtype: str, layout: str) -> np.ndarray:
    """``values`` (int64 [128, 256]) in ``dtype``: C order, Fortran order or a strided view."""
    if layout == "C":
        return values.astype(dtype)
    if layout == "F":
        return np.asfortranarray(values.astype(dtype))
    big = np.zeros((128, 512), dtype=dtype)
    big[:, ::2] = values
    return big[:, ::2]


def invalid_values(dtype: str, v: int) -> list[Any]:
    """Values that make an element of ``dtype`` invalid, ``v`` being its valid value: out of
    range, changes of high bytes only (the low byte stays ``v``'s), non-integers, NaN."""
    dt = np.dtype(dtype)
    if dt.kind == "f":
        out: list[Any] = [64.0, -64.0, v + 0.5, np.nan, np.inf, -np.inf, 1e4]
        if dt.itemsize == 8:
            out.append(v + 2.0**-40)  # the lowest mantissa bits only
        return out
    out = [64, 255 if dt.kind == "u" else -64]
    if dt.itemsize >= 2:
        out.append(v + 256)  # byte 1 only
    if dt.itemsize >= 4:
        out.append(v + 2**24)  # byte 3 only
    if dt.itemsize == 8:
        out += [v + 2**40, v + 2**56]
        if dt.kind == "i":
            out.append(v - 2**62)
    return out


class Checked:
    """A chip and the uncached reference on the same noise stream; ``call`` runs both and
    asserts equal codes, y and noise position."""

    def __init__(self, params: ChipParams = PARAMS["default"]) -> None:
        self.chip = ChipInstance(params, *SEEDS)
        self.ref = Reference(params, *SEEDS)
        self.calls = 0

    def call(self, x: np.ndarray, w: Any, what: str, detail: bool = True, **kw: Any) -> None:
        self.ref.rng.bit_generator.state = self.chip.noise_state
        want = self.ref.vmm_detail(x, w, kw.get("timing"), kw.get("dac_offsets"),
                                   kw.get("column_offsets"))
        if detail:
            got: Any = self.chip.vmm_detail(x, w, **kw)
        else:
            got = want[:2] + (self.chip.vmm(x, w, **kw),)
        assert_same(got, want, what)
        assert self.chip.noise_state == self.ref.rng.bit_generator.state, what
        self.calls += 1

    def weights(self) -> np.ndarray:
        """The weights of the chip's programmed tile."""
        assert self.chip._tile is not None
        return self.chip._tile.weights

    def refused(self, x: Any, w: Any, match: str, **kw: Any) -> None:
        state, tile = self.chip.noise_state, self.chip._tile
        with pytest.raises(ValueError, match=match):
            self.chip.vmm(x, w, **kw)
        with pytest.raises(ValueError, match=match):
            self.chip.vmm_detail(x, w, **kw)
        assert self.chip.noise_state == state  # nothing drawn
        assert self.chip._tile is tile  # the programmed tile stays


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", SIGNED + UNSIGNED)
def test_in_place_changes_are_seen(dtype: str, layout: str) -> None:
    """One array of ``dtype``/``layout`` passed again and again: reused while unchanged; every
    in-place change (a valid new value, then invalid values: out of range, high bytes only,
    non-integer, NaN) is seen on the next call; restoring the value restores the results."""
    rng = np.random.default_rng(sum(map(ord, dtype + layout)))
    lo = 0 if np.dtype(dtype).kind == "u" else -63
    values = rng.integers(lo, 64, (128, 256))
    values[ROW, COL] = 40
    w = make(values, dtype, layout)
    c = Checked()
    x1 = np.full(128, 31)  # every driver on: a changed weight changes its column's sum
    xb = rng.integers(0, 32, (3, 128))
    c.call(x1, w, "first")
    tile = c.chip._tile
    for detail in (True, False):
        c.call(x1, w, "unchanged", detail)
        c.call(xb, w, "unchanged batch", detail)
        assert c.chip._tile is tile  # reused, not reprogrammed
    w[ROW, COL] = 3  # a valid change in place
    c.call(x1, w, "changed in place", detail=False)
    assert c.chip._tile is not tile and c.weights()[ROW, COL] == 3
    tile = c.chip._tile
    for bad in invalid_values(dtype, 3):
        w[ROW, COL] = bad
        assert w[ROW, COL] != 3 or np.isnan(w[ROW, COL])
        c.refused(x1, w, r"^w: ")
        w[ROW, COL] = 3
        c.call(x1, w, f"restored after {bad!r}")
        assert c.chip._tile is tile  # a refused call kept it, and it holds these values


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_negative_zero_equals_zero(dtype: str) -> None:
    """-0.0 in place of 0.0 (other bytes, equal values) keeps the tile."""
    values = np.zeros((128, 256), dtype=np.int64)
    values[0, :9] = np.arange(-4, 5)
    w = values.astype(dtype)
    c = Checked()
    x = np.arange(128) % 32
    c.call(x, w, "zeros")
    tile = c.chip._tile
    w[5, 5] = -0.0
    assert np.signbit(w[5, 5])
    c.call(x, w, "negative zero")
    assert c.chip._tile is tile


def test_other_arrays_with_equal_contents_reuse_the_tile() -> None:
    """Copies, other dtypes, other layouts and nested lists with the same values keep the tile;
    results equal the reference whichever the caller passes; a changed list is seen."""
    rng = np.random.default_rng(31)
    values = rng.integers(-63, 64, (128, 256))
    c = Checked()
    x = rng.integers(0, 32, (2, 128))
    c.call(x, values, "first")
    tile = c.chip._tile
    kinds: list[Any] = [values.copy(), values.tolist()]
    kinds += [make(values, d, lay) for d in SIGNED for lay in LAYOUTS]
    for k, w in enumerate(kinds + kinds[::-1]):
        c.call(x[k % 2], w, f"kind {k}", detail=bool(k % 3))
        assert c.chip._tile is tile, k
    nested = values.tolist()
    old = nested[ROW][COL]
    nested[ROW][COL] = -old + (1 if old == 0 else 0)  # a list changed in place
    c.call(x, nested, "changed list")
    assert c.chip._tile is not tile and c.weights()[ROW, COL] == nested[ROW][COL]
    nested[ROW][COL] = 64
    c.refused(x, nested, r"^w: value 64 is outside the allowed range -63\.\.63")


def test_error_order_and_offsets() -> None:
    """x is checked before w, w before dac_offsets and column_offsets, also when w changed in
    place since the tile was programmed; in-place changes of the offsets are seen too."""
    rng = np.random.default_rng(32)
    w = rng.integers(-63, 64, (128, 256))
    dac = rng.integers(0, 64, 128)
    col = rng.integers(-128, 128, 256)
    x = rng.integers(0, 32, (4, 128))
    c = Checked()
    t = Timing(num_sends=2)
    c.call(x, w, "first", timing=t, dac_offsets=dac, column_offsets=col)
    bad_x = x.copy()
    bad_x[0, 0] = 32
    w[0, 0] = 64
    c.refused(bad_x, w, r"^x: value 32")
    c.refused(x, w, r"^w: value 64", dac_offsets=np.full(128, 64))
    w[0, 0] = 1
    c.refused(x, w, r"^dac_offsets: value 64", dac_offsets=np.full(128, 64),
              column_offsets=np.full(256, 300))
    c.refused(x, w, r"^column_offsets: value 300", dac_offsets=dac,
              column_offsets=np.full(256, 300))
    c.call(x, w, "w changed", timing=t, dac_offsets=dac, column_offsets=col)
    tile = c.chip._tile
    dac[7] = 63 - dac[7]
    c.call(x, w, "dac changed", timing=t, dac_offsets=dac, column_offsets=col)
    assert c.chip._tile is not tile
    tile = c.chip._tile
    col[9] = -col[9] - 1
    c.call(x, w, "col changed", detail=False, timing=t, dac_offsets=dac, column_offsets=col)
    assert c.chip._tile is not tile
    tile = c.chip._tile
    c.call(x, w, "defaults", timing=t)
    assert c.chip._tile is not tile
    c.call(x, w, "defaults again", timing=t)


def test_program_in_between_and_memory_bound() -> None:
    """``program`` called directly replaces the tile vmm compares with; the chip keeps one copy
    of the caller's weights at most (one array's bytes), whatever it was passed."""
    rng = np.random.default_rng(33)
    c = Checked()
    x = rng.integers(0, 32, (1, 128))
    w = rng.integers(-63, 64, (128, 256))
    c.call(x, w, "first")
    other = rng.integers(-63, 64, (128, 256))
    c.chip.program(other)
    c.call(x, w, "after program(other)")
    assert np.array_equal(c.weights(), w)
    c.call(x, w.astype(np.int8), "int8")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in range(24):
            a = rng.integers(-63, 64, (128, 256)).astype(["int64", "float32", "int8"][k % 3])
            c.chip.vmm(x, a)
            c.chip.vmm(x, a)
            seen = c.chip._seen
            assert seen is not None and len(seen.raw) == a.nbytes
        del a
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # the tile (int64 weights, float64 effective weights) and one copy of the caller's bytes
    assert grown < 3 * 128 * 256 * 8, grown


def test_same_bytes_in_another_dtype_are_other_weights() -> None:
    """The same bytes as another dtype or in another shape are other weights: refused or
    reprogrammed, never taken for the programmed ones; the same values in the other byte order
    are."""
    rng = np.random.default_rng(34)
    c = Checked()
    x = rng.integers(0, 32, (2, 128))
    w = rng.integers(-63, 64, (128, 256))
    w[0, 0] = -5
    c.call(x, w, "int64")
    tile = c.chip._tile
    c.refused(x, w.view(np.float64), r"^w: contains NaN")  # negative ints: NaN bit patterns
    c.refused(x, w.view(np.uint64), r"^w: value \S+ is outside the allowed range")
    c.refused(x, w.view(">i8"), r"^w: value \S+ is outside the allowed range")
    for shape in ((256, 128), (128 * 256,), (1, 128, 256)):  # the same bytes in other shapes
        c.refused(x, w.reshape(shape), r"^w: expected shape 128x256")
    swapped = w.byteswap().view(w.dtype.newbyteorder())  # same values, other bytes
    c.call(x, swapped, "byte-swapped")
    assert c.chip._tile is tile
    small = rng.integers(0, 64, (128, 256), dtype=np.int32)
    c.call(x, small, "int32")
    tile = c.chip._tile
    c.refused(x, small.view(np.float32), r"^w: contains the non-integer value")
    c.call(x, small.view(np.uint32), "the same bytes as uint32 (equal values: 0..63)")
    assert c.chip._tile is tile
