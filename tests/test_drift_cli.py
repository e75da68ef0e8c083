"""``hxsim drift``: the drift compensation study through the command line (issue 14)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hxsim.cli import main

SMALL = ["--vmms", "600", "--periods", "never,300,100,30"]


@pytest.mark.parametrize(("periods", "words"), [
    ("", ["--periods", "got ''"]),
    ("0", ["--periods", "0 is outside 1..600"]),
    ("1000", ["--periods", "1000 is outside 1..600", "'never'"]),
    ("abc", ["--periods", "'abc'"]),
    ("30,30", ["--periods", "repeated"]),
    ("never,-5", ["--periods", "-5"]),
])
def test_bad_periods_exit_2_one_line(periods: str, words: list[str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    assert main(["drift", "--vmms", "600", "--periods", periods, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hxsim drift: error:"), err
    for w in words:
        assert w in err[0], err
    assert not out.exists()


def test_one_row_per_period_and_compensation_helps(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The documented relation (docs/operating-point.md): on a fixed seed the residual falls as
    the re-calibration period N shrinks, every period beats no re-calibration, and shorter
    periods cost more VMMs."""
    out = tmp_path / "d"
    assert main(["drift", *SMALL, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    rows = re.findall(r"^\s+(never|\d+)\s+(\d+)\s+([\d.]+)$", text, re.M)
    assert [r[0] for r in rows] == ["never", "300", "100", "30"]
    data = json.loads((out / "drift.json").read_text())
    assert data["periods"] == ["never", 300, 100, 30]
    res = data["residual_lsb"]
    assert [float(r[2]) for r in rows] == pytest.approx(res, abs=5e-4)
    assert all(a > b for a, b in zip(res, res[1:], strict=False)), res
    extra = data["extra_vmms"]
    assert extra[0] == 0 and all(a < b for a, b in zip(extra, extra[1:], strict=False))
    assert data["command"].startswith("hxsim drift --periods never,300,100,30 --vmms 600")
    assert (out / "drift.png").read_bytes()[:4] == b"\x89PNG"
    # reproducible by seed: the same command gives the same numbers
    assert main(["drift", *SMALL, "--out", str(out), "--force"]) == 0
    assert json.loads((out / "drift.json").read_text())["residual_lsb"] == res
    # and without --force nothing is overwritten
    assert main(["drift", *SMALL, "--out", str(out)]) == 2
