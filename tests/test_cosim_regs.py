"""The register test generated from the contract (hxtb.tests.cosim_regs: reset values, access
types, write-1-to-clear, ranges, refusal while busy, unmapped/aliased/unaligned addresses)
through AXI on both simulators."""

from __future__ import annotations

import pytest
from conftest import SIM_PARAMS, RunFn


@pytest.mark.parametrize("sim", SIM_PARAMS)
def test_cosim_regs(cosim: RunFn, sim: str) -> None:
    cosim(sim, filter="test_regs_.*")
