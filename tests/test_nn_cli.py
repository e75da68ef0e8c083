"""``hxsim train`` / ``hxsim infer`` on a tiny IDX data set written by the test; exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_nn_data import write_dataset

from hxsim import ChipParams
from hxsim.cli import main
from hxsim.device import ModelDevice, VmmBatch
from hxsim.nn.cosim import cosim_check
from hxsim.nn.data import synthetic_split
from hxsim.nn.network import Network
from hxsim.timing import Timing


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(21)
    d = tmp_path_factory.mktemp("ds")
    return write_dataset(d, synthetic_split(rng, 300), synthetic_split(rng, 100), gz=True)


@pytest.fixture(scope="module")
def trained(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    # The seeds of the published run (docs/nn.md, make train).
    rc = main(["train", "--data", str(dataset), "--out", str(out), "--float-epochs", "3",
               "--chip-epochs", "1", "--batch-size", "50", "--no-progress",
               "--seed", "1", "--fixed-seed", "3", "--noise-seed", "4"])
    assert rc == 0
    return out


def test_train_writes_weights_and_report(trained: Path, capsys: pytest.CaptureFixture) -> None:
    for name in ("float.npz", "chip.npz", "report.md", "report.json"):
        assert (trained / name).is_file()
    md = (trained / "report.md").read_text()
    assert "chip-in-the-loop trained, on the chip" in md
    assert "Tile VMMs per image: 30" in md
    assert "uJ" in md
    net = Network.load(trained / "chip.npz")
    assert net.meta["seeds"] == {"shuffle_seed": 1, "init_seed": 2, "fixed_seed": 3,
                                 "noise_seed": 4, "eval_noise_seed": 5}


def test_train_needs_force_to_overwrite(trained: Path, dataset: Path,
                                        capsys: pytest.CaptureFixture) -> None:
    """An existing output is an error before any training (exit 2, the file named)."""
    assert main(["train", "--data", str(dataset), "--out", str(trained), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "float.npz: exists; use --force" in err and err.count("\n") == 1


def test_infer_reproduces_the_reported_accuracy(trained: Path, dataset: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    import json

    rep = json.loads((trained / "report.json").read_text())
    capsys.readouterr()
    assert main(["infer", "--data", str(dataset), "--weights", str(trained / "chip.npz"),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    m = re.search(r"test accuracy \(device model\): ([0-9.]+) %", out)
    assert m is not None, out
    assert float(m.group(1)) == pytest.approx(100 * rep["acc_chip_in_loop"], abs=1e-9)
    assert "fixed_seed=3 noise_seed=5" in out
    for where in (["--device", "golden"], ["--device", "regs", "--test-limit", "3"],
                  ["--float"]):
        assert main(["infer", "--data", str(dataset), "--weights", str(trained / "float.npz"),
                     *where, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy (device golden)" in out and "test accuracy (float)" in out
    assert "test accuracy (device regs)" in out and "90 tile VMMs" in out


def test_missing_default_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "sudo apt-get install dataset-fashion-mnist" in err and "--data DIR" in err


def test_malformed_data_and_bad_weights_exit_2(tmp_path: Path, dataset: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in dataset.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    assert main(["infer", "--data", str(bad), "--weights", str(tmp_path / "w.npz")]) == 2
    assert "w.npz" in capsys.readouterr().err
    Network.mnist(np.random.default_rng(0)).save(tmp_path / "w.npz")
    assert main(["infer", "--data", str(bad), "--weights", str(tmp_path / "w.npz")]) == 2
    assert "t10k-images-idx3-ubyte.gz" in capsys.readouterr().err
    assert main(["infer", "--data", str(dataset), "--weights", str(tmp_path / "w.npz"),
                 "--cosim-check", "1000"]) == 2
    assert "--cosim-check: 1000 images requested" in capsys.readouterr().err
    assert main(["train", "--data", str(dataset), "--ideal", "--params", "x.json"]) == 2


@pytest.mark.parametrize("argv", [["train", "--batch-size", "0"], ["train", "--lr-chip", "-1"],
                                  ["infer", "--cosim-check", "x"],
                                  ["train", "--chip-init", "nope"]])
def test_bad_options_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


class _Flip(ModelDevice):
    """A device that differs from the fast path in one output bit of its third call."""

    n = 0

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch:
        batch = super().run_vmms(x, w, timing, dac_offsets, column_offsets)
        self.n += 1
        if self.n == 3:
            batch.y[0, 0] ^= 1
        return batch


def test_cosim_check_logic_with_stand_in_backends() -> None:
    rng = np.random.default_rng(8)
    net = Network.mnist(rng)
    imgs = rng.integers(0, 256, (3, 28, 28)).astype(np.uint8)
    lines: list[str] = []
    assert cosim_check(net, imgs, ChipParams(), 1, 2, factory=ModelDevice, log=lines.append)
    assert "bit-identical" in lines[-1]
    lines.clear()
    assert not cosim_check(net, imgs, ChipParams(), 1, 2, factory=_Flip, log=lines.append)
    assert any("fc1" in s and "MISMATCH" in s for s in lines)
