"""pyuvm environment for random VMMs: item, sequence, driver, shadow model, scoreboard, env.

Data flow::

    RandomVmmSeq -> sequencer -> VmmDriver --(Testbench: AXI agent, vector BFM)--> hx_top
                                     |                 vector monitor --> ShadowModel
                                     +-- ap (item with read-back) --> VmmScoreboard (<- ShadowModel)

Assumptions: the ``Testbench`` is in ConfigDB under "TB"; "MODE" is "ideal" (golden reference,
bit- and cycle-exact) or "noisy" (equal to ``hxsim.ChipInstance.vmm_detail`` on an instance with
the same seeds as the bridge's, VMMs in the same order); "NUM_VMMS", "SEED", "PROFILE"
("fast": short phases and few weight rows stored per VMM, for slow simulators; "mixed": some
VMMs at default timing, full weight reloads; "default": default timing).
"""

from __future__ import annotations

import logging
import random
from typing import Any

import numpy as np
from pyuvm import (
    ConfigDB,
    uvm_analysis_port,
    uvm_driver,
    uvm_env,
    uvm_sequence,
    uvm_sequence_item,
    uvm_sequencer,
    uvm_subscriber,
)

import hxsim
from hxsim.golden import vmm_timing
from hxsim.types import I64
from hxtb import regs
from hxtb.tbench import Testbench, VmmResult
from hxtb.vport import VecTxn

NONE = 0xFFFF_FFFF
GAIN = 0.002


# ---------------------------------------------------------------- item and stimulus
class VmmItem(uvm_sequence_item):
    """One VMM: what to load (weights rows, input, offsets), the timing, and the read-back."""

    def __init__(self, name: str = "vmm") -> None:
        super().__init__(name)
        self.w: I64 = np.zeros((128, 256), dtype=np.int64)
        self.rows: list[int] | None = None   # logical rows to (re)store; None = all
        self.x: I64 = np.zeros(128, dtype=np.int64)
        self.timing = hxsim.Timing()
        self.dac: I64 | None = None          # store DAC offsets if not None
        self.col_off: I64 | None = None      # store column offsets if not None
        self.kind = ""
        self.result: VmmResult | None = None
        self.store_errs: list[bool] = []

    def __str__(self) -> str:
        return (f"{self.get_name()} [{self.kind}] nnz={int(np.count_nonzero(self.x))} "
                f"rows={'all' if self.rows is None else len(self.rows)} {self.timing}")


def random_timing(rng: random.Random, profile: str) -> hxsim.Timing:
    """Timing registers: short phases ("fast"), defaults, or corners of the allowed ranges."""
    if profile == "default" or (profile == "mixed" and rng.random() < 0.15):
        return hxsim.Timing()
    return hxsim.Timing(
        reset_cycles=rng.choice([0, 1, rng.randint(2, 30)]),
        settle_cycles=rng.choice([0, 1, rng.randint(2, 30)]),
        event_wait=rng.choice([1, 1, 2, rng.randint(3, 6), 255 if rng.random() < 0.03 else 2]),
        num_sends=rng.choice([1, 1, 1, 2, 3, rng.randint(4, 8)]),
        adc_reset_wait=rng.choice([0, 1, rng.randint(2, 8)]),
        adc_step=rng.choice([1, 1, 1, 1, 2, 3]),
        adc_dead_time=rng.choice([0, 1, rng.randint(2, 8)]),
    )


def random_weights(rng: np.random.Generator, style: str) -> I64:
    if style == "sat_pos":
        return rng.integers(40, 64, size=(128, 256))
    if style == "sat_neg":
        return -rng.integers(40, 64, size=(128, 256))
    if style == "sparse":
        return rng.integers(-63, 64, size=(128, 256)) * (rng.random((128, 256)) < 0.1)
    if style == "mixed_sat":
        # columns alternate between strongly positive, strongly negative and random
        w = rng.integers(-63, 64, size=(128, 256))
        w[:, 0::3] = rng.integers(30, 64, size=(128, w[:, 0::3].shape[1]))
        w[:, 1::3] = -rng.integers(30, 64, size=(128, w[:, 1::3].shape[1]))
        return w
    return rng.integers(-63, 64, size=(128, 256))


def random_input(rng: np.random.Generator, style: str) -> I64:
    if style == "zero":
        return np.zeros(128, dtype=np.int64)
    if style == "full":
        return np.full(128, 31, dtype=np.int64)
    if style == "sparse":
        p = rng.uniform(0.01, 0.2)
        return rng.integers(1, 32, size=128) * (rng.random(128) < p)
    return rng.integers(0, 32, size=128)


class RandomVmmSeq(uvm_sequence):
    """NUM_VMMS random VMMs: random weights (full reloads and partial row updates), sparse and
    dense inputs, timing registers varied, saturation in both directions, random offsets."""

    async def body(self) -> None:
        n = ConfigDB().get(None, "", "NUM_VMMS")
        seed = ConfigDB().get(None, "", "SEED")
        profile = ConfigDB().get(None, "", "PROFILE")
        rows_only = profile == "fast"
        rng = random.Random(seed)
        nrng = np.random.default_rng(seed)
        w = np.zeros((128, 256), dtype=np.int64)
        for k in range(n):
            item = VmmItem(f"vmm{k}")
            r = rng.random()
            if rows_only:
                # few stores per VMM (slow simulators): the weights change a few rows at a time,
                # starting from the all-zero SRAM; rows can be strongly positive or negative
                style = "rows"
                rows = sorted(rng.sample(range(128), rng.randint(1, 3)))
                w = w.copy()
                for i in rows:
                    w[i] = random_weights(nrng, rng.choice(["uniform", "sat_pos", "sat_neg"]))[0]
                item.rows = rows
            elif k == 0 or r < 0.25:
                style = rng.choice(["uniform", "uniform", "sparse", "sat_pos", "sat_neg",
                                    "mixed_sat"])
                w = random_weights(nrng, style)
                item.rows = None
            else:
                style = "rows"
                rows = sorted(rng.sample(range(128), rng.randint(0, 6)))
                w = w.copy()
                for i in rows:
                    w[i] = random_weights(nrng, "uniform")[0]
                item.rows = rows
            item.w = w
            xs = rng.choice(["dense", "dense", "sparse", "sparse", "full", "zero"])
            if style in ("sat_pos", "sat_neg") and xs in ("sparse", "zero"):
                xs = "dense"
            item.x = random_input(nrng, xs)
            item.timing = random_timing(rng, profile)
            if k == 0 or rng.random() < 0.1:
                item.dac = nrng.integers(0, 64, size=128)
            if k == 0 or rng.random() < 0.2:
                item.col_off = (nrng.integers(-128, 128, size=256) if rng.random() < 0.5
                                else np.zeros(256, dtype=np.int64))
            item.kind = f"w={style},x={xs}"
            await self.start_item(item)
            await self.finish_item(item)


# ---------------------------------------------------------------- driver
class VmmDriver(uvm_driver):
    """Executes a VmmItem through the Testbench (AXI agent + vector BFM) and publishes the item
    with its read-back on ``ap``."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    def start_of_simulation_phase(self) -> None:
        self.tb: Testbench = ConfigDB().get(self, "", "TB")

    async def run_phase(self) -> None:
        tb = self.tb
        while True:
            item = await self.seq_item_port.get_next_item()
            errs = await tb.load_weights(item.w, item.rows)
            errs.append(await tb.load_input(item.x))
            if item.dac is not None:
                errs.append(await tb.load_dac_offsets(item.dac))
            if item.col_off is not None:
                errs += await tb.load_col_offsets(item.col_off)
            item.store_errs = errs
            await tb.set_timing(item.timing)
            t = vmm_timing(item.timing, item.x)
            item.result = await tb.run_vmm(t.total_cycles + 200)
            self.logger.debug("%s done", item)
            self.ap.write(item)
            self.seq_item_port.item_done()


# ---------------------------------------------------------------- shadow model + scoreboard
class ShadowModel:
    """What the chip should hold, built from the accepted stores the vector monitor saw."""

    def __init__(self) -> None:
        self.phys = np.zeros((256, 256), dtype=np.int64)
        self.x = np.zeros(128, dtype=np.int64)
        self.dac = np.full(128, 32, dtype=np.int64)
        self.col_off = np.zeros(256, dtype=np.int64)
        self.stores = 0

    def write(self, t: VecTxn) -> None:
        if not t.we or t.err:
            return
        lanes = regs.unpack_lanes(t.wdata).astype(np.int64)
        self.stores += 1
        a = t.addr
        if a < 0x200:
            self.phys[a >> 1, (a & 1)::2] = lanes
        elif a == regs.VA_INPUT:
            self.x = lanes
        elif a == regs.VA_DAC:
            self.dac = lanes
        elif a in (regs.VA_COL_OFFSET, regs.VA_COL_OFFSET + 1):
            self.col_off[(a & 1)::2] = np.where(lanes >= 128, lanes - 256, lanes)

    @property
    def w(self) -> I64:
        return self.phys[1::2] - self.phys[0::2]


def expected_ideal(x: I64, w: I64, ns: int, col_off: I64) -> tuple[I64, I64, I64]:
    """(baseline codes, result codes, y) of the ideal array (baseline code 128, gain 1/500)."""
    g = hxsim.ideal_vmm(x, w, GAIN, ns).astype(np.int64)
    return (np.full(256, 128, dtype=np.int64), g + 128,
            np.clip(g + col_off, -128, 127))


class VmmScoreboard(uvm_subscriber):
    """Checks every VMM: values (bit-exact), raw codes, events and phase timing (cycle-exact)."""

    def build_phase(self) -> None:
        self.mode = ConfigDB().get(self, "", "MODE")
        self.shadow: ShadowModel = ConfigDB().get(self, "", "SHADOW")
        self.ref_chip: hxsim.ChipInstance | None = ConfigDB().get(self, "", "REF_CHIP")
        self.checked = 0
        self.mismatches: list[str] = []
        self.value_mismatches = 0
        self.timing_mismatches = 0
        self.last_count: int | None = None
        self.kinds: dict[str, int] = {}
        self.sat = {"pos": 0, "neg": 0}

    def _fail(self, item: VmmItem, what: str, timing: bool) -> None:
        msg = f"{item.get_name()} [{item.kind}] {what}"
        self.mismatches.append(msg)
        if timing:
            self.timing_mismatches += 1
        else:
            self.value_mismatches += 1
        self.logger.error(msg)

    def _cmp_arr(self, item: VmmItem, name: str, got: Any, exp: Any, timing: bool = False) -> None:
        g = np.asarray(got, dtype=np.int64)
        e = np.asarray(exp, dtype=np.int64)
        if g.shape != e.shape:
            self._fail(item, f"{name}: shape {g.shape} != expected {e.shape}", timing)
        elif not np.array_equal(g, e):
            bad = np.flatnonzero(g != e)
            self._fail(item, f"{name}: {bad.size} differ, first at {bad[0]}: got {g[bad[0]]} "
                             f"expected {e[bad[0]]}", timing)

    def _cmp(self, item: VmmItem, name: str, got: int, exp: int, timing: bool = True) -> None:
        if got != exp:
            self._fail(item, f"{name}: got {got} expected {exp}", timing)

    def write(self, item: VmmItem) -> None:
        res = item.result
        assert res is not None
        sh = self.shadow
        self.checked += 1
        self.kinds[item.kind.split(",")[0]] = self.kinds.get(item.kind.split(",")[0], 0) + 1
        # the stimulus must have been accepted, and the shadow must hold it
        if any(item.store_errs):
            self._fail(item, f"a legal store was refused: {item.store_errs}", False)
        self._cmp_arr(item, "shadow weights", sh.w, item.w)
        self._cmp_arr(item, "shadow input", sh.x, item.x)
        if any(res.errs):
            self._fail(item, f"result load refused: {res.errs}", False)
        # ---- values ----
        t = item.timing
        if self.mode == "ideal":
            cb, cr, y = expected_ideal(sh.x, sh.w, t.num_sends, sh.col_off)
        else:
            assert self.ref_chip is not None
            cb8, cr8, y8 = self.ref_chip.vmm_detail(sh.x, sh.w, timing=t, dac_offsets=sh.dac,
                                                    column_offsets=sh.col_off)
            cb, cr, y = (np.asarray(a, dtype=np.int64) for a in (cb8, cr8, y8))
        self.sat["pos"] += int(np.count_nonzero(res.y == 127))
        self.sat["neg"] += int(np.count_nonzero(res.y == -128))
        self._cmp_arr(item, "y", res.y, y)
        if res.raw_b.size:
            self._cmp_arr(item, "baseline codes", res.raw_b, cb)
            self._cmp_arr(item, "result codes", res.raw_r, cr)
        # ---- timing ----
        vt = vmm_timing(t, sh.x)
        ps = vt.phase_start
        st = res.stamps
        self._cmp(item, "CYCLES_LAST", res.cycles_last, vt.total_cycles)
        self._cmp(item, "EVENTS_LAST", res.events_last, vt.num_events)
        self._cmp(item, "recorded events", st.ev_count, vt.num_events)
        self._cmp(item, "nrn_reset cycles", st.nrn_len, t.reset_cycles)
        self._cmp(item, "cadc_start pulses", st.cadc_starts, 2)
        self._cmp(item, "baseline cadc_start", st.cadc_start_at[0], ps["baseline"])
        self._cmp(item, "result cadc_start", st.cadc_start_at[1], ps["result"])
        for k, ph in enumerate(("baseline", "result")):
            self._cmp(item, f"{ph} ramp start", st.ramp_first[k], ps[ph] + t.adc_reset_wait)
            self._cmp(item, f"{ph} ramp cycles", st.ramp_len[k], 256 * t.adc_step)
        self._cmp(item, "ramp monotonic", st.ramp_err, 0)
        self._cmp(item, "done irq cycle", st.irq_rise_at, vt.total_cycles)
        self._cmp(item, "STATUS", res.status & 0x77, regs.ST_DONE)
        if self.last_count is not None:
            self._cmp(item, "VMM_COUNT", res.vmm_count, self.last_count + 1)
        self.last_count = res.vmm_count
        obs = res.obs
        if obs is not None:
            self._cmp_arr(item, "event cycles", obs.ev_cycles, vt.event_cycles, True)
            self._cmp_arr(item, "event drivers", obs.ev_drivers, vt.event_drivers, True)
            self._cmp_arr(item, "event codes", obs.ev_codes, vt.event_codes, True)
            convs = [(c.sel, c.cycle) for c in obs.conversions]
            if convs != [(0, ps["baseline"]), (1, ps["result"])]:
                self._fail(item, f"bridge conversions {convs}", True)
            elif res.raw_b.size:
                # the CADC must latch exactly the crossing codes the array presented
                self._cmp_arr(item, "latched vs presented baseline", res.raw_b,
                              obs.conversions[0].codes)
                self._cmp_arr(item, "latched vs presented result", res.raw_r,
                              obs.conversions[1].codes)

    def check_phase(self) -> None:
        self.logger.info("scoreboard: %d VMMs checked, %d value and %d timing mismatches; "
                         "weight styles %s; saturated outputs +%d/-%d", self.checked,
                         self.value_mismatches, self.timing_mismatches, self.kinds,
                         self.sat["pos"], self.sat["neg"])
        expected = ConfigDB().get(self, "", "NUM_VMMS")
        assert self.checked == expected, f"scoreboard saw {self.checked} of {expected} VMMs"
        assert not self.mismatches, f"{len(self.mismatches)} mismatches, first: " \
                                    f"{self.mismatches[0]}"


# ---------------------------------------------------------------- env
class VmmEnv(uvm_env):
    def build_phase(self) -> None:
        self.seqr = uvm_sequencer("seqr", self)
        ConfigDB().set(None, "*", "SEQR", self.seqr)
        self.driver = VmmDriver("driver", self)
        self.scoreboard = VmmScoreboard("scoreboard", self)

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.driver.ap.connect(self.scoreboard.analysis_export)


def configure(tb: Testbench, mode: str, num_vmms: int, seed: int, profile: str,
              ref_chip: hxsim.ChipInstance | None) -> ShadowModel:
    """Put everything the env needs in ConfigDB; hook the shadow model to the vector monitor."""
    shadow = ShadowModel()
    tb.vmon.observers.append(shadow.write)
    for key, val in (("TB", tb), ("MODE", mode), ("NUM_VMMS", num_vmms), ("SEED", seed),
                     ("PROFILE", profile), ("SHADOW", shadow), ("REF_CHIP", ref_chip)):
        ConfigDB().set(None, "*", key, val)
    logging.getLogger("hxtb").info("config: mode=%s vmms=%d seed=%d profile=%s", mode,
                                   num_vmms, seed, profile)
    return shadow
