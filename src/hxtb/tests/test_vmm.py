"""cocotb/pyuvm tests: random VMMs through the co-simulation (tb_top + bridge + hxsim), and the
noisy mode's statistical scoreboard.

Knobs (``hxtb.config``): ``num_vmms`` (default 20), ``profile``, ``backpressure`` for the random
tests; ``stat_n``, ``stat_k`` for ``test_verif_noisy_stats``. Stimulus seeds come from
``cocotb.RANDOM_SEED`` (cocotb derives it per test from the run's seed and the test's name).
"""

from __future__ import annotations

from typing import Any

import cocotb
import numpy as np
import pyuvm
from pyuvm import uvm_test

import hxsim
from hxtb import config
from hxtb.env.env import EnvCfg, VmmEnv
from hxtb.env.predictor import RegModelPredictor
from hxtb.env.scoreboard import ALPHA, predict, stat_check
from hxtb.env.seqs import RandomVmmSeq
from hxtb.tbench import Testbench


class _VmmTestBase(uvm_test):
    """Builds the Testbench and the env; runs RandomVmmSeq. Subclasses choose the chips."""

    def make_chips(self, seed: int) -> tuple[hxsim.ChipInstance, hxsim.ChipInstance | None]:
        """(the bridge's chip, the predictor's reference chip or None for the golden model)."""
        return hxsim.ChipInstance(hxsim.ChipParams.ideal()), None

    def build_phase(self) -> None:
        cfg = config.get()
        self.seed = seed = cocotb.RANDOM_SEED
        self.n = cfg.vmms(20)
        chip, ref = self.make_chips(seed)
        self.tb = Testbench(cocotb.top, chip=chip, seed=seed, backpressure=cfg.backpressure)
        self.profile = cfg.profile
        bridge = self.tb.bridge
        access = "none" if bridge is None else "direct VPI" if bridge.sig.fast else "cocotb"
        drivers = "direct VPI" if self.tb.drivers_direct else "cocotb"
        waits = "wake ports" if self.tb.wake is not None else "cocotb triggers"
        self.logger.info("seed %d, %d VMMs, profile %s, back-pressure %.2f, signal access: "
                         "bridge %s, bus drivers %s; waits: %s", seed, self.n, cfg.profile,
                         cfg.backpressure, access, drivers, waits)
        if bridge is not None and bridge.sig.fast != cfg.fast_vpi:
            raise AssertionError(f"knob fast_vpi={cfg.fast_vpi} but the bridge uses {access}")
        if self.tb.wake is not None and not cfg.wake_ports:
            raise AssertionError("knob wake_ports=false but the testbench waits on wake ports")
        self.env = VmmEnv("env", self, EnvCfg(tb=self.tb, predictor=RegModelPredictor(ref),
                                              num_vmms=self.n))

    async def run_phase(self) -> None:
        self.raise_objection()
        await self.tb.start()
        seq = RandomVmmSeq("seq", self.n, self.seed, self.profile)
        await seq.start(self.env.seqr)
        self.drop_objection()


@pyuvm.test()
class test_vmm_random(_VmmTestBase):  # noqa: N801  (cocotb test name)
    """Ideal array: values bit-exact against hxsim.golden, timing cycle-exact."""


@pyuvm.test()
class test_vmm_noisy(_VmmTestBase):  # noqa: N801
    """Noisy array (default ChipParams): results equal hxsim's fast path for the same chip
    instance and seeds; timing cycle-exact."""

    def make_chips(self, seed: int) -> tuple[hxsim.ChipInstance, hxsim.ChipInstance | None]:
        fs, ns = seed % 100_003, (seed // 7) % 100_019 + 1
        return (hxsim.ChipInstance(hxsim.ChipParams(), fs, ns),
                hxsim.ChipInstance(hxsim.ChipParams(), fs, ns))


@cocotb.test()
async def test_verif_noisy_stats(dut: Any) -> None:
    """Noisy mode (default ChipParams: fixed pattern and noise on): N repeated VMMs of one
    (x, w) through the co-simulation vs the model's predicted per-column distribution; then the
    same data against a model with a wrong gain (+5 %), a wrong column offset (+1 LSB) and a
    wrong noise scale (x1.5) must fail."""
    seed = cocotb.RANDOM_SEED
    cfg = config.get()
    n, k = cfg.stat_n, cfg.stat_k
    fs, ns = seed % 100_003, 7 + seed % 1000
    params = hxsim.ChipParams()
    tb = Testbench(dut, chip=hxsim.ChipInstance(params, fs, ns), seed=seed, backpressure=0.2)
    await tb.start()
    rng = np.random.default_rng(seed)
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=128)
    t = hxsim.Timing(reset_cycles=20, settle_cycles=10, event_wait=2, adc_reset_wait=4,
                     adc_dead_time=4)
    assert not any(await tb.load_weights(w))
    assert not await tb.load_input(x)
    assert not await tb.load_dac_offsets(np.full(128, 32))
    await tb.set_timing(t)
    ys = []
    for _ in range(n):
        res = await tb.run_vmm(40_000, read_raw=False)
        assert not any(res.errs)
        ys.append(res.y)
    obs = np.asarray(ys, dtype=np.float64)
    pred = predict(params, fs, x, w, t, n, k)
    bad = stat_check(obs, pred)
    cocotb.log.info("noisy stats: N=%d, model %d samples, alpha=%g: %d column flags; spread "
                    "of y per column: median std %.2f LSB", n, pred.shape[0], ALPHA, len(bad),
                    float(np.median(obs.std(0))))
    assert not bad, f"correct design flagged ({len(bad)}): {bad[:5]}"
    wrong = {
        "gain +5 %": (hxsim.ChipParams(gain=params.gain * 1.05), None),
        "column offset +1": (params, np.ones(256, dtype=np.int64)),
        "noise x1.5": (hxsim.ChipParams(read_noise_lsb=params.read_noise_lsb * 1.5,
                                        membrane_noise_lsb=params.membrane_noise_lsb * 1.5),
                       None),
    }
    for what, (p, off) in wrong.items():
        flags = stat_check(obs, predict(p, fs, x, w, t, n, k, off))
        cocotb.log.info("  wrong model (%s): %d column flags", what, len(flags))
        assert flags, f"statistical scoreboard misses a wrong {what}"
