"""cocotb/pyuvm tests: random VMMs through the co-simulation (tb_top + bridge + hxsim).

Environment (set by tests/test_cosim_*.py or tb/run_sim.py): HX_NUM_VMMS (default 20),
HX_PROFILE (fast | mixed | default, default mixed), HX_BACKPRESSURE (0..1, default 0.3).
The seed is the regression seed
(COCOTB_RANDOM_SEED, the runner's ``seed``), printed at the start of each test.
"""

from __future__ import annotations

import faulthandler
import os

import cocotb
import pyuvm
from pyuvm import ConfigDB, uvm_test

import hxsim
from hxtb.env import RandomVmmSeq, VmmEnv, configure
from hxtb.tbench import Testbench

if os.environ.get("HX_HANG_DUMP"):
    # debugging aid: dump all Python stacks if the simulation seems stuck
    faulthandler.dump_traceback_later(int(os.environ["HX_HANG_DUMP"]), exit=True)


class _VmmTestBase(uvm_test):
    """Builds the Testbench and the env; runs RandomVmmSeq; MODE is set by subclasses."""

    mode = "ideal"

    def make_chips(self, seed: int) -> tuple[hxsim.ChipInstance, hxsim.ChipInstance | None]:
        return hxsim.ChipInstance(hxsim.ChipParams.ideal()), None

    def build_phase(self) -> None:
        seed = int(os.environ.get("COCOTB_RANDOM_SEED", "0"))
        n = int(os.environ.get("HX_NUM_VMMS", "20"))
        profile = os.environ.get("HX_PROFILE", "mixed")
        bp = float(os.environ.get("HX_BACKPRESSURE", "0.3"))
        chip, ref = self.make_chips(seed)
        self.tb = Testbench(cocotb.top, chip=chip, seed=seed, backpressure=bp)
        self.logger.info("SEED=%d (reproduce: make sim TEST=%s SEED=%d)", seed,
                         type(self).__name__, seed)
        configure(self.tb, self.mode, n, seed, profile, ref)
        self.env = VmmEnv("env", self)

    async def run_phase(self) -> None:
        self.raise_objection()
        await self.tb.start()
        seq = RandomVmmSeq("seq")
        await seq.start(ConfigDB().get(None, "", "SEQR"))
        self.drop_objection()


@pyuvm.test()
class test_vmm_random(_VmmTestBase):  # noqa: N801  (cocotb test name)
    """Ideal array: values bit-exact against hxsim.golden, timing cycle-exact."""

    mode = "ideal"


@pyuvm.test()
class test_vmm_noisy(_VmmTestBase):  # noqa: N801
    """Noisy array (default ChipParams): results equal hxsim's fast path for the same chip
    instance and seeds; timing cycle-exact."""

    mode = "noisy"

    def make_chips(self, seed: int) -> tuple[hxsim.ChipInstance, hxsim.ChipInstance | None]:
        fs, ns = seed % 100_003, (seed // 7) % 100_019 + 1
        return (hxsim.ChipInstance(hxsim.ChipParams(), fs, ns),
                hxsim.ChipInstance(hxsim.ChipParams(), fs, ns))
