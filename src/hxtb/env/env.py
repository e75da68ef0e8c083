"""The environment: builds the agents' monitors, the driver, the predictor, the scoreboard and
(optionally) the coverage subscriber, and connects them (pyuvm TinyALU style)::

    sequence -> seqr -> VmmDriver --(Testbench: AXI agent, vector driver)--> hx_top
                           |                vector monitor.ap --> predictor.vec_export
                           |                AXI monitor.ap    --> predictor.reg_export
                           +-- ap (item with read-back) --> VmmScoreboard (asks the predictor)
                                                        --> CoverageSubscriber (if coverage)

Everything the env needs comes in one ``EnvCfg`` object given to its constructor (OpenTitan's
env_cfg), not through ConfigDB.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyuvm import uvm_component, uvm_env, uvm_sequencer

from hxtb.agents.axil import AxilMonitor
from hxtb.agents.vport import VectorPortMonitor
from hxtb.env.coverage import CoverageSubscriber
from hxtb.env.driver import VmmDriver
from hxtb.env.predictor import PredictorComponent, VmmPredictor
from hxtb.env.scoreboard import VmmScoreboard
from hxtb.tbench import Testbench


@dataclass
class EnvCfg:
    """What the env is built from: the Testbench (bus objects, drivers), the predictor, the
    number of VMMs the scoreboard must see, and whether coverage is sampled."""

    tb: Testbench
    predictor: VmmPredictor
    num_vmms: int
    coverage: bool = False


class VmmEnv(uvm_env):
    def __init__(self, name: str, parent: uvm_component, cfg: EnvCfg) -> None:
        super().__init__(name, parent)
        self.cfg = cfg

    def build_phase(self) -> None:
        cfg = self.cfg
        tb = cfg.tb
        self.seqr = uvm_sequencer("seqr", self)
        self.vmon = VectorPortMonitor("vmon", self, tb.vbus)
        self.amon = AxilMonitor("amon", self, tb.axil_bus, tb.dut.clk_i)
        self.driver = VmmDriver("driver", self, tb)
        self.predictor = PredictorComponent("predictor", self, cfg.predictor)
        self.scoreboard = VmmScoreboard("scoreboard", self, cfg.predictor, cfg.num_vmms)
        self.coverage = CoverageSubscriber("coverage", self) if cfg.coverage else None

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.vmon.ap.connect(self.predictor.vec_export)
        self.amon.ap.connect(self.predictor.reg_export)
        self.driver.ap.connect(self.scoreboard.analysis_export)
        if self.coverage is not None:
            self.driver.ap.connect(self.coverage.analysis_export)

    def check_phase(self) -> None:
        self.logger.info("monitors: %d vector-port transactions, %d register accesses "
                         "(predictor %s)", self.vmon.count, self.amon.count,
                         type(self.cfg.predictor).__name__)
        if self.cfg.num_vmms:
            assert self.vmon.count and self.amon.count, "a monitor saw no transaction"
