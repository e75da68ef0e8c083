"""Issue #13, resource bound: ``ChipInstance.vmm`` runs a batch of any size in bounded memory
(besides its results) with the results of running the batch's parts one after another."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams


def _chip() -> ChipInstance:
    return ChipInstance(ChipParams(), 21, 22)


RNG = np.random.default_rng(2024)
W = RNG.integers(-63, 64, (128, 256))
X = RNG.integers(0, 32, (700, 128))


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float32])
def test_batch_equals_concatenated_parts(dtype: type) -> None:
    """One call on 700 vectors (11 chunks, the last partial) equals the concatenation of calls on
    parts of 1, 63, 64, 65, 200 and 307 vectors, bit for bit (codes and y), whatever the inputs'
    dtype."""
    x: np.ndarray = X.astype(dtype)
    whole = _chip().vmm_detail(x, W)
    chip = _chip()
    parts = []
    start = 0
    for size in (1, 63, 64, 65, 200, 307):
        parts.append(chip.vmm_detail(x[start:start + size], W))
        start += size
    assert start == x.shape[0]
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in parts]))
    assert np.array_equal(whole[2], _chip().vmm(X, W))  # the int64 batch, vmm: the same


def _extra_peak(call: Callable[[], object], results: int) -> int:
    """Peak traced memory of ``call()`` beyond ``results`` bytes (its return values)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - base - results
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float64])
def test_memory_bounded_beyond_results(dtype: type) -> None:
    """Peak memory beyond the results does not grow with the batch: 16 times the batch (2,048
    -> 32,768 VMMs; an int64 copy of the uint8 input alone would be 32 MiB, a float64 voltage
    array 64 MiB) adds less than 1 MiB, and stays below 8 MiB (the documented bound: work arrays,
    per-chunk temporaries and the check of one 4096-vector block)."""
    rng = np.random.default_rng(5)
    extra = {}
    for batch in (2048, 32768):
        x: np.ndarray = rng.integers(0, 32, (batch, 128)).astype(dtype)
        chip = _chip()
        chip.vmm(x[:100], W)  # work arrays and tile exist before the measurement

        def run(x: np.ndarray = x, chip: ChipInstance = chip) -> object:
            return chip.vmm(x, W)

        def run_detail(x: np.ndarray = x, chip: ChipInstance = chip) -> object:
            return chip.vmm_detail(x, W)

        extra[batch] = _extra_peak(run, batch * 256)
        assert extra[batch] < 8 * 2**20, extra
        detail = _extra_peak(run_detail, 3 * batch * 256)
        assert detail < 8 * 2**20, detail
    assert extra[32768] - extra[2048] < 2**20, extra
