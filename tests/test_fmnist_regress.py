"""``make regress-fmnist`` (``hxtb.verif.fmnist``) on a few images: the fixed network's VMMs
through the Verilator co-simulation equal the fast path bit for bit (exit 0), a deliberately
corrupted co-simulation result is reported as a mismatch (exit 1), and a missing data set is
bad input (exit 2). Needs Debian's dataset-fashion-mnist (skipped without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hxsim.nn.data import DEFAULT_DATA_DIR, write_idx
from hxtb.verif import fmnist


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-image test split: the data set's first images, or seeded random ones."""
    d = tmp_path_factory.mktemp("fmnist")
    try:
        from hxsim.nn.data import load_split
        split = load_split(DEFAULT_DATA_DIR, "test").head(2)
        images, labels = split.images, split.labels.astype(np.uint8)
    except (OSError, ValueError):
        rng = np.random.default_rng(7)
        print("[seed] test_fmnist_regress: random images, seed 7")
        images = rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
        labels = np.array([3, 5], dtype=np.uint8)
    write_idx(d / "t10k-images-idx3-ubyte", images)
    write_idx(d / "t10k-labels-idx1-ubyte", labels)
    return d


def test_fixed_network_shapes() -> None:
    net = fmnist.FixedNet.seeded(1)
    img = np.zeros((3, 28, 28), dtype=np.uint8)
    assert fmnist.patches(img).shape == (3 * 25, 100)
    assert net.dense1.shape == (25 * net.conv.shape[1], 128)
    assert np.abs(net.conv).max() <= 63


def test_cosim_bit_exact_and_corruption_fails(data: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--data", str(data), "--limit", "2", "--no-progress"]
    assert fmnist.main(args) == 0
    out = capsys.readouterr().out
    assert "60 VMMs, 0 mismatches" in out and "bit-identical" in out, out
    assert fmnist.main([*args, "--inject-mismatch"]) == 1
    out = capsys.readouterr().out
    assert "1 mismatches" in out and "MISMATCH" in out, out


def test_missing_data_is_bad_input(tmp_path: Path) -> None:
    assert fmnist.main(["--data", str(tmp_path / "none"), "--limit", "1"]) == 2
