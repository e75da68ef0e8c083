"""IDX loader: round trips on small files written here, and every malformed-file error."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from hxsim.nn.data import (
    INSTALL_HINT,
    Split,
    load_split,
    read_idx,
    synthetic_split,
    write_idx,
)


def write_dataset(d: Path, train: Split, test: Split, gz: bool = False) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    sfx = ".gz" if gz else ""
    write_idx(d / f"train-images-idx3-ubyte{sfx}", train.images)
    write_idx(d / f"train-labels-idx1-ubyte{sfx}", train.labels.astype(np.uint8))
    write_idx(d / f"t10k-images-idx3-ubyte{sfx}", test.images)
    write_idx(d / f"t10k-labels-idx1-ubyte{sfx}", test.labels.astype(np.uint8))
    return d


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, ">i2", ">i4", ">f4", ">f8"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_roundtrip(tmp_path: Path, dtype: str, suffix: str) -> None:
    rng = np.random.default_rng(0)
    a = (rng.integers(-100, 100, (3, 4, 5))).astype(dtype)
    if np.dtype(dtype).kind == "u":
        a = rng.integers(0, 256, (3, 4, 5)).astype(dtype)
    p = tmp_path / f"x.idx{suffix}"
    write_idx(p, a)
    b = read_idx(p)
    assert b.shape == a.shape and b.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(a, b)


def test_header_bytes_match_the_mnist_layout(tmp_path: Path) -> None:
    p = tmp_path / "labels"
    write_idx(p, np.array([7, 2, 1], dtype=np.uint8))
    assert p.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])


def _raw(tmp_path: Path, data: bytes, name: str = "bad-idx") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


HEAD_2x3 = struct.pack(">HBBII", 0, 8, 2, 2, 3)


@pytest.mark.parametrize(("data", "field", "ndim"), [
    (b"\x00\x00", "magic", None),                                   # shorter than the header
    (b"\x08\x03\x08\x01" + b"\x00" * 8, "magic", None),             # first bytes not zero
    (struct.pack(">HBBI", 0, 0x07, 1, 1) + b"\x00", "magic", None),  # unknown type
    (struct.pack(">HBB", 0, 8, 0), "dims", None),                    # zero dimensions
    (HEAD_2x3 + bytes(6), "dims", 3),                                # wrong number of dims
    (struct.pack(">HBBI", 0, 8, 3, 2), "dims", None),                # header cut in the sizes
    (struct.pack(">HBBII", 0, 8, 2, 0, 3), "dims", None),            # a zero size
    (HEAD_2x3 + bytes(5), "data", None),                             # truncated data
    (HEAD_2x3 + bytes(7), "data", None),                             # extra bytes
])
def test_malformed_file_raises_value_error_naming_file_and_field(
        tmp_path: Path, data: bytes, field: str, ndim: int | None) -> None:
    p = _raw(tmp_path, data)
    with pytest.raises(ValueError, match=rf"{p.name}: {field}:"):
        read_idx(p, ndim=ndim)


def test_bad_gzip_is_a_value_error(tmp_path: Path) -> None:
    p = _raw(tmp_path, b"not gzip at all", "x-idx1-ubyte.gz")
    with pytest.raises(ValueError, match="x-idx1-ubyte.gz"):
        read_idx(p)
    q = tmp_path / "cut.gz"
    q.write_bytes(gzip.compress(HEAD_2x3 + bytes(6))[:-6])
    with pytest.raises(ValueError, match="cut.gz"):
        read_idx(q)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


@pytest.mark.parametrize("gz", [False, True])
def test_load_split(tmp_path: Path, gz: bool) -> None:
    rng = np.random.default_rng(1)
    tr, te = synthetic_split(rng, 20), synthetic_split(rng, 7)
    d = write_dataset(tmp_path / "ds", tr, te, gz)
    got = load_split(d, "test")
    np.testing.assert_array_equal(got.images, te.images)
    np.testing.assert_array_equal(got.labels, te.labels)
    assert len(load_split(d, "train")) == 20
    assert len(got.head(3)) == 3


def test_load_split_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_split(tmp_path / "missing", "train")
    assert "--data DIR" in INSTALL_HINT
    rng = np.random.default_rng(2)
    d = write_dataset(tmp_path / "ds", synthetic_split(rng, 5), synthetic_split(rng, 5))
    with pytest.raises(ValueError, match="split"):
        load_split(d, "valid")
    write_idx(d / "t10k-labels-idx1-ubyte", np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte: dims: 4 labels for 5 images"):
        load_split(d, "test")
    write_idx(d / "t10k-labels-idx1-ubyte", np.full(5, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match="label 10"):
        load_split(d, "test")
    write_idx(d / "t10k-images-idx3-ubyte", np.zeros((5, 28, 28), dtype=">i4"))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte: magic"):
        load_split(d, "test")
    write_idx(d / "t10k-images-idx3-ubyte", np.zeros((5, 784), dtype=np.uint8))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte: dims: expected 3"):
        load_split(d, "test")
    (d / "train-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_split(d, "train")
