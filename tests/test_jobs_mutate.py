"""make mutate on the job layer: verdicts, the table's JUnit, and (slow tier) a real run of two
mutants and the baseline with its table, JUnit and HTML summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_jobs import check_report

from hxtb.verif import mutate
from hxtb.verif.regress import JobOutput


def test_verdicts() -> None:
    caught = JobOutput("m", "FAIL", failed=["test_vmm_random"], why={"test_vmm_random": "y"},
                       log="x\nhx_checkers: protocol/output check X failed: bad\n")
    assert mutate.verdict(caught, "FAIL", "") == (True, "test_vmm_random: checker X: bad")
    assert mutate.verdict(JobOutput("m", "PASS", passed=["t"]), "PASS", "") == (False,
                                                                                "SURVIVED")
    assert mutate.verdict(JobOutput("m", "HANG"), "HANG", "t")[0] is True
    for status in ("BUILD ERROR", "CRASH"):
        c, how = mutate.verdict(JobOutput("m", status), status, "why")
        assert c is None and how.startswith(status)
    assert mutate.verdict(None, "LOST", "worker died")[0] is None
    assert mutate.verdict(JobOutput("m", "FAIL"), "FAIL", "no cocotb test ran")[0] is None


def test_mutation_junit() -> None:
    rows: list[dict[str, Any]] = [{"name": "a", "what": "w", "caught": True, "by": "t"},
            {"name": "b", "what": "w2", "caught": False, "by": "SURVIVED"},
            {"name": "c", "what": "w3", "caught": None, "by": "BUILD ERROR: x"}]
    xml = mutate.junit_xml(rows, True, 9)
    assert xml.count("<testcase") == 4 and xml.count("<failure") == 1
    assert 'message="mutant survived: w2"' in xml and 'message="BUILD ERROR: x"' in xml
    assert 'name="seed" value="9"' in xml
    assert mutate.junit_xml(rows, False, 9).count("<failure") == 2


@pytest.mark.slow
@pytest.mark.sim
def test_mutate_run_table_and_report(tmp_path: Path) -> None:
    names = "ev_code_uninverted,axi_irq_enable_ignored"
    p = subprocess.run([sys.executable, "-m", "hxtb.verif.mutate", "--baseline", "--only",
                        names, "--workers", "2", "--no-progress", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    table = json.loads((tmp_path / "mutate.json").read_text())
    assert [r["name"] for r in table["rows"]] == names.split(",")
    assert table["caught"] == 2 and table["baseline_ok"] is True
    assert "seconds" not in table["rows"][0]  # no times in the table
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [j["id"] for j in summary["jobs"]] == ["baseline", *names.split(",")]
    check_report(tmp_path / "report.html", tmp_path, 3, None, 2)


def test_mutate_refuses_bad_seed_and_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    from hxtb.verif import mutate

    for argv in (["--seed", "-1"], ["--scheduler", "nonsense"]):
        with pytest.raises(SystemExit) as e:
            mutate.parser().parse_args(argv)
        assert e.value.code == 2
        assert argv[0] in capsys.readouterr().err
