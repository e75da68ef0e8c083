"""Every error path of the contract (docs/interfaces.md section 4) on both simulators."""

from __future__ import annotations

import pytest
from conftest import SIM_PARAMS, RunFn


@pytest.mark.parametrize("sim", SIM_PARAMS)
def test_cosim_errors(cosim: RunFn, sim: str) -> None:
    cosim(sim, filter="test_(err_.*|timing_diagram)")
