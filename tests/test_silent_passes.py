"""Issue #13, silent passes: a scoreboard, a run wrapper, a statistical check, a coverage merge or
a replay that checked nothing fails. One test per kind; none needs a simulator (the run wrappers
are fed results files as cocotb writes them, the scoreboard is driven without one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hxsim.bringup import vectors as vec
from hxsim.cli import main
from hxsim.timing import Timing
from hxtb import build

PY = sys.executable


def results_xml(path: Path, cases: dict[str, str]) -> Path:
    """A cocotb results.xml with one test case per entry: 'pass', 'fail', 'skip' or
    'terminated' (not run after COCOTB_MAX_FAILURES)."""
    body = {"pass": "", "fail": '<failure message="assert y == 3" />', "skip": "<skipped />",
            "terminated": '<failure type="RegressionTerminated" message="" />'}
    tcs = "".join(f'<testcase name="{n}" classname="hxtb.tests.test_vmm">{body[k]}</testcase>'
                  for n, k in cases.items())
    path.write_text(f'<testsuites><testsuite name="all">{tcs}</testsuite></testsuites>')
    return path


@pytest.mark.parametrize(("cases", "expected", "problem"), [
    ({}, [], "no cocotb test ran (test name matched nothing)"),
    ({"a": "skip"}, ["a"], "skipped (checked nothing): a"),
    ({"a": "pass", "b": "skip"}, ["a", "b"], "skipped (checked nothing): b"),
    ({"a": "pass", "b": "terminated"}, ["a", "b"], "skipped (checked nothing): b"),
    ({"a": "pass"}, ["a", "b"], "no result (no such cocotb test in the loaded modules?): b"),
    ({"a": "pass", "b": "fail"}, ["a", "b"], "failed: b: assert y == 3"),
])
def test_run_that_checked_nothing_or_part_fails(tmp_path: Path, cases: dict[str, str],
                                                 expected: list[str], problem: str) -> None:
    """build.run(check=True) (every pytest co-simulation job) and make sim (run_sim) read the
    results through test_outcomes/ran_tests: zero test cases, skipped tests and tests asked for
    without a result are failures, not passes."""
    res = results_xml(tmp_path / "results.xml", cases)
    o = build.test_outcomes(res, expected)
    assert not o.ok
    assert o.problem() == problem
    with pytest.raises(AssertionError, match=problem.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")):
        build.ran_tests(res, expected)


def test_complete_run_passes(tmp_path: Path) -> None:
    res = results_xml(tmp_path / "results.xml", {"a": "pass", "b": "pass"})
    assert build.test_outcomes(res, ["a", "b"]).ok
    assert build.ran_tests(res, ["a", "b"]) == res


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--vmms", "0"], {}, "make sim: error: --vmms: num_vmms 0: too small"),
    ([], {"HX_NUM_VMMS": "0"}, "make sim: error: HX_NUM_VMMS='0': num_vmms 0: too small"),
    (["--test", "test_vmm_nonexistent"], {}, "test_vmm_nonexistent"),
])
def test_make_sim_that_would_check_nothing_is_refused(args: list[str], env: dict[str, str],
                                                      message: str) -> None:
    """The issue's example, `run_sim --test test_vmm_random --vmms 0`, and its variants: exit 2
    with one line before anything is built or run."""
    import os
    cmd = [PY, "-m", "hxtb.run_sim", "--test", "test_vmm_random", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env={**os.environ, **env})
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "PASSED" not in r.stdout and "Traceback" not in r.stderr


def test_make_sim_without_icarus_is_not_a_pass(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Without iverilog nothing runs: exit 2 (it was exit 0 with 'SKIPPED')."""
    from hxtb import run_sim
    monkeypatch.setattr(build, "have_iverilog", lambda: False)
    monkeypatch.setattr(sys, "argv", ["run_sim", "--sim", "icarus"])
    with pytest.raises(SystemExit) as info:
        run_sim.main()
    assert info.value.code == 2
    assert "iverilog not installed" in capsys.readouterr().err


def test_scoreboard_with_no_vmm_fails() -> None:
    """The scoreboard's check phase fails when it saw no VMM (or fewer than announced)."""
    from hxtb.env.scoreboard import VmmScoreboard
    for announced in (0, 5):
        sb = VmmScoreboard(f"sb{announced}", None, None, announced)  # type: ignore[arg-type]
        sb.build_phase()
        with pytest.raises(AssertionError, match="scoreboard checked no VMM"):
            sb.check_phase()


@pytest.mark.parametrize(("n", "m"), [(0, 100), (1, 100), (40, 1), (40, 0)])
def test_statistical_check_of_too_few_samples_is_refused(n: int, m: int) -> None:
    """stat_check with 0 or 1 observed (or predicted) samples: nothing can be tested (with 0, the
    mean test alone never flags), so it raises instead of returning no flags."""
    from hxtb.env.scoreboard import stat_check
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"^stat_check: needs at least 2"):
        stat_check(rng.normal(size=(n, 256)), rng.normal(size=(m, 256)))
    with pytest.raises(ValueError, match=r"^stat_check: expected obs"):
        stat_check(rng.normal(size=(8, 256)), rng.normal(size=(8, 255)))


def test_coverage_merge_without_parts_fails(tmp_path: Path) -> None:
    r = subprocess.run([PY, "-m", "hxtb.verif.coverage", str(tmp_path)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1
    assert f"no coverage parts in {tmp_path}" in r.stdout


def test_replay_that_checks_nothing_is_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A vector file whose operations carry no expected value (or no operation at all) would
    replay with '0 mismatches': refused with exit 2 before any device starts."""
    x, w, idx = vec.random_vmms(2, seed=3)
    records = vec.build(x, w, idx, Timing())
    for rec in records:
        if "expect" in rec:
            rec["expect"] = None
    p = tmp_path / "noexpect.jsonl"
    vec.save(records, p)
    assert main(["replay-vectors", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("no operation has an expected value; nothing would be checked"), err
    assert len(err.splitlines()) == 1
    empty = tmp_path / "empty.jsonl"
    header = dict(records[0], vmms=0)
    vec.save([header], empty)
    assert json.loads(empty.read_text().splitlines()[0])["vmms"] == 0
    assert main(["replay-vectors", str(empty)]) == 2
    assert "nothing would be checked" in capsys.readouterr().err


def test_compare_with_nothing_checked_is_not_a_pass() -> None:
    """The library's verdict when every check is 'not checked' (the CLI refuses such a run
    before any work: tests/test_safe_io.py::test_compare_nothing_checked_is_refused)."""
    from hxsim.bringup import compare as cmpmod
    c = cmpmod.Comparison.__new__(cmpmod.Comparison)  # only the checks matter here
    c.checks = [cmpmod.Check("gain", 1.0, 1.0, 0.0, None)]
    assert not c.checked and not c.passed
    c.checks = []
    assert not c.checked and not c.passed
    assert c.verdict.startswith("NOTHING CHECKED")
