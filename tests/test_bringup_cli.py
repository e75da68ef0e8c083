"""The bring-up commands end to end on small data, exit codes included (0 ok, 1 check failed,
2 bad input / unavailable device / existing output)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hxsim import ChipParams
from hxsim.bringup.data import MeasuredData
from hxsim.calibration import CalibrationResult
from hxsim.cli import main

# Known hidden parameters for compare: the effects a per-column linear model cannot describe are
# off, so the configuration's numbers are what the fit must find.
KNOWN = ChipParams(gain=0.0025, column_gain_std=0.08, column_offset_std_lsb=3.0,
                   membrane_noise_lsb=1.5, read_noise_lsb=0.5, enable_driver_mismatch=False,
                   enable_synapse_mismatch=False, enable_order_effect=False, enable_leak=False,
                   enable_drift=False)


def test_characterize_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ch"
    assert main(["characterize", "--device", "model", "--repetitions", "4",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "slope" in text and "noise" in text and "fixed_seed 1" in text
    for suffix in ("png", "npz", "csv", "json"):
        assert (out / f"characterization.{suffix}").stat().st_size > 0
    res = json.loads((out / "characterization.json").read_text())
    # The linear fan: slopes scale with the input level (ideal 0.768 and 1.792 LSB per weight
    # step at gain 0.002); the chip's mismatch keeps them within 15 %.
    s = dict(zip(res["levels"], res["slope"], strict=True))
    assert abs(s[0]) < 0.02
    assert s[3] == pytest.approx(0.768, rel=0.15) and s[7] == pytest.approx(1.792, rel=0.15)
    data = MeasuredData.load(out / "characterization.npz")
    assert data.repetitions == 4 and data.metadata["fixed_seed"] == 1
    # The JSON records what the NPZ/CSV record: seeds, chip, device, calibration.
    md = res["metadata"]
    for key in ("fixed_seed", "noise_seed", "chip", "calibration"):
        assert md[key] == data.metadata[key], key
    assert md["device"] == "model" and md["calibration"] is None
    # No overwrite without --force (exit 2, the file named), then with --force.
    assert main(["characterize", "--device", "model", "--repetitions", "2",
                 "--out", str(out)]) == 2
    assert "characterization.png" in capsys.readouterr().err
    assert main(["characterize", "--device", "model", "--repetitions", "2", "--out", str(out),
                 "--force"]) == 0


def test_measure_and_compare_recover_known_parameters(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """64 VMMs x 8 repetitions on a chip with known parameters. Tolerances (about 4 sigma):
    gain 2 % (the realized mean of 256 column gains with 8 % std scatters by 0.5 %), noise 2 %
    (see test_fitting), column gain spread 0.015 (sample std of 256 draws: 4.4 % of 0.08), column
    offset spread 0.5 LSB (4.4 % of 3 LSB)."""
    params = tmp_path / "p.json"
    KNOWN.save(params)
    data = tmp_path / "m.npz"
    assert main(["measure", "--out", str(data), "--device", "model", "--params", str(params),
                 "--vmms", "64", "--repetitions", "8", "--fixed-seed", "11",
                 "--noise-seed", "12"]) == 0
    report = tmp_path / "rep"
    args = ["compare", str(data), "--params", str(params), "--out", str(report),
            "--gain-tol", "0.02", "--noise-tol", "0.04", "--column-gain-tol", "0.015",
            "--column-offset-tol", "0.5"]
    assert main(args) == 0
    summary = json.loads((report / "compare.json").read_text())
    assert summary["passed"] is True
    fit = summary["fit"]
    assert fit["gain"] == pytest.approx(0.0025, rel=0.02)
    assert fit["column_gain_spread"] == pytest.approx(0.08, abs=0.015)
    md = (report / "report.md").read_text()
    for png in ("residual_heatmap.png", "column_hist.png", "noise_vs_output.png"):
        assert png in md and (report / png).stat().st_size > 0
    # A threshold that cannot hold: exit 1; the existing report needs --force (exit 2).
    assert main(args + ["--gain-tol", "0"]) == 2
    assert main(args + ["--gain-tol", "0", "--force"]) == 1
    assert "deviation beyond threshold" in capsys.readouterr().err


def test_compare_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.csv"
    assert main(["measure", "--out", str(good), "--device", "model", "--vmms", "2",
                 "--repetitions", "1"]) == 0
    lines = good.read_text().splitlines()
    lines[1] = '# metadata: {"num_sends": 1, "source": "chip"}'
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["compare", str(bad), "--out", str(tmp_path / "r"), "--gain-tol", "1"]) == 2
    assert "metadata.timing" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "missing.npz")]) == 2
    assert main(["compare", str(bad), "--noise-tol", "-1"]) == 2


def test_export_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v = tmp_path / "v.jsonl"
    assert main(["export-vectors", "--out", str(v), "--vmms", "3", "--seed", "9",
                 "--num-sends", "2"]) == 0
    assert "seed 9" in capsys.readouterr().out
    assert main(["export-vectors", "--out", str(v), "--vmms", "3"]) == 2
    assert main(["replay-vectors", str(v)]) == 0           # ideal chip: bit-exact
    assert "0 mismatches" in capsys.readouterr().out
    noisy = tmp_path / "noisy.json"
    ChipParams().save(noisy)
    assert main(["replay-vectors", str(v), "--params", str(noisy)]) == 1
    # From a measured-data file.
    d = tmp_path / "m.csv"
    assert main(["measure", "--out", str(d), "--device", "model", "--vmms", "2",
                 "--repetitions", "1"]) == 0
    assert main(["export-vectors", "--out", str(tmp_path / "w.jsonl"), "--from", str(d)]) == 0
    broken = tmp_path / "b.jsonl"
    broken.write_text("{\"format\": \"hxsim-vectors\", \"version\": 1}\n{\"op\": \"poke\"}\n")
    assert main(["replay-vectors", str(broken)]) == 2
    assert "field 'version'" in capsys.readouterr().err


def test_calibrate_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--device", "model", "--out", str(out),
                 "--driver-repetitions", "2", "--offset-repetitions", "16"]) == 0
    text = capsys.readouterr().out
    assert "before" in text and "noise_seed 2" in text
    res = CalibrationResult.load(out)
    assert res.column_spread_after < res.column_spread_before
    assert res.driver_spread_low_after < res.driver_spread_low_before
    assert json.loads(out.read_text())["chip"]["fixed_seed"] == 1
    # The progress bar's total (VMMs) is what calibrate runs.
    assert res.settings.num_vmms == res.num_vmms
    assert main(["calibrate", "--device", "model", "--out", str(out)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--device", "model", "--out", str(tmp_path / "x.json"),
              "--driver-repetitions", "0"])
    assert exc.value.code == 2
    assert "--driver-repetitions: expected a positive integer" in capsys.readouterr().err
    assert np.all(res.dac_offsets >= 0)
