"""The testplan (tb/testplan.toml) and the testbench knobs (hxtb.config), without a simulator:
the plan names exactly the cocotb tests the modules define, every cover item is closed by a
feature, the docs' feature table is current, and malformed plans and knobs fail with the entry
and field named."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from hxtb import build, testplan
from hxtb.config import TbConfig
from hxtb.testplan import TestplanError

TESTS_DIR = build.ROOT / "src" / "hxtb" / "tests"


def cocotb_tests(path: Path) -> list[str]:
    """Names of the functions/classes decorated with cocotb.test() or pyuvm.test(), in order."""
    out = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                f = d.func if isinstance(d, ast.Call) else d
                if isinstance(f, ast.Attribute) and f.attr == "test" and \
                        isinstance(f.value, ast.Name) and f.value.id in ("cocotb", "pyuvm"):
                    out.append(node.name)
    return out


def test_plan_names_every_cocotb_test() -> None:
    plan = testplan.load()
    files = {p.stem for p in TESTS_DIR.glob("*.py") if p.stem != "__init__"}
    assert files == set(plan.modules) | set(plan.not_planned), \
        "every test module is in [modules] or [not_planned]"
    for m, names in plan.modules.items():
        assert list(names) == cocotb_tests(TESTS_DIR / f"{m}.py"), f"[modules] {m}"


def test_every_test_has_a_feature_and_a_run() -> None:
    plan = testplan.load()
    featured = {t for f in plan.features for t in f.tests}
    run = {t for r in plan.runs for t in r.tests}
    assert set(plan.tests()) == featured, "tests without a feature"
    # bench_vmm runs in `make bench` (bench/bench_cosim.py), not in a tier
    assert set(plan.tests()) - run == {"bench_vmm"}


def test_tiers_and_sizes() -> None:
    plan = testplan.load()
    quick = {j.id: j for j in plan.jobs("quick")}
    assert len(quick) == 17
    assert {"capmem-verilator", "capmem-icarus"} <= set(quick)
    assert quick["noisy_cocotb_handles-verilator"].cfg.fast_vpi is False
    assert quick["vmm-verilator-0"].cfg.num_vmms == 80
    assert quick["vmm-icarus-1"].cfg.profile == "fast"
    assert len(plan.jobs("regress")) == 9
    (mut,) = plan.jobs("mutate")
    assert mut.sim == "verilator" and mut.tests[0] == "test_vmm_random"
    assert mut.modules == ("hxtb.tests.test_vmm,hxtb.tests.test_errors,hxtb.tests.test_verif,"
                           "hxtb.tests.test_regs,hxtb.tests.test_capmem")
    assert not any("cov_random" in t or "noisy" in t for t in mut.tests)


def test_covers_name_every_cover_item() -> None:
    from hxtb.env import coverage

    testplan.load().check_covers(coverage.ITEMS)
    n = sum(len(coverage.hits()[i]) for i in coverage.ITEMS)
    assert n == 135, "bins of the coverage model"


def test_docs_table_is_current() -> None:
    text = testplan.DOCS.read_text()
    assert testplan.docs_with_table(text, testplan.load().docs_table()) == text, \
        "docs/verification.md: run python -m hxtb.testplan --write-docs"


def test_docs_knob_table_is_current() -> None:
    from hxtb.config import knob_table

    assert knob_table() in (build.ROOT / "docs" / "cosim.md").read_text(), \
        "docs/cosim.md: the knob table differs from hxtb.config.knob_table()"


def test_coverage_dump_hook_exists() -> None:
    import cocotb._shutdown

    assert callable(cocotb._shutdown.register), "cocotb's end-of-run hook (coverage dump)"


# ---------------------------------------------------------------- malformed plans
GOOD: dict[str, Any] = {
    "modules": {"test_a": ["test_x", "test_y"]},
    "feature": [{"name": "f", "desc": "d", "tests": ["test_x"], "covers": ["hx.fsm.*"]}],
    "run": [{"name": "r", "tier": "quick", "sims": ["verilator"], "tests": ["test_*"],
             "knobs": {"num_vmms": 3}}],
}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    import copy

    d = copy.deepcopy(GOOD)
    node: Any = d
    for k in path[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return d


def test_good_plan_parses() -> None:
    plan = testplan.parse(GOOD)
    (job,) = plan.jobs("quick")
    assert job.id == "r-verilator" and job.tests == ("test_x", "test_y")
    assert job.cfg == TbConfig(num_vmms=3)


@pytest.mark.parametrize(("path", "value", "msg"), [
    (("run", "0", "tier"), "nightly", "tier: 'nightly' is not one of quick, regress, mutate"),
    (("run", "0", "sims"), ["questa"], "sims: ['questa']"),
    (("run", "0", "tests"), ["test_z*"], "'test_z*' matches no test"),
    (("run", "0", "knobs"), {"vmms": 3}, "unknown knob(s) ['vmms']"),
    (("run", "0", "knobs"), {"profile": "slow"}, "profile = 'slow'"),
    (("run", "0", "repeat"), 0, "repeat: expected an integer >= 1"),
    (("run", "0", "color"), "red", "unknown field(s) color"),
    (("run", "0", "sims"), None, "missing sims"),
    (("feature", "0", "tests"), ["test_q"], "unknown test 'test_q'"),
    (("feature", "0", "tests"), "test_x", "expected a list of strings"),
    (("modules", "test_b"), ["test_x"], "test test_x in both test_a and test_b"),
    (("run",), [GOOD["run"][0], GOOD["run"][0]], "job r-verilator of tier quick twice"),
    (("extra",), 1, "unknown field(s) extra"),
])
def test_malformed_plan_is_named(path: tuple[str, ...], value: Any, msg: str) -> None:
    with pytest.raises(TestplanError) as exc:
        testplan.parse(_with(path, value), "plan")
    assert msg in str(exc.value)
    assert str(exc.value).startswith("plan")


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "plan.toml"
    p.write_text("[modules\n")
    with pytest.raises(TestplanError, match="plan.toml"):
        testplan.load(p)


def test_uncovered_item_is_named() -> None:
    with pytest.raises(TestplanError, match="no feature closes: hx.errors.code"):
        testplan.parse(GOOD).check_covers(["hx.fsm.state", "hx.errors.code"])
    with pytest.raises(TestplanError, match="'hx.fsm.\\*' matches no cover item"):
        testplan.parse(GOOD).check_covers(["hx.errors.code"])


# ---------------------------------------------------------------- knobs
def test_knobs_from_env_and_back() -> None:
    env = {"HX_NUM_VMMS": "12", "HX_PROFILE": "fast", "HX_SOAK": "1", "HX_SEED": "random",
           "HX_COV_PART": "/tmp/p.json", "UNRELATED": "x"}
    cfg = TbConfig.from_env(env)
    assert cfg.num_vmms == 12 and cfg.profile == "fast" and cfg.soak and cfg.seed == "random"
    assert cfg.cov_part == Path("/tmp/p.json")
    assert TbConfig.from_env(cfg.to_env()) == cfg
    assert TbConfig.from_env({}) == TbConfig()
    assert TbConfig().to_env() == {}


@pytest.mark.parametrize(("env", "msg"), [
    ({"HX_NUM_VMMS": "many"}, "HX_NUM_VMMS='many'"),
    ({"HX_PROFILE": "slow"}, "HX_PROFILE='slow': one of fast, mixed, default"),
    ({"HX_SOAK": "maybe"}, "HX_SOAK='maybe': expected 1/true/yes or 0/false/no"),
    ({"HX_BACKPRESSURE": "1.5"}, "backpressure 1.5"),
    ({"HX_NUM_VMMS": "0"}, "num_vmms 0: too small"),
])
def test_bad_knob_is_named(env: dict[str, str], msg: str) -> None:
    with pytest.raises(ValueError) as exc:
        TbConfig.from_env(env)
    assert msg in str(exc.value)


def test_reproduce_line() -> None:
    cfg = TbConfig(num_vmms=80, cov_part=Path("/x.json"))
    assert build.reproduce("test_vmm_random", "icarus", 7, cfg) == \
        "HX_NUM_VMMS=80 make sim TEST='test_vmm_random' SIM=icarus SEED=7"


def test_a_run_sees_exactly_its_knobs() -> None:
    """An exported knob does not change a testplan job behind its back (cocotb's runner copies
    os.environ over what it is given): it is dropped from the simulator's environment and named
    in a note; a knob the run sets itself (make sim reads the environment into its config) and
    host-side knobs pass."""
    from hxtb.build import knob_env

    job = TbConfig(num_vmms=12, fast_vpi=False).to_env()
    environ = {"HX_FAST_VPI": "1", "HX_NUM_VMMS": "12", "HX_PROFILE": "default", "HX_SEED": "3",
               "PATH": "/bin"}
    drop, note = knob_env(job, environ)
    # the job's own knobs are applied over the environment (not dropped: that would leave the
    # simulator at the default); a knob the job does not set is dropped
    assert drop == {"HX_PROFILE"}
    assert note.startswith("note: HX_FAST_VPI=1, HX_PROFILE=default in the environment not "
                           "used: this run's knobs are HX_FAST_VPI=0 HX_NUM_VMMS=12"), note
    assert knob_env(job, {"HX_FAST_VPI": "0"}) == (set(), "")
    drop, note = knob_env({}, {"HX_PROFILE": "fast", "HX_SOAK": ""})
    assert drop == {"HX_PROFILE"} and "knobs are the defaults" in note


def test_malformed_knob_stops_a_cosim_command_before_work(tmp_path: Path) -> None:
    """hxsim demo (which runs the cosim device) refuses a malformed knob with one line naming
    the variable, exit 2, before anything runs or is written (it used to run the model part and
    then report 'building tb_top failed')."""
    import os
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "hxsim", "demo"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path,
                         env={**os.environ, "HX_FAST_VPI": "maybe"})
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().splitlines() == [
        "hxsim demo: error: HX_FAST_VPI='maybe': expected 1/true/yes or 0/false/no"]
    assert res.stdout == "" and list(tmp_path.iterdir()) == []


def test_runner_env_has_the_jobs_knobs_over_the_environment() -> None:
    """What the simulator process gets: cocotb's copy of os.environ, then the run's knobs over
    it, then the exported knobs the run does not set removed (a job that sets fast_vpi=false
    runs with it even when HX_FAST_VPI=1 is exported; an exported HX_PROFILE the job does not
    set is gone, so the job's default applies)."""
    from hxtb.build import _Guarded, knob_env

    run_env = TbConfig(num_vmms=12, fast_vpi=False).to_env()
    environ = {"HX_FAST_VPI": "1", "HX_PROFILE": "default", "HX_NUM_VMMS": "3", "PATH": "/bin"}
    g = _Guarded()
    g.env = dict(environ)  # what cocotb's runner copies
    drop, _ = knob_env(run_env, environ)
    g.hx_env, g.hx_unset, g.hx_dry = run_env, frozenset(drop), True
    g._execute_cmds([], ".")
    assert g.env["HX_FAST_VPI"] == "0" and g.env["HX_NUM_VMMS"] == "12"
    assert "HX_PROFILE" not in g.env and g.env["PATH"] == "/bin"
    assert TbConfig.from_env(g.env) == TbConfig(num_vmms=12, fast_vpi=False)


def test_regress_names_exported_knobs_it_does_not_use() -> None:
    from hxtb.build import exported_knobs_note

    note = exported_knobs_note({"HX_NUM_VMMS": "3", "HX_SEED": "1", "HX_SOAK": ""})
    assert note.startswith("note: HX_NUM_VMMS=3 in the environment not used: testplan jobs run "
                           "with their own knobs"), note
    assert exported_knobs_note({"HX_SEED": "1", "PATH": "/bin"}) == ""
