"""Issue #5 verification tests in `make test`: the cocotb tests of hxtb/tests/cosim_verif.py
(checkers fire, reset values, IRQ mask, simultaneous errors, AXI delays, abort/reset in every
phase), a
short coverage-driven random run and the noisy statistical scoreboard, each simulator process
ending with a coverage dump into out/coverage-test/parts (report: python -m hxtb.verif.coverage
out/coverage-test/parts). Seeds printed; reproduce with the printed `make sim` line.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hxtb import build
from hxtb.build import ROOT, ran_tests

MODULES = build.test_modules("cosim_verif", "cosim_verif_cov")
COV_PARTS = ROOT / "out" / "coverage-test" / "parts"

PLAN = {
    # (sim, part): (test filter, env)
    ("verilator", "verif"): ("test_verif_(?!cov_random|noisy_stats|zz).*|test_verif_zz_cov_dump",
                             {}),
    ("verilator", "cov"): ("test_verif_cov_random|test_verif_noisy_stats|test_verif_zz_cov_dump",
                           {"HX_NUM_VMMS": "16"}),
    ("icarus", "verif"): ("test_verif_(reset_values|irq_enable|simultaneous_errors|axi_delays|"
                          "checkers_fire|post_offsets|adc_never_trips)|test_verif_zz_cov_dump", {}),
}


def _params() -> list[object]:
    out: list[object] = []
    for sim, part in PLAN:
        marks = [pytest.mark.sim]
        if sim == "icarus" and not build.have_iverilog():
            marks.append(pytest.mark.skip(reason=build.ICARUS_MISSING))
        out.append(pytest.param(sim, part, marks=marks, id=f"{sim}-{part}"))
    return out


@pytest.mark.parametrize(("sim", "part"), _params())
def test_verif(sim: str, part: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    flt, env = PLAN[(sim, part)]
    seed = build.seed_for(request.node.name)
    print(f"[seed] {request.node.name}: SEED={seed}  (reproduce a failing test: make sim "
          f"TEST=<test_verif_...> SIM={sim} SEED={seed}; tests: '{flt}')")
    runner, bdir = build.build(sim)
    env_all = {"COCOTB_LOG_LEVEL": "WARNING", "HX_COV_DIR": str(COV_PARTS),
               "HX_COV_NAME": f"test-{sim}-{part}", **env}
    env_all.update({k: v for k, v in os.environ.items() if k.startswith("HX_STAT")})
    ran_tests(runner.test(test_module=MODULES, hdl_toplevel="tb_top", test_filter=flt,
                          build_dir=bdir, test_dir=tmp_path / sim, seed=seed, extra_env=env_all))
