"""Random VMMs through the co-simulation on both simulators (issue #4 "done when": >= 200 random
VMMs per simulator with zero value and timing mismatches).

Budget: Verilator runs 3 x 80 ideal VMMs ("mixed": full weight reloads, some VMMs at default
timing). Icarus runs 2 x 100 short-phase VMMs with few stores ("fast" profile, ~1 s per VMM on
Icarus 11; HX_ICARUS_VMMS overrides the total). Both run a noisy-mode check against hxsim's fast
path.
"""

from __future__ import annotations

import os

import pytest
from conftest import SIM_PARAMS, RunFn

PLAN = {
    # sim: (runs, VMMs per run, profile)
    "verilator": (3, 80, "mixed"),
    "icarus": (2, int(os.environ.get("HX_ICARUS_VMMS", "200")) // 2, "fast"),
}


RANDOM_PARAMS = [
    pytest.param(p.values[0], part, marks=p.marks, id=f"{p.id}-{part}")
    for p in SIM_PARAMS
    for part in range(PLAN[str(p.values[0])][0])
]


@pytest.mark.parametrize(("sim", "part"), RANDOM_PARAMS)
def test_cosim_vmm_random(cosim: RunFn, sim: str, part: int) -> None:
    _, n, profile = PLAN[sim]
    cosim(sim, "test_vmm_random", env={"HX_NUM_VMMS": str(n), "HX_PROFILE": profile})


@pytest.mark.parametrize("sim", SIM_PARAMS)
def test_cosim_vmm_noisy(cosim: RunFn, sim: str) -> None:
    n = "30" if sim == "verilator" else "12"
    cosim(sim, "test_vmm_noisy", env={"HX_NUM_VMMS": n, "HX_PROFILE": "fast"})
