"""The co-simulation share of ``make test``: every job of tier ``quick`` in tb/testplan.toml (one
simulator process each: random VMMs, noisy mode, error paths, verification tests, a short
coverage-driven run and the statistical scoreboard, on Verilator and Icarus).

Each job prints its seed and the ``make sim`` line that reproduces it, and writes its coverage
part to out/coverage-test/parts (``make test`` merges them: python -m hxtb.verif.coverage
out/coverage-test/parts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import job_params

from hxtb import build, testplan
from hxtb.testplan import Job

COV_PARTS = build.ROOT / "out" / "coverage-test" / "parts"


@pytest.mark.parametrize("job", job_params(testplan.load().jobs("quick")))
def test_cosim(job: Job, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    seed = build.seed_for(request.node.name)
    print(f"[seed] {request.node.name}: SEED={seed}  (reproduce: "
          f"{build.reproduce('|'.join(job.tests), job.sim, seed, job.cfg)})")
    cfg = job.cfg.replace(cov_part=COV_PARTS / f"test-{job.id}.json")
    build.run_job(job, tmp_path / job.sim, seed, cfg, check=True)
