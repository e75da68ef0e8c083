"""cocotb/pyuvm test: coverage-driven constrained-random VMMs on the ideal array (the env with
its coverage subscriber; every VMM checked bit- and cycle-exactly by the scoreboard), and, with
the knob ``soak``, the back-pressure soak. Knobs (``hxtb.config``): ``num_vmms`` (default 40),
``soak``, ``progress``; the coverage part of the run goes to ``cov_part``.
"""

from __future__ import annotations

import cocotb
import pyuvm
from pyuvm import uvm_test

import hxsim
from hxsim import regmap
from hxtb import config
from hxtb.env.env import EnvCfg, VmmEnv
from hxtb.env.predictor import RegModelPredictor
from hxtb.env.seqs import CovVmmSeq
from hxtb.tbench import Testbench


@pyuvm.test()
class test_verif_cov_random(uvm_test):  # noqa: N801  (cocotb test name)
    """Coverage-driven random VMMs on the ideal array, checked by the env's scoreboard
    (bit- and cycle-exact); samples the coverage model."""

    def build_phase(self) -> None:
        cfg = config.get()
        self.cfg = cfg
        self.seed = seed = cocotb.RANDOM_SEED
        self.n = cfg.vmms(40)
        self.tb = Testbench(cocotb.top, chip=hxsim.ChipInstance(hxsim.ChipParams.ideal()),
                            seed=seed, backpressure=0.3)
        self.logger.info("seed %d, %d VMMs, soak %s", seed, self.n, cfg.soak)
        self.predictor = RegModelPredictor()
        self.env = VmmEnv("env", self, EnvCfg(tb=self.tb, predictor=self.predictor,
                                              num_vmms=self.n, coverage=True))

    async def run_phase(self) -> None:
        self.raise_objection()
        await self.tb.start()
        seq = CovVmmSeq("seq", self.n, self.seed, self.cfg.soak, self.tb, self.predictor,
                        self.cfg.progress)
        await seq.start(self.env.seqr)
        # no lost or duplicated result: every VMM completed exactly once
        count = await self.tb.axil.read_ok(regmap.VMM_COUNT)
        assert count == self.n, f"VMM_COUNT {count} after {self.n} VMMs (lost or duplicated " \
                                f"results)"
        self.drop_objection()
