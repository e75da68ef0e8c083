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
from hxsim.sweep import SweepSpec


@pytest.mark.parametrize("spec", ["foo=1:2:3", "syn_i_bias_dac=1:2", "syn_i_bias_dac=0:2000:3",
                                  "syn_i_bias_dac=0:100:1", "syn_i_bias_dac"])
def test_bad_spec_is_one_line_exit_2(spec: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", spec, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sweep" in err[0]
    assert not (tmp_path / "o").exists()


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
