"""``hxsim calibrate --targets`` (CapMem target calibration through the CLI) and the shared
``--calibration FILE`` option applied by every command that runs VMMs (issue 14). Model device,
small sizes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from hxsim.bringup.data import MeasuredData
from hxsim.calibration import CalibrationResult, CapMemTargets
from hxsim.capmem import CapMemConfig
from hxsim.cli import main
from hxsim.cli.common import DEFAULT_FIXED_SEED
from hxsim.golden import TILE_COLS, TILE_ROWS

#: Small target calibration (repetitions 4) and offset calibration.
SMALL = ["--driver-repetitions", "1", "--offset-repetitions", "4", "--no-progress"]
TARGETS_SMALL = ["--targets", "--target-repetitions", "4"]


def one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], err


def write_cal(path: Path, dac: int = 32, col: int = 0, capmem: CapMemConfig | None = None,
              fixed_seed: int | None = DEFAULT_FIXED_SEED) -> Path:
    """A calibration file with constant DAC and column offsets and the given cells, measured on
    chip ``fixed_seed`` (None: without the ``chip`` field)."""
    z = np.zeros
    res = CalibrationResult(
        dac_offsets=np.full(TILE_ROWS, dac, dtype=np.int64),
        column_offsets=np.full(TILE_COLS, col, dtype=np.int64), dac_step_x=0.1,
        driver_low_before=z(TILE_ROWS), driver_high_before=z(TILE_ROWS),
        driver_intercept_before=z(TILE_ROWS), driver_low_after=z(TILE_ROWS),
        driver_high_after=z(TILE_ROWS), driver_intercept_after=z(TILE_ROWS),
        column_offset_before=z(TILE_COLS), column_offset_after=z(TILE_COLS), capmem=capmem)
    data = res.to_dict()
    if fixed_seed is not None:
        data["chip"] = {"fixed_seed": fixed_seed}
    path.write_text(json.dumps(data))
    return path


# ---- calibrate --targets ------------------------------------------------------------------------
def test_targets_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cal.json"
    assert main(["calibrate", "--device", "model", "--out", str(out), *SMALL, *TARGETS_SMALL,
                 "--target-baseline", "90", "--target-gain", "0.0025"]) == 0
    text = capsys.readouterr().out
    res = CalibrationResult.load(out)
    data = json.loads(out.read_text())
    assert data["version"] == 2
    assert res.capmem is not None and not res.capmem.is_default
    rep = res.capmem_report
    assert rep is not None
    n_targets = CapMemTargets(repetitions=4).num_vmms
    assert rep["num_vmms"] == n_targets == data["vmms"]["capmem_targets"]
    assert data["vmms"]["total"] == n_targets + res.num_vmms
    assert rep["targets"]["baseline_code"] == 90 and rep["targets"]["gain"] == 0.0025
    q = rep["quantities"]
    for name in ("baseline_code (quadrants)", "range_codes (quadrants)",
                 "gain (quadrant medians)", "column gain spread (rel. std)"):
        assert {"before", "after", "target"} <= set(q[name]), name
        assert name in text  # the table on stdout
    # the targets moved the quantities towards them (before: the defaults ~119 codes, ~0.0019)
    assert all(abs(b - 90) <= 3 for b in q["baseline_code (quadrants)"]["after"])
    assert all(abs(b - 90) > 10 for b in q["baseline_code (quadrants)"]["before"])
    assert all(abs(g / 0.0025 - 1) < 0.08 for g in q["gain (quadrant medians)"]["after"])
    m = re.search(r"VMMs spent: (\d+) \(CapMem targets\) \+ (\d+) \(offsets\) = (\d+)", text)
    assert m and int(m.group(3)) == data["vmms"]["total"]
    # no temporary file is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json"]


@pytest.mark.parametrize(("args", "words"), [
    (["--targets", "--target-baseline", "300"], ["--target-baseline", "0..255", "300"]),
    (["--targets", "--target-range", "0"], ["--target-range", "(0, 255]"]),
    (["--targets", "--target-gain", "2"], ["--target-gain", "(0, 1]"]),
    (["--targets", "--target-gain", "nan"], ["--target-gain", "nan"]),
    (["--targets", "--target-drift", "-1"], ["--target-drift", "positive"]),
    (["--targets", "--target-repetitions", "1"], ["--target-repetitions", "2..4096"]),
    (["--targets", "--target-baseline", "200", "--target-range", "100"],
     ["--target-range", "255"]),
    (["--target-gain", "0.003"], ["--target-gain needs --targets"]),
])
def test_bad_targets_exit_2_one_line(args: list[str], words: list[str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cal.json"
    argv = ["calibrate", "--device", "model", "--out", str(out), *SMALL, *args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own checks
        code = int(exc.code or 0)
    assert code == 2
    one_error_line(capsys.readouterr().err, "hxsim calibrate: error:", *words)
    assert not out.exists()


def test_calibration_is_the_starting_point(tmp_path: Path) -> None:
    """calibrate --calibration keeps the file's cells (without --targets) or starts the target
    calibration from them: cells no step calibrates keep the file's values."""
    start = write_cal(tmp_path / "start.json",
                      capmem=CapMemConfig.default().with_(stp_i_ramp=700))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["calibrate", "--device", "model", "--calibration", str(start), "--out", str(a),
                 *SMALL]) == 0
    assert CalibrationResult.load(a).capmem == CapMemConfig.default().with_(stp_i_ramp=700)
    assert main(["calibrate", "--device", "model", "--calibration", str(start), "--out", str(b),
                 *SMALL, *TARGETS_SMALL]) == 0
    cells = CalibrationResult.load(b).capmem
    assert cells is not None
    assert list(cells.quadrant["stp_i_ramp"]) == [700, 700]
    assert cells.quadrant["syn_i_bias_dac"].tolist() != [800, 800]
    assert json.loads(b.read_text())["starting_point"] == str(start)


# ---- --calibration applied by the commands ------------------------------------------------------
def test_measure_applies_column_offsets_and_cells(tmp_path: Path) -> None:
    """Same seeds, a calibration of column offsets +5: every result moves by exactly +5 (the
    digital offset is added before the int8 saturation); the CapMem cells change the gain."""
    base = ["measure", "--device", "model", "--vmms", "4", "--repetitions", "2", "--weight-max",
            "40", "--density", "1", "--no-progress"]
    plain, shifted, cells = tmp_path / "p.npz", tmp_path / "s.npz", tmp_path / "c.npz"
    assert main([*base, "--out", str(plain)]) == 0
    assert main([*base, "--out", str(shifted), "--calibration",
                 str(write_cal(tmp_path / "off.json", col=5))]) == 0
    assert main([*base, "--out", str(cells), "--calibration", str(write_cal(
        tmp_path / "cm.json", capmem=CapMemConfig.default().with_(syn_i_bias_dac=300)))]) == 0
    y0 = MeasuredData.load(plain).outputs
    y1 = MeasuredData.load(shifted).outputs
    y2 = MeasuredData.load(cells).outputs
    inside = (y0 > -120) & (y0 < 120)
    assert inside.mean() > 0.9 and np.array_equal(y1[inside], y0[inside] + 5)
    assert y2.std() < 0.6 * y0.std()  # 300/800 of the synaptic current, noise ~2 LSB
    md = MeasuredData.load(shifted).metadata
    assert md["calibration"]["file"].endswith("off.json")


def test_characterize_applies_calibration(tmp_path: Path) -> None:
    base = ["characterize", "--device", "model", "--repetitions", "2", "--levels", "0,7",
            "--no-progress"]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    assert main([*base, "--out", str(tmp_path / "b"), "--calibration",
                 str(write_cal(tmp_path / "off.json", col=-7))]) == 0
    a = MeasuredData.load(tmp_path / "a" / "characterization.npz").outputs
    b = MeasuredData.load(tmp_path / "b" / "characterization.npz").outputs
    inside = (a > -100) & (a < 100)
    assert np.array_equal(b[inside], a[inside] - 7)


def test_demo_applies_calibration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def mean_error(args: list[str]) -> float:
        assert main(["demo", "--device", "model", "--columns", "2", *args]) == 0
        m = re.search(r"mean error ([+-][\d.]+) LSB", capsys.readouterr().out)
        assert m
        return float(m.group(1))

    plain = mean_error([])
    shifted = mean_error(["--calibration", str(write_cal(tmp_path / "off.json", col=4))])
    assert shifted - plain == pytest.approx(4.0, abs=0.05)


def test_demo_regs_runs_a_default_cells_calibration(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """On the register-level model the noisy chip runs with the file's offsets and still equals
    the fast path with the same calibration."""
    cal = write_cal(tmp_path / "off.json", dac=30, col=3)
    assert main(["demo", "--device", "regs", "--columns", "2", "--no-progress",
                 "--calibration", str(cal)]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_sweep_base_point_is_the_calibration(tmp_path: Path) -> None:
    cal = write_cal(tmp_path / "c.json",
                    capmem=CapMemConfig.default().with_(syn_i_bias_dac=400))
    out = tmp_path / "s"
    assert main(["sweep", "stp_i_ramp=500:700:2", "--out", str(out), "--calibration", str(cal),
                 "--no-progress"]) == 0
    data = json.loads((out / "sweep.json").read_text())
    assert data["sweeps"]["stp_i_ramp"]["base_value"] == 600
    assert data["base"]["gain"] == pytest.approx(0.002 * 400 / 800, rel=0.1)
    assert data["metadata"]["calibration"]["capmem_default"] is False


NON_DEFAULT = CapMemConfig.default().with_(syn_i_bias_dac=500)


@pytest.mark.parametrize("argv", [
    ["characterize", "--levels", "0,7", "--repetitions", "2"],
    ["measure", "--vmms", "2", "--repetitions", "1"],
    ["calibrate", *SMALL],
])
def test_capmem_cells_on_register_device_equal_model(argv: list[str], tmp_path: Path) -> None:
    """A calibration with non-default cells on ``--device regs`` (the cells written over AXI)
    gives the same outputs as on ``--device model``."""
    cal = write_cal(tmp_path / "c.json", capmem=NON_DEFAULT)
    outs = {}
    for device in ("regs", "model"):
        out = tmp_path / device / {"calibrate": "o.json", "measure": "o.npz"}.get(argv[0], "")
        assert main([*argv, "--device", device, "--out", str(out), "--no-progress",
                     "--calibration", str(cal)]) == 0
        outs[device] = out
    if argv[0] == "calibrate":
        a, b = (json.loads(outs[d].read_text()) for d in ("regs", "model"))
        assert a["chip"].pop("backend") == "model registers" and b["chip"].pop("backend")
        assert a == b and CalibrationResult.from_dict(a).capmem == NON_DEFAULT
        return
    name = "o.npz" if argv[0] == "measure" else "characterization.npz"
    a_out = MeasuredData.load(tmp_path / "regs" / name)
    b_out = MeasuredData.load(tmp_path / "model" / name)
    np.testing.assert_array_equal(a_out.outputs, b_out.outputs)
    # the cells matter: without the calibration the outputs differ
    plain = tmp_path / "plain" / {"measure": "o.npz"}.get(argv[0], "")
    assert main([*argv, "--device", "regs", "--out", str(plain), "--no-progress"]) == 0
    assert not np.array_equal(MeasuredData.load(tmp_path / "plain" / name).outputs,
                              a_out.outputs)


def test_demo_regs_applies_capmem_cells(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    cal = write_cal(tmp_path / "c.json", capmem=NON_DEFAULT)
    assert main(["demo", "--device", "regs", "--columns", "2", "--no-progress",
                 "--calibration", str(cal)]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_targets_through_registers_equal_model(tmp_path: Path) -> None:
    """``calibrate --targets --device regs`` (every cell written over AXI) writes the same
    calibration file as ``--device model``."""
    common = ["calibrate", *SMALL, "--targets", "--target-repetitions", "2"]
    assert main([*common, "--device", "regs", "--out", str(tmp_path / "r.json")]) == 0
    assert main([*common, "--device", "model", "--out", str(tmp_path / "m.json")]) == 0
    a = json.loads((tmp_path / "r.json").read_text())
    b = json.loads((tmp_path / "m.json").read_text())
    assert a["chip"].pop("backend") == "model registers" and b["chip"].pop("backend") == "model"
    assert a == b and not CalibrationResult.from_dict(a).capmem.is_default  # type: ignore[union-attr]


def test_sweep_on_register_device_equals_model(tmp_path: Path) -> None:
    """``hxsim sweep --device regs`` (every setting's cells written over AXI) measures exactly
    what ``hxsim sweep --device model`` measures with the same seeds."""
    data = {}
    for device in ("regs", "model"):
        out = tmp_path / device
        assert main(["sweep", "syn_i_bias_dac=400:800:2", "--device", device, "--out", str(out),
                     "--no-progress"]) == 0
        data[device] = json.loads((out / "sweep.json").read_text())
    assert data["regs"].pop("metadata")["device"] == "regs"
    assert data["model"].pop("metadata")["device"] == "model"
    assert data["regs"] == data["model"]


@pytest.mark.parametrize("name", ["characterize", "measure", "calibrate", "demo", "sweep"])
def test_bad_calibration_file(name: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    extra = {"characterize": ["--out", str(tmp_path / "o")],
             "measure": ["--out", str(tmp_path / "o.npz")],
             "calibrate": ["--out", str(tmp_path / "o.json")], "demo": [],
             "sweep": ["syn_i_bias_dac=400:800:2", "--out", str(tmp_path / "o")]}[name]
    argv = [name, "--device", "model", *extra]
    assert main([*argv, "--calibration", str(tmp_path / "none.json")]) == 2
    one_error_line(capsys.readouterr().err, "--calibration:", "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "hxsim-calibration", "version": 2}))
    assert main([*argv, "--calibration", str(bad)]) == 2
    one_error_line(capsys.readouterr().err, "--calibration:", "bad.json", "missing")
    other = write_cal(tmp_path / "other.json", fixed_seed=7)
    assert main([*argv, "--calibration", str(other)]) == 2
    one_error_line(capsys.readouterr().err, "--calibration:", "fixed_seed 7", "--fixed-seed 7")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "other.json"]


@pytest.mark.parametrize(("chip", "words"), [
    (None, ("'chip.fixed_seed' missing", "integer")),
    ({}, ("'chip.fixed_seed' missing", "integer")),
    ({"noise_seed": 2}, ("'chip.fixed_seed' missing", "integer")),
    ({"fixed_seed": "1"}, ("'chip.fixed_seed'", "expected an integer", "str '1'")),
    ({"fixed_seed": None}, ("'chip.fixed_seed'", "expected an integer", "NoneType")),
])
def test_calibration_without_an_integer_fixed_seed_is_refused(
        chip: dict | None, words: tuple[str, ...], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The fixed-seed check cannot be bypassed by leaving the chip out or giving a string."""
    path = write_cal(tmp_path / "c.json", fixed_seed=None)
    if chip is not None:
        data = json.loads(path.read_text())
        data["chip"] = chip
        path.write_text(json.dumps(data))
    assert main(["calibrate", "--device", "model", "--out", str(tmp_path / "o.json"),
                 *SMALL, "--calibration", str(path)]) == 2
    one_error_line(capsys.readouterr().err, "--calibration:", "c.json", *words)
    assert not (tmp_path / "o.json").exists()


def test_targets_progress_bar_counts_every_vmm(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from hxsim.calibration import CalibrationSettings

    total = (CapMemTargets(repetitions=4).num_vmms
             + CalibrationSettings(driver_repetitions=1, offset_repetitions=4).num_vmms)
    assert main(["calibrate", "--device", "model", "--out", str(tmp_path / "c.json"),
                 *SMALL[:-1], "--progress", *TARGETS_SMALL]) == 0
    assert f"{total}/{total} [" in capsys.readouterr().err
