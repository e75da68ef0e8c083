"""Every bad-input path of the model raises ValueError naming the argument; nothing is clipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm, weights_to_physical
from hxsim.timing import TIMING_RANGES

X = np.ones((2, 128), dtype=int)
W = np.ones((128, 256), dtype=int)

BAD_ARRAYS = [
    (np.full((2, 128), 32), "outside the allowed range 0..31"),
    (np.full((2, 128), -1), "outside the allowed range 0..31"),
    (np.full((2, 128), 1.5), "non-integer"),
    (np.full((2, 128), np.nan), "NaN"),
    (np.full((2, 128), np.inf), "NaN or infinity"),
    (np.ones((2, 128), dtype=bool), "dtype bool"),
    (np.array([["a"] * 128]), "dtype"),
    (np.ones((2, 127), dtype=int), "128 inputs"),
    (np.int64(3), "128 inputs per vector"),
    (np.ones((2, 2, 127), dtype=int), "128 inputs per vector"),
]


@pytest.mark.parametrize(("x", "message"), BAD_ARRAYS)
def test_vmm_bad_x(x: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        ChipInstance().vmm(x, W)
    assert str(info.value).startswith("x:")


@pytest.mark.parametrize(("w", "message"), [
    (np.full((128, 256), 64), "-63..63"),
    (np.full((128, 256), -64), "-63..63"),
    (np.full((128, 256), 0.25), "non-integer"),
    (np.full((128, 256), np.nan), "NaN"),
    (np.ones((128, 255), dtype=int), "shape 128x256"),
    (np.ones((256, 128), dtype=int), "shape 128x256"),
])
def test_vmm_bad_w(w: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        ChipInstance().vmm(X, w)
    assert str(info.value).startswith("w:")


def test_vmm_bad_offsets() -> None:
    with pytest.raises(ValueError, match=r"^dac_offsets: value 64 .* 0\.\.63"):
        ChipInstance().vmm(X, W, dac_offsets=np.full(128, 64))
    with pytest.raises(ValueError, match=r"^dac_offsets: expected shape 128"):
        ChipInstance().vmm(X, W, dac_offsets=np.full(127, 32))
    with pytest.raises(ValueError, match=r"^column_offsets: value 128 .* -128\.\.127"):
        ChipInstance().vmm(X, W, column_offsets=np.full(256, 128))


def test_golden_bad_input() -> None:
    with pytest.raises(ValueError, match="^x: .* does not match w's rows"):
        ideal_vmm(np.ones(5, dtype=int), np.ones((6, 3), dtype=int))
    with pytest.raises(ValueError, match="^gain: "):
        ideal_vmm(X, W, gain=0.0)
    with pytest.raises(ValueError, match="^gain: "):
        ideal_vmm(X, W, gain=float("nan"))
    with pytest.raises(ValueError, match="^num_sends: value 64"):
        ideal_vmm(X, W, num_sends=64)
    with pytest.raises(ValueError, match="^num_sends: expected an integer"):
        ideal_vmm(X, W, num_sends=1.0)  # type: ignore[arg-type]


def test_matmul_bad_input() -> None:
    with pytest.raises(ValueError, match="^x: last dimension 3 does not match w's rows 4"):
        ChipInstance().matmul(np.ones(3, dtype=int), np.ones((4, 2), dtype=int))


@pytest.mark.parametrize(("name", "lo", "hi"),
                         [(k, lo, hi) for k, (lo, hi) in TIMING_RANGES.items()])
def test_timing_ranges(name: str, lo: int, hi: int) -> None:
    Timing(**{name: lo})
    Timing(**{name: hi})
    for bad in (lo - 1, hi + 1):
        with pytest.raises(ValueError, match=f"^Timing.{name}: value {bad} is outside"):
            Timing(**{name: bad})
    with pytest.raises(ValueError, match=f"^Timing.{name}: expected an integer"):
        Timing(**{name: 3.0})  # type: ignore[arg-type]


def test_timing_unknown_key() -> None:
    with pytest.raises(ValueError, match="unknown field.*settle"):
        Timing.from_dict({"settle": 3})


def test_params_validation_and_json(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^ChipParams.gain: value 2.0 is outside"):
        ChipParams(gain=2.0)
    with pytest.raises(ValueError, match=r"^ChipParams.read_noise_lsb: value nan"):
        ChipParams(read_noise_lsb=float("nan"))
    with pytest.raises(ValueError, match=r"^ChipParams.enable_drift: expected true or false"):
        ChipParams(enable_drift=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^ChipParams.synapse_std: expected a number"):
        ChipParams(synapse_std="0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="adc_linear_lo_lsb: must be below"):
        ChipParams(adc_linear_lo_lsb=200.0, adc_linear_hi_lsb=100.0)
    path = tmp_path / "chip.json"
    p = ChipParams(gain=0.0018, enable_leak=False)
    p.save(path)
    assert ChipParams.load(path) == p
    path.write_text(json.dumps({"gain": 0.002, "gian": 1}))
    with pytest.raises(ValueError, match="unknown field.*gian"):
        ChipParams.load(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        ChipParams.load(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        ChipParams.load(path)


def test_bad_seeds() -> None:
    with pytest.raises(ValueError, match="^fixed_seed:"):
        ChipInstance(fixed_seed=-1)
    with pytest.raises(ValueError, match="^noise_seed:"):
        ChipInstance(noise_seed=1.5)  # type: ignore[arg-type]


def test_event_session_bad_input() -> None:
    chip = ChipInstance()
    with pytest.raises(ValueError, match="^weights_phys: value 64"):
        chip.event_session(np.full((256, 256), 64))
    with pytest.raises(ValueError, match="^weights_phys: expected shape 256x256"):
        chip.event_session(np.zeros((128, 256), dtype=int))
    s = chip.event_session(weights_to_physical(W))
    with pytest.raises(ValueError, match="call reset"):
        s.apply_events([1], [0], [1])
    with pytest.raises(ValueError, match="call reset"):
        s.convert(0)
    s.reset(0)
    with pytest.raises(ValueError, match="^codes: value 0 is outside the allowed range 1..31"):
        s.apply_events([1], [0], [0])
    with pytest.raises(ValueError, match="^drivers: value 128"):
        s.apply_events([1], [128], [3])
    with pytest.raises(ValueError, match="differ in length"):
        s.apply_events([1, 2], [0], [3])
