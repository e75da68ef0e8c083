"""cocotb tests of issue #5: coverage-driven constrained-random VMMs (pyuvm, reusing the env of
tb/hxtb/env.py with a coverage subscriber), the noisy-mode statistical scoreboard, and the
coverage dump that ends every verification run.

Environment: HX_NUM_VMMS (random VMMs, default 40), HX_COV_DIR (where the coverage part of this
process goes), HX_STAT_N (repeated noisy VMMs, default 40), HX_STAT_K (model batches, default 24),
HX_SOAK (1: back-pressure soak profile: high back-pressure, short phases).
"""

from __future__ import annotations

import logging
import os
import random
import time
from statistics import NormalDist
from typing import Any

import cocotb
import numpy as np
import pyuvm
from pyuvm import ConfigDB, uvm_sequence, uvm_subscriber, uvm_test

import hxsim
from hxtb import regs
from hxtb.env import VmmEnv, VmmItem, configure, random_weights
from hxtb.tbench import Testbench
from hxtb.verif import coverage as cov


def _seed() -> int:
    return int(os.environ.get("COCOTB_RANDOM_SEED", "0"))


class CovVmmItem(VmmItem):
    """VmmItem plus what the coverage model needs: weight style and vector back-pressure."""

    def __init__(self, name: str = "vmm") -> None:
        super().__init__(name)
        self.style = "uniform"
        self.bp = 0.0


def _value_in_bin(rng: random.Random, name: str, b: str) -> int:
    lo, hi = cov.REG_RANGES[name]
    d = cov.DEFAULTS[name]
    if b == "min":
        return lo
    if b == "max":
        return hi
    if b == "default":
        return d
    if b == "low":
        return rng.randint(lo + 1, max(lo + 1, d - 1))
    return rng.randint(min(d + 1, hi - 1), min(hi - 1, d + 40))


class Progress:
    """A progress line every ``HX_PROGRESS`` VMMs (0: none) on logger ``hxtb.progress``, which
    logs at INFO whatever COCOTB_LOG_LEVEL is, so a long soak can be followed in its log."""

    def __init__(self, total: int) -> None:
        self.every = int(os.environ.get("HX_PROGRESS", "0"))
        self.total = total
        self.t0 = time.monotonic()
        self.log = logging.getLogger("hxtb.progress")
        self.log.setLevel(logging.INFO)

    def done(self, injected: dict[str, int]) -> None:
        """The closing line (always): VMMs, wall time, refused requests injected by kind."""
        dt = time.monotonic() - self.t0
        self.log.info("done: %d VMMs in %.0f s; %d refused requests injected %s", self.total, dt,
                      sum(injected.values()), dict(sorted(injected.items())))

    def step(self, k: int) -> None:
        if self.every > 0 and k > 0 and k % self.every == 0:
            dt = time.monotonic() - self.t0
            self.log.info("progress: %d/%d VMMs in %.0f s (%.2f VMM/s)", k, self.total, dt,
                          k / dt)


class CovVmmSeq(uvm_sequence):
    """Constrained-random VMMs that pick a bin of every cover point uniformly (so extremes come
    as often as typical values) and then a value inside it. Constraint: at most ~150k cycles of
    events (event_wait is lowered otherwise); soak mode keeps phases short."""

    async def body(self) -> None:
        n = ConfigDB().get(None, "", "NUM_VMMS")
        seed = ConfigDB().get(None, "", "SEED")
        soak = ConfigDB().get(None, "", "SOAK")
        tb: Testbench = ConfigDB().get(None, "", "TB")
        rng = random.Random(seed)
        nrng = np.random.default_rng(seed)
        w = np.zeros((128, 256), dtype=np.int64)
        progress = Progress(n)
        injected: dict[str, int] = {}
        for k in range(n):
            progress.step(k)
            item = CovVmmItem(f"vmm{k}")
            style = "uniform" if k == 0 else rng.choice(cov.W_STYLES)
            if soak and k > 0 and rng.random() < 0.8:
                style = "rows"  # soak: mostly partial updates, many VMMs per second
            if style == "rows":
                rows = sorted(rng.sample(range(128), rng.randint(1, 6)))
                w = w.copy()
                for i in rows:
                    w[i] = random_weights(nrng, "uniform")[0]
                item.rows = rows
            else:
                if style == "max_pos":
                    w = np.full((128, 256), 63, dtype=np.int64)
                elif style == "max_neg":
                    w = np.full((128, 256), -63, dtype=np.int64)
                else:
                    w = random_weights(nrng, style)
                item.rows = None
            item.w = w
            nb = rng.choice(cov.NNZ_BINS)
            nnz = {"0": 0, "1": 1, "2-16": rng.randint(2, 16), "17-64": rng.randint(17, 64),
                   "65-127": rng.randint(65, 127), "128": 128}[nb]
            mb = rng.choice(cov.XMAX_BINS[1:])
            xmax = {"1-15": rng.randint(1, 15), "16-30": rng.randint(16, 30), "31": 31}[mb]
            x = np.zeros(128, dtype=np.int64)
            idx = nrng.permutation(128)[:nnz]
            x[idx] = nrng.integers(1, xmax + 1, size=nnz)
            if nnz:
                x[idx[0]] = xmax
            item.x = x
            vals = {name: _value_in_bin(rng, name, rng.choice(cov.reg_bins(name)))
                    for name in cov.REG_RANGES}
            if soak:
                vals.update(reset_cycles=rng.randint(0, 8), settle_cycles=rng.randint(0, 8),
                            adc_reset_wait=rng.randint(0, 4), adc_dead_time=rng.randint(0, 4),
                            adc_step=1, event_wait=rng.randint(1, 3),
                            num_sends=rng.randint(1, 3))
            while vals["event_wait"] > 1 and \
                    vals["event_wait"] * vals["num_sends"] * nnz > 150_000:
                vals["event_wait"] = max(1, vals["event_wait"] // 4)
            item.timing = hxsim.Timing(**vals)
            if k == 0 or rng.random() < 0.1:
                item.dac = nrng.integers(0, 64, size=128)
            if k == 0 or rng.random() < 0.2:
                item.col_off = (nrng.integers(-128, 128, size=256) if rng.random() < 0.5
                                else np.zeros(256, dtype=np.int64))
            item.bp = rng.choice([0.0, 0.15, 0.6]) if not soak else rng.choice([0.5, 0.8, 0.9])
            tb.vdrv.backpressure = item.bp
            item.style = style
            item.kind = f"w={style},x={nb}"
            await self.start_item(item)
            await self.finish_item(item)
            if rng.random() < (0.3 if soak else 0.1):
                kind = await inject_error(tb, rng)
                injected[kind] = injected.get(kind, 0) + 1
        progress.done(injected)


async def inject_error(tb: Testbench, rng: random.Random) -> str:
    """Between two VMMs (driver idle): one refused request of a random kind. It must be refused;
    nothing may change - the next VMM's scoreboard check (shadow model of the accepted stores,
    bridge reading the SRAM) proves the weights, input and offsets intact. ERR_CLEAR after."""
    kind = rng.choice(["input", "weight", "dac", "vaddr", "regval", "regaddr", "noresult"])
    bad = np.zeros(128, dtype=np.int64)
    bad[rng.randrange(128)] = rng.choice([64, 100, 255]) if kind in ("weight", "dac") \
        else rng.choice([32, 63, 255])
    if kind == "input":
        assert await tb.vdrv.store(regs.VA_INPUT, regs.pack_lanes(bad)), "input > 31 accepted"
    elif kind == "weight":
        r = rng.randrange(512)
        assert await tb.vdrv.store(regs.VA_SYN + r, regs.pack_lanes(bad)), "weight > 63 accepted"
        shadow = ConfigDB().get(None, "", "SHADOW")
        got, errs = await tb.read_cols(regs.VA_SYN + (r & ~1))
        assert not any(errs) and np.array_equal(got, shadow.phys[r >> 1]), \
            f"SRAM row {r >> 1} changed by a refused store"
    elif kind == "dac":
        assert await tb.vdrv.store(regs.VA_DAC, regs.pack_lanes(bad)), "DAC > 63 accepted"
    elif kind == "vaddr":
        assert (await tb.vdrv.load(rng.choice([0x201, 0x260, 0x300])))[1], "bad address ok"
    elif kind == "regval":
        assert await tb.axil.write(regs.T_EVENT_WAIT, 0) == regs.SLVERR, "event_wait 0 ok"
    elif kind == "regaddr":
        assert (await tb.axil.read(0x050))[1] == regs.SLVERR, "unmapped read ok"
    else:
        # NO_RESULT needs no valid result: ABORT a fresh VMM first
        await tb.start_vmm()
        await tb.cycles(3)
        await tb.axil.write_ok(regs.CTRL, regs.CTRL_ABORT)
        await tb.cycles(2)
        assert (await tb.vdrv.load(regs.VA_RESULT))[1], "result load after ABORT accepted"
    await tb.axil.write_ok(regs.CTRL, regs.CTRL_ERR_CLEAR)
    await tb.axil.write_ok(regs.IRQ_STATUS, regs.IRQ_ERROR)
    return kind


class CoverageSubscriber(uvm_subscriber):
    """Samples the VMM-level coverage model for every VMM the driver completed."""

    def write(self, item: Any) -> None:
        res = item.result
        cov.sample_vmm(item.timing, item.x, getattr(item, "style", "uniform"), res.y,
                       res.raw_b, res.raw_r, getattr(item, "bp", 0.0))


@pyuvm.test()
class test_verif_cov_random(uvm_test):  # noqa: N801  (cocotb test name)
    """Coverage-driven random VMMs on the ideal array, checked by the env's scoreboard
    (bit- and cycle-exact); samples the coverage model."""

    def build_phase(self) -> None:
        seed = _seed()
        n = int(os.environ.get("HX_NUM_VMMS", "40"))
        soak = os.environ.get("HX_SOAK", "0") == "1"
        self.tb = Testbench(cocotb.top, chip=hxsim.ChipInstance(hxsim.ChipParams.ideal()),
                            seed=seed, backpressure=0.3)
        self.logger.info("SEED=%d VMMS=%d soak=%s (reproduce: make sim TEST=%s SEED=%d)", seed,
                         n, soak, type(self).__name__, seed)
        configure(self.tb, "ideal", n, seed, "mixed", None)
        ConfigDB().set(None, "*", "SOAK", soak)
        self.env = VmmEnv("env", self)
        self.cov = CoverageSubscriber("cov", self)

    def connect_phase(self) -> None:
        self.env.driver.ap.connect(self.cov.analysis_export)

    async def run_phase(self) -> None:
        self.raise_objection()
        await self.tb.start()
        seq = CovVmmSeq("seq")
        await seq.start(ConfigDB().get(None, "", "SEQR"))
        # no lost or duplicated result: every VMM completed exactly once
        count = await self.tb.axil.read_ok(0x044)
        n = ConfigDB().get(None, "", "NUM_VMMS")
        assert count == n, f"VMM_COUNT {count} after {n} VMMs (lost or duplicated results)"
        self.drop_objection()


# ---------------------------------------------------------------- statistical scoreboard
ALPHA = 1e-3   # family-wise false-alarm rate of one check (all columns, mean and std)


def _chi2_q(p: float, k: int) -> float:
    """Quantile of chi-square with k degrees of freedom (Wilson-Hilferty)."""
    z = NormalDist().inv_cdf(p)
    return float(k * (1 - 2 / (9 * k) + z * np.sqrt(2 / (9 * k))) ** 3)


def stat_check(obs: np.ndarray, pred: np.ndarray, alpha: float = ALPHA) -> list[str]:
    """Per column: the observed mean and variance of ``obs[N, 256]`` against the model's
    ``pred[M, 256]`` (M >> N samples of the same process). Two-sided tests, Bonferroni over
    2 x 256 tests so the whole check has false-alarm rate <= alpha:
      mean: |m_obs - m_pred| <= z * sqrt(s2_pred / N + s2_pred / M) + 0.5 / sqrt(N)
            (the last term bounds the int8 rounding of a near-degenerate column)
      var : (N - 1) s2_obs / s2_pred within the chi2(N - 1) quantiles.
    Columns whose predicted spread is < 0.05 LSB (saturated / constant) must match exactly.
    Two pooled tests over the unsaturated columns add power against small global errors:
      offset: the weighted mean of (m_obs - m_pred) must be 0
      gain : weighted least-squares slope of (m_obs - m_pred) on (m_pred - mean) must be 0
      noise: the mean of s2_obs / s2_pred must be 1 (normal approximation, var 2 / (N - 1) / C)."""
    n, m = obs.shape[0], pred.shape[0]
    tests = 2 * obs.shape[1] + 3
    a = alpha / tests
    z = NormalDist().inv_cdf(1 - a / 2)
    lo, hi = _chi2_q(a / 2, n - 1), _chi2_q(1 - a / 2, n - 1)
    mo, mp = obs.mean(0), pred.mean(0)
    vo, vp = obs.var(0, ddof=1), pred.var(0, ddof=1)
    bad = []
    for j in range(obs.shape[1]):
        if vp[j] < 0.05 ** 2:
            if abs(mo[j] - mp[j]) > 0.5:
                bad.append(f"col {j}: constant {mp[j]:.2f} predicted, mean {mo[j]:.2f}")
            continue
        tol = z * np.sqrt(vp[j] / n + vp[j] / m) + 0.5 / np.sqrt(n)
        if abs(mo[j] - mp[j]) > tol:
            bad.append(f"col {j}: mean {mo[j]:.2f} vs {mp[j]:.2f} (tol {tol:.2f})")
        r = (n - 1) * vo[j] / vp[j]
        if not lo <= r <= hi:
            bad.append(f"col {j}: std {np.sqrt(vo[j]):.2f} vs {np.sqrt(vp[j]):.2f}")
    # pooled tests over columns that are neither constant nor saturated
    ok = (vp >= 0.05 ** 2) & (np.abs(mp) < 110)
    if np.count_nonzero(ok) >= 16:
        d = (mo - mp)[ok]
        var_d = (vp / n + vp / m)[ok]
        u = mp[ok] - np.average(mp[ok], weights=1 / var_d)
        slope = float(np.sum(u * d / var_d) / np.sum(u * u / var_d))
        se = float(1 / np.sqrt(np.sum(u * u / var_d)))
        if abs(slope) > z * se:
            bad.append(f"pooled gain: slope {slope:+.4f} (tol {z * se:.4f})")
        off = float(np.sum(d / var_d) / np.sum(1 / var_d))
        se_o = float(1 / np.sqrt(np.sum(1 / var_d)))
        if abs(off) > z * se_o + 0.5 / np.sqrt(n):
            bad.append(f"pooled offset: {off:+.3f} LSB (tol {z * se_o + 0.5 / np.sqrt(n):.3f})")
        ratio = float(np.mean(vo[ok] / vp[ok]))
        se_r = float(np.sqrt(2 / (n - 1) / np.count_nonzero(ok)))
        if abs(ratio - 1) > z * se_r:
            bad.append(f"pooled noise: variance ratio {ratio:.3f} (tol {z * se_r:.3f})")
    return bad


def predict(params: hxsim.ChipParams, fixed_seed: int, x: np.ndarray, w: np.ndarray,
            t: hxsim.Timing, n: int, k: int, col_off: np.ndarray | None = None) -> np.ndarray:
    """k independent runs (other noise seeds) of the same n-VMM sequence -> [k*n, 256]."""
    out = []
    xb = np.repeat(x[None, :], n, axis=0)
    for i in range(k):
        chip = hxsim.ChipInstance(params, fixed_seed, 1_000_003 + i)
        out.append(np.asarray(chip.vmm(xb, w, timing=t, dac_offsets=np.full(128, 32),
                                       column_offsets=col_off),
                              dtype=np.float64))
    return np.concatenate(out)


@cocotb.test()
async def test_verif_noisy_stats(dut: Any) -> None:
    """Noisy mode (default ChipParams: fixed pattern and noise on): N repeated VMMs of one
    (x, w) through the co-simulation vs the model's predicted per-column distribution; then the
    same data against a model with a wrong gain (+5 %), a wrong column offset (+1 LSB) and a
    wrong noise scale (x1.5) must fail."""
    seed = _seed()
    n = int(os.environ.get("HX_STAT_N", "40"))
    k = int(os.environ.get("HX_STAT_K", "24"))
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


@cocotb.test()
async def test_verif_zz_cov_dump(dut: Any) -> None:
    """Last test of a verification run: sample the HDL observations (FSM states/transitions,
    error codes, handshakes) of this simulator process and dump the coverage part."""
    cov.sample_hdl(dut)
    name = os.environ.get("HX_COV_NAME", f"run-{_seed()}-{os.getpid()}")
    f = cov.dump(name)
    cov.report(cov.hits(), None, f"coverage of this run ({name})")
    if f is not None:
        cocotb.log.info("coverage part written to %s", f)
