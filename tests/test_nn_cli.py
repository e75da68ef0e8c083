"""``hxsim train`` / ``hxsim infer`` / ``hxsim twin`` on a tiny IDX data set written by the test
(the training run on a chip calibrated by ``hxsim calibrate --targets``, as ``make train``);
``--calibration`` applied to every layer through the device; exit codes; the cosim check's logic
with stand-in devices."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

import torch  # noqa: E402
from test_calibrate_cli import one_error_line, write_cal  # noqa: E402
from test_nn_data import write_dataset  # noqa: E402

from hxsim import ChipInstance, ChipParams  # noqa: E402
from hxsim.calibration import CalibratedDevice, CalibrationResult  # noqa: E402
from hxsim.capmem import CapMemConfig  # noqa: E402
from hxsim.cli import main  # noqa: E402
from hxsim.cli.nn import MAPPING_NAMES  # noqa: E402
from hxsim.device import ModelDevice, VmmBatch  # noqa: E402
from hxsim.nn.chip import Chip  # noqa: E402
from hxsim.nn.cosim import (  # noqa: E402
    CosimChunk,
    chunk_chip,
    cosim_check,
    layer_outputs,
    run_chunk,
    split,
)
from hxsim.nn.data import synthetic_split  # noqa: E402
from hxsim.nn.models import MAPPINGS, NetConfig, load_checkpoint, mnist_model  # noqa: E402
from hxsim.nn.train import dataset as tensor_dataset  # noqa: E402
from hxsim.timing import Timing  # noqa: E402


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(21)
    d = tmp_path_factory.mktemp("ds")
    return write_dataset(d, synthetic_split(rng, 300), synthetic_split(rng, 100), gz=True)


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make train``'s calibration, small: CapMem targets, then DAC and column offsets of the
    chip instance fixed_seed 3."""
    cal = tmp_path_factory.mktemp("cal") / "cal.json"
    assert main(["calibrate", "--device", "model", "--targets", "--target-repetitions", "4",
                 "--driver-repetitions", "1", "--offset-repetitions", "8", "--fixed-seed", "3",
                 "--noise-seed", "4", "--no-progress", "--out", str(cal)]) == 0
    return cal


@pytest.fixture(scope="module")
def trained(dataset: Path, calibration: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    rc = main(["train", "--data", str(dataset), "--out", str(out), "--float-epochs", "2",
               "--chip-epochs", "1", "--batch-size", "50", "--no-progress", "--seed", "1",
               "--fixed-seed", "3", "--noise-seed", "4", "--mapping", "plain,avg2",
               "--mapping-float-epochs", "1", "--twin-check", "--calibration",
               str(calibration)])
    assert rc == 0
    return out


def test_train_writes_checkpoints_and_report(trained: Path, calibration: Path) -> None:
    md = (trained / "report.md").read_text()
    assert "chip-in-the-loop trained, on the chip" in md and "| plain | [1, 1, 1] | 30 |" in md
    assert "| avg2 |" in md and "uJ" in md and "twin's prediction" in md
    rep = json.loads((trained / "report.json").read_text())
    assert rep["twin"]["acc_twin"] is not None and len(rep["strategies"]) == 2
    assert rep["settings"]["calibration"] == {"file": str(calibration), "capmem_default": False}
    assert rep["chip"]["calibration"] == str(calibration)
    # chip time of the float-trained network: 30 VMMs per image of at least 100 cycles of 8 ns
    assert rep["cycles_per_image"] > 30 * 100 and rep["energy_uj_per_image"] > 0
    assert "Chip time per image (float-trained network on the chip)" in md
    model, cfg, meta = load_checkpoint(trained / "chip.pt")
    assert meta["seeds"]["fixed_seed"] == 3 and meta["seeds"]["eval_noise_seed"] == 5
    assert meta["calibration"]["file"] == str(calibration)
    assert cfg == NetConfig()


def test_infer_reproduces_the_reported_accuracy(trained: Path, dataset: Path, calibration: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    """With the training run's calibration, infer reproduces the report's number exactly;
    without it, it says so and runs on the reset values."""
    rep = json.loads((trained / "report.json").read_text())
    capsys.readouterr()
    assert main(["infer", "--data", str(dataset), "--weights", str(trained / "chip.pt"),
                 "--calibration", str(calibration), "--no-progress"]) == 0
    out = capsys.readouterr().out
    m = re.search(r"test accuracy \(device model\): ([0-9.]+) %", out)
    assert m is not None, out
    assert float(m.group(1)) == pytest.approx(100 * rep["acc_chip_in_loop"], abs=1e-9)
    assert "note:" not in out
    assert main(["infer", "--data", str(dataset), "--weights", str(trained / "chip.pt"),
                 "--no-progress"]) == 0
    assert f"note: the training run used --calibration {calibration}" in capsys.readouterr().out
    for where in (["--device", "golden"], ["--device", "regs", "--test-limit", "3"],
                  ["--float"], ["--mock"]):
        assert main(["infer", "--data", str(dataset), "--weights", str(trained / "float.pt"),
                     *where, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy (device regs)" in out and "90 tile VMMs" in out
    assert "test accuracy (float)" in out and "test accuracy (mock)" in out


def test_twin_command_and_infer_on_the_twin(trained: Path, dataset: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    twin = tmp_path / "twin.json"
    assert main(["twin", "--out", str(twin), "--fixed-seed", "3", "--vectors", "64",
                 "--repetitions", "3"]) == 0
    assert main(["twin", "--out", str(twin)]) == 2  # exists, no --force
    assert main(["infer", "--data", str(dataset), "--weights", str(trained / "chip.pt"),
                 "--twin", str(twin), "--no-progress"]) == 0
    assert "test accuracy (device model)" in capsys.readouterr().out


def test_errors_exit_2(trained: Path, dataset: Path, tmp_path: Path,
                       capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "--data", str(dataset), "--out", str(trained), "--no-progress"]) == 2
    assert "float.pt: exists; use --force" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "dataset-fashion-mnist" in capsys.readouterr().err
    assert main(["train", "--data", str(dataset), "--out", str(tmp_path / "o2"),
                 "--mapping", "nope"]) == 2
    assert "--mapping: unknown strategy 'nope'" in capsys.readouterr().err
    (tmp_path / "w.pt").write_bytes(b"garbage")
    assert main(["infer", "--data", str(dataset), "--weights", str(tmp_path / "w.pt")]) == 2
    assert "w.pt" in capsys.readouterr().err
    assert main(["infer", "--data", str(dataset), "--weights", str(trained / "chip.pt"),
                 "--cosim-check", "1000"]) == 2


def test_calibration_applies_to_every_layer_through_the_device(tmp_path: Path) -> None:
    """A calibration file changes the network's results on the model device: column offsets +5
    move every in-range output of the first MAC layer (the conv: one row tile, same inputs) by
    exactly +5, and the later layers change with it; CapMem cells (synapse DAC bias 400 of 800)
    halve the analog gain."""
    model = mnist_model(seed=3)
    images = tensor_dataset(synthetic_split(np.random.default_rng(8), 2)).tensors[0]

    def outputs(cal: CalibrationResult | None) -> list[torch.Tensor]:
        dev = ModelDevice(ChipInstance(ChipParams(), 3, 4))
        return layer_outputs(model, images, Chip(CalibratedDevice(dev, cal) if cal else dev))

    plain = outputs(None)
    shifted = outputs(CalibrationResult.load(write_cal(tmp_path / "c.json", col=5,
                                                       fixed_seed=3)))
    a, b = plain[0], shifted[0]
    inside = (a > -100) & (a < 100)
    assert inside.float().mean() > 0.5
    assert torch.equal(b[inside], a[inside] + 5)
    assert not torch.equal(plain[1], shifted[1]) and not torch.equal(plain[2], shifted[2])
    low = outputs(CalibrationResult.load(write_cal(
        tmp_path / "g.json", capmem=CapMemConfig.default().with_(syn_i_bias_dac=400),
        fixed_seed=3)))
    ratio = float(low[0].abs().sum() / plain[0].abs().sum())
    assert 0.4 < ratio < 0.6, ratio


@pytest.mark.parametrize("name", ["train", "infer", "twin"])
def test_calibration_errors_exit_2_one_line(name: str, trained: Path, dataset: Path,
                                            tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    """Every network command refuses a calibration of another chip instance and --calibration
    with --twin (one line, exit 2, nothing written); CapMem cells run on every device."""
    argv = {"train": ["train", "--data", str(dataset), "--out", str(tmp_path / "o"),
                      "--fixed-seed", "3"],
            "infer": ["infer", "--data", str(dataset), "--weights", str(trained / "chip.pt")],
            "twin": ["twin", "--out", str(tmp_path / "t.json"), "--fixed-seed", "3"]}[name]
    other = write_cal(tmp_path / "other.json", fixed_seed=7)
    assert main([*argv, "--calibration", str(other)]) == 2
    one_error_line(capsys.readouterr().err, f"hxsim {name}: error:", "--calibration:",
                   "fixed_seed 7", "--fixed-seed 7")
    cells = write_cal(tmp_path / "cells.json", fixed_seed=3,
                      capmem=CapMemConfig.default().with_(syn_i_bias_dac=500))
    if name != "twin":
        twin = tmp_path / "twin.json"
        twin.write_text("{}")
        assert main([*argv, "--twin", str(twin), "--calibration", str(cells)]) == 2
        one_error_line(capsys.readouterr().err, "--twin and --calibration exclude each other")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["other.json", "cells.json"] + (["twin.json"] if name != "twin" else []))


def test_mapping_names_listed_for_help_match_the_strategies() -> None:
    assert tuple(MAPPINGS) == MAPPING_NAMES


class _Flip(ModelDevice):
    """Differs from the fast path in one output bit of its third call."""

    n = 0

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        batch = super().run_vmms(x, w, timing, dac_offsets, column_offsets, capmem)
        self.n += 1
        if self.n == 3:
            batch.y[0, 0] ^= 1
        return batch


def test_cosim_check_logic_with_stand_in_devices() -> None:
    model = mnist_model(seed=3)
    data = synthetic_split(np.random.default_rng(8), 3)
    lines: list[str] = []
    assert cosim_check(model, data, ChipParams(), 1, 2, factory=ModelDevice, log=lines.append)
    assert lines[-1] == "cosim: 3 images, 90 tile VMMs: bit-identical"
    lines.clear()
    assert not cosim_check(model, data, ChipParams(), 1, 2, factory=_Flip, log=lines.append)
    assert any("MISMATCH" in s for s in lines)


# ---- the co-simulation check split into chunks, on Dask workers -------------------------------
@pytest.fixture(scope="module")
def client() -> Any:
    from hxsim import jobs

    with jobs.open_cluster(jobs.ClusterSpec(workers=2, dashboard=False), log=lambda _s: None) as c:
        yield c


def test_cosim_chunks_split_and_noise_streams() -> None:
    assert [(r.start, r.stop) for r in split(5, 2)] == [(0, 2), (2, 4), (4, 5)]
    assert [(r.start, r.stop) for r in split(5, None)] == [(0, 5)]
    assert [(r.start, r.stop) for r in split(5, 9)] == [(0, 5)]
    with pytest.raises(ValueError, match="chunk_size"):
        split(5, 0)
    # chunk 0 draws the run's own stream; chunk k the stream jumped k times
    assert chunk_chip(ChipParams(), 1, 2, 0).noise_state == ChipInstance(
        ChipParams(), 1, 2).noise_state
    assert chunk_chip(ChipParams(), 1, 2, 1).noise_state != chunk_chip(
        ChipParams(), 1, 2, 0).noise_state


def test_cosim_check_in_chunks_on_two_workers_equals_this_process(client: Any) -> None:
    """The chunks of the check run on a 2-worker embedded Dask cluster give exactly the layer
    outputs they give in this process (each chunk's noise depends on its index only), the merged
    check passes, and a device that differs on a worker is caught."""
    print("[seed] model seed 3, images seed 8, fixed_seed 1, noise_seed 2")
    model = mnist_model(seed=3)
    data = synthetic_split(np.random.default_rng(8), 5)
    images = tensor_dataset(data).tensors[0]
    net = mnist_model(seed=3)
    here = [run_chunk(CosimChunk(k, images[r], net, ChipParams(), 1, 2, factory=ModelDevice))
            for k, r in enumerate(split(5, 2))]
    there = [client.submit(run_chunk, CosimChunk(k, images[r], net, ChipParams(), 1, 2,
                                                 factory=ModelDevice), pure=False).result()
             for k, r in enumerate(split(5, 2))]
    for a, b in zip(here, there, strict=True):
        assert a.index == b.index and a.vmms == b.vmms > 0
        assert all(torch.equal(x, y) for x, y in zip(a.outputs, b.outputs, strict=True))
    # the split changes the noise of the later chunks (their streams are jumped) ...
    whole = run_chunk(CosimChunk(0, images, net, ChipParams(), 1, 2, factory=ModelDevice))
    assert torch.equal(whole.outputs[0][:2], here[0].outputs[0])
    assert not torch.equal(whole.outputs[0][2:4], here[1].outputs[0])
    # ... and the check through the workers still passes, bit for bit, or catches a difference
    lines: list[str] = []
    assert cosim_check(model, data, ChipParams(), 1, 2, factory=ModelDevice, log=lines.append,
                       chunk_size=2, client=client)
    assert lines[-1] == "cosim: 5 images in 3 chunks of 2, 150 tile VMMs: bit-identical"
    lines.clear()
    assert not cosim_check(model, data, ChipParams(), 1, 2, factory=_Flip, log=lines.append,
                           chunk_size=2, client=client)
    assert any("MISMATCH" in s for s in lines)


@pytest.mark.sim
def test_infer_cosim_check_on_two_workers(trained: Path, dataset: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    """hxsim infer --cosim-check through the RTL in chunks on a 2-worker embedded cluster, each
    chunk its own Verilator session (the cached build of the other co-simulation tests),
    bit-identical to the fast path."""
    pytest.importorskip("cocotb")
    argv = ["infer", "--data", str(dataset), "--weights", str(trained / "float.pt"),
            "--test-limit", "4", "--cosim-check", "4", "--cosim-chunk", "2", "--no-progress"]
    assert main([*argv, "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 images in 2 chunk(s) of up to 2 (--cosim-chunk)" in out
    assert "on embedded LocalCluster, 2 worker processes" in out
    assert "cosim: 4 images in 2 chunks of 2, 120 tile VMMs: bit-identical" in out, out
    # the same chunks in this process: tests/test_nn_cosim.py (Verilator) and
    # test_cosim_check_in_chunks_on_two_workers_equals_this_process (stand-in devices)
