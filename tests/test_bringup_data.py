"""Measured-data format (hxsim.bringup.data): NPZ and CSV round trips, one clear error per field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hxsim.bringup.data import DataFormatError, MeasuredData, base_metadata
from hxsim.timing import Timing


def small(n: int = 3, reps: int = 2, m: int = 2) -> MeasuredData:
    rng = np.random.default_rng(5)
    return MeasuredData(
        inputs=rng.integers(0, 32, (n, 128)), weights=rng.integers(-63, 64, (m, 128, 256)),
        weight_index=np.arange(n) % m, outputs=rng.integers(-128, 128, (n, reps, 256)),
        metadata=base_metadata(Timing(num_sends=2), "test", seed=5))


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_roundtrip(tmp_path: Path, suffix: str) -> None:
    d = small()
    p = d.save(tmp_path / f"d{suffix}")
    back = MeasuredData.load(p)
    for f in ("inputs", "weights", "weight_index", "outputs"):
        np.testing.assert_array_equal(getattr(back, f), getattr(d, f))
    assert back.metadata == d.metadata
    assert back.num_sends == 2 and back.repetitions == 2 and back.timing.num_sends == 2


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    d = small()
    p = d.save(tmp_path / "d.npz")
    with pytest.raises(FileExistsError, match="d.npz"):
        d.save(p)
    d.save(p, force=True)


@pytest.mark.parametrize(("change", "name"), [
    ({"inputs": np.full((3, 128), 32)}, "inputs"),
    ({"inputs": np.zeros((3, 100), int)}, "inputs"),
    ({"weights": np.zeros((2, 128, 200), int)}, "weights"),
    ({"weights": np.full((2, 128, 256), 64)}, "weights"),
    ({"weight_index": np.array([0, 1, 2])}, "weight_index"),
    ({"weight_index": np.array([0, 1])}, "weight_index"),
    ({"outputs": np.zeros((2, 2, 256), int)}, "outputs"),
    ({"outputs": np.full((3, 2, 256), 128)}, "outputs"),
    ({"outputs": np.zeros((3, 2, 256)) + 0.5}, "outputs"),
    ({"metadata": {"timing": {}, "source": "x"}}, "metadata.num_sends"),
    ({"metadata": {"num_sends": 1, "timing": {"bogus": 1}, "source": "x"}}, "metadata.timing"),
    ({"metadata": {"num_sends": 2, "timing": {}, "source": "x"}}, "metadata.num_sends"),
    ({"metadata": {"num_sends": 1, "timing": {}, "source": ""}}, "metadata.source"),
    ({"metadata": {"num_sends": 1, "timing": {}, "source": "x", "gain_nominal": 2}},
     "metadata.gain_nominal"),
])
def test_validation_names_field(change: dict[str, object], name: str) -> None:
    d = small()
    kw = {k: getattr(d, k) for k in ("inputs", "weights", "weight_index", "outputs", "metadata")}
    kw.update(change)
    with pytest.raises(DataFormatError, match=f"field '{name}'"):
        MeasuredData(**kw)


def _csv_lines(tmp_path: Path) -> list[str]:
    p = small(n=2, reps=1, m=1).save(tmp_path / "d.csv")
    return p.read_text().splitlines()


@pytest.mark.parametrize(("edit", "name"), [
    (lambda L: ["# other"] + L[1:], "header"),
    (lambda L: [L[0], "# metadata: {bad"] + L[2:], "metadata"),
    (lambda L: L[:3] + [L[3] + ",1"] + L[4:], "weights"),
    (lambda L: L[:3] + L[4:], "weights"),
    (lambda L: [x for x in L if not x.startswith("input,1,")], "inputs"),
    (lambda L: [x for x in L if not x.startswith("output,1,")], "outputs"),
    (lambda L: L + ["bogus,0,0,1"], "record"),
    (lambda L: [x.replace("output,0,0,", "output,0,0,x", 1) for x in L], "outputs"),
])
def test_csv_errors_name_field(tmp_path: Path, edit: Callable[[list[str]], list[str]],
                               name: str) -> None:
    lines = edit(_csv_lines(tmp_path))
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=f"field '{name}'"):
        MeasuredData.load(p)


def test_npz_errors(tmp_path: Path) -> None:
    p = tmp_path / "bad.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(DataFormatError, match="field 'file'"):
        MeasuredData.load(p)
    d = small()
    np.savez(p, inputs=d.inputs, weights=d.weights, outputs=d.outputs,
             metadata=np.asarray(json.dumps(d.metadata)))
    with pytest.raises(DataFormatError, match="field 'weight_index'"):
        MeasuredData.load(p)
    with pytest.raises(DataFormatError, match="field 'path'"):
        d.save(tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError):
        MeasuredData.load(tmp_path / "missing.npz")
