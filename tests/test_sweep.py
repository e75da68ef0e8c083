"""hxsim sweep (issue 14) and the characterization's ideal line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams, Timing
from hxsim.bringup import characterize as charz
from hxsim.cli import main
from hxsim.cli.common import seed_metadata
from hxsim.device import ModelDevice
from hxsim.golden import ideal_vmm
from hxsim.sweep import QUANTITIES, MeasureSettings, SweepSpec, collect, measure_job, sweep_jobs


@pytest.mark.parametrize("spec", ["foo=1:2:3", "syn_i_bias_dac=1:2", "syn_i_bias_dac=0:2000:3",
                                  "syn_i_bias_dac=0:100:1", "syn_i_bias_dac",
                                  "syn_i_bias_dac=10:10:3", "syn_i_bias_dac=1:5:64"])
def test_bad_spec_is_one_line_exit_2(spec: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", spec, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sweep" in err[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("argv", "rule"), [
    (["syn_i_bias_dac=10:10:3"], "start and stop must differ"),
    (["syn_i_bias_dac=1:5:64"], "64 steps need at least 64 distinct integer settings"),
    (["stp_i_ramp=300:1000:3", "stp_i_ramp=0:100:2"], "'stp_i_ramp' given more than once"),
])
def test_spec_rules_name_spec_and_rule(argv: list[str], rule: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", *argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and rule in err[0] and repr(argv[-1]) in err[0]
    assert not (tmp_path / "o").exists()


def test_interrupted_plots_leave_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """KeyboardInterrupt while plotting: no new directory; over an earlier run with --force,
    the earlier sweep.json and PNGs are unchanged (JSON and PNGs are one commit)."""
    import hxsim.sweep as sweep_mod

    real = sweep_mod.plot_sweep
    calls = []

    def interrupted(data: dict, out: Path, force: bool = False, target: object = None) -> None:
        calls.append(out)
        real(data, out, force=force, target=target)  # write the (temporary) PNGs first
        raise KeyboardInterrupt

    argv = ["sweep", "syn_i_bias_dac=400:1000:2"]
    fresh = tmp_path / "fresh"
    monkeypatch.setattr("hxsim.cli.oppoint.plot_sweep", interrupted)
    assert main([*argv, "--out", str(fresh)]) == 130
    assert calls and not fresh.exists()

    monkeypatch.setattr("hxsim.cli.oppoint.plot_sweep", real)
    old = tmp_path / "old"
    assert main([*argv, "--out", str(old), "--seed", "1"]) == 0
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    assert "sweep.json" in before and "sweep_tradeoff.png" in before
    monkeypatch.setattr("hxsim.cli.oppoint.plot_sweep", interrupted)
    assert main([*argv, "--out", str(old), "--seed", "2", "--force"]) == 130
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before


def test_spec_values() -> None:
    assert SweepSpec.parse("stp_i_ramp=300:1000:3").values == [300, 650, 1000]


def test_sweep_writes_json_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert main(["sweep", "syn_i_bias_dac=400:1000:2", "--out", str(out)]) == 0
    data = json.loads((out / "sweep.json").read_text())
    g = data["sweeps"]["syn_i_bias_dac"]["gain"]
    assert g[1] / g[0] == pytest.approx(1000 / 400, rel=0.08)
    assert (out / "sweep_tradeoff.png").stat().st_size > 1000
    assert main(["sweep", "syn_i_bias_dac=400:1000:2", "--out", str(out)]) == 2  # no --force


def test_characterization_ideal_uses_chip_gain_and_sends() -> None:
    chip = ChipInstance(ChipParams(gain=0.004), 1, 2)
    t = Timing(num_sends=2)
    data = charz.run(ModelDevice(chip), t, 2, (0, 3), metadata=seed_metadata(chip))
    res = charz.analyze(data)
    x, w = charz.stimulus((0, 3))
    assert np.array_equal(res.ideal, ideal_vmm(x, w[:, :127], 0.004, 2))
    assert res.slope_ideal[1] == pytest.approx(0.004 * 2 * 128 * 3)


def _without_run(path: Path) -> str:
    """sweep.json without what differs between runs by design: the wall time and where the
    points ran."""
    data = json.loads(path.read_text())
    md = data["metadata"]
    assert isinstance(md.pop("wall_time_s"), float)
    md.pop("where")
    return json.dumps(data, indent=1)


def test_sweep_on_two_workers_equals_the_serial_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The points as jobs on an embedded 2-worker Dask cluster give the same sweep.json as
    the points one after another in this process (--workers 1), byte for byte except timing."""
    argv = ["sweep", "syn_i_bias_dac=400:1000:2", "stp_i_ramp=300:1000:2", "--seed", "7",
            "--fixed-seed", "3", "--noise-seed", "4", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "serial"), "--workers", "1"]) == 0
    assert "5 points in this process" in capsys.readouterr().out
    assert main([*argv, "--out", str(tmp_path / "dask"), "--workers", "2"]) == 0
    text = capsys.readouterr().out
    assert "5 points in embedded LocalCluster, 2 worker processes" in text
    serial, dask = (_without_run(tmp_path / d / "sweep.json") for d in ("serial", "dask"))
    assert serial == dask
    md = json.loads((tmp_path / "dask" / "sweep.json").read_text())["metadata"]
    assert md["where"] == "embedded LocalCluster, 2 worker processes"


def test_points_do_not_depend_on_the_other_points() -> None:
    """Every point measures on a fresh chip instance with the run's seeds (common random
    numbers): the base point is the same whichever cells are swept, and a point measured
    alone equals the same point inside a sweep."""
    s = MeasureSettings(2, 2, 2, 2, 2, 2, seed=5)
    a = sweep_jobs([SweepSpec.parse("stp_i_ramp=300:1000:2")], None, "model", ChipParams(), 3,
                   4, s)
    b = sweep_jobs([SweepSpec.parse("syn_i_bias_dac=400:1000:3")], None, "model",
                   ChipParams(), 3, 4, s)
    ra = [measure_job(j) for j in a]
    assert ra[0] == measure_job(b[0])
    assert ra[2] == measure_job(a[2])
    assert ra[1] != ra[2]  # the setting matters
    # another noise seed draws other noise: the comparison above could fail
    other = sweep_jobs([], None, "model", ChipParams(), 3, 5, s)
    assert measure_job(other[0]) != ra[0]


def test_collect_orders_points_and_refuses_a_repeated_parameter() -> None:
    specs = [SweepSpec.parse("stp_i_ramp=300:1000:3")]
    jobs_ = sweep_jobs(specs, None, "model", ChipParams(), 1, 2)
    assert [j.key for j in jobs_] == ["base", "stp_i_ramp=300", "stp_i_ramp=650",
                                      "stp_i_ramp=1000"]
    fake = [{q: float(i) for q in QUANTITIES} for i in range(4)]
    data = collect(specs, None, fake)
    assert data["base"]["gain"] == 0.0 and data["sweeps"]["stp_i_ramp"]["gain"] == [1, 2, 3]
    with pytest.raises(ValueError, match="3 results for 4 points"):
        collect(specs, None, fake[:3])
    with pytest.raises(ValueError, match="'stp_i_ramp' given more than once"):
        sweep_jobs(specs * 2, None, "model", ChipParams(), 1, 2)


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True, None])
def test_measure_settings_seed_checked(seed: object) -> None:
    """The measurement's stimulus seed is checked like every other seed (a non-negative int)."""
    with pytest.raises(ValueError, match="MeasureSettings.seed"):
        MeasureSettings(seed=seed)  # type: ignore[arg-type]
