"""Sequences and stimulus helpers: ``RandomVmmSeq`` (random VMMs of test_vmm_*),
``CovVmmSeq`` (coverage-driven constrained-random VMMs and the back-pressure soak),
``inject_error`` (one refused request between two VMMs)."""

from __future__ import annotations

import logging
import random
import time

import numpy as np
from pyuvm import uvm_sequence

import hxsim
from hxsim import regmap
from hxsim.types import I64
from hxtb.env import coverage as cov
from hxtb.env.item import VmmItem
from hxtb.env.predictor import VmmPredictor
from hxtb.tbench import Testbench


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
    """``n`` random VMMs: random weights (full reloads and partial row updates), sparse and
    dense inputs, timing registers varied, saturation in both directions, random offsets.
    ``profile``: see ``hxtb.config.TbConfig.profile``."""

    def __init__(self, name: str, n: int, seed: int, profile: str) -> None:
        super().__init__(name)
        self.n, self.seed, self.profile = n, seed, profile

    async def body(self) -> None:
        n, seed, profile = self.n, self.seed, self.profile
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


class CovVmmSeq(uvm_sequence):
    """Constrained-random VMMs that pick a bin of every cover point uniformly (so extremes come
    as often as typical values) and then a value inside it. Constraint: at most ~150k cycles of
    events (event_wait is lowered otherwise); soak mode keeps phases short. Between VMMs it
    injects refused requests (``inject_error``). A progress line every ``progress`` VMMs
    (0: none) and a closing line go to logger ``hxtb.progress`` (INFO whatever
    COCOTB_LOG_LEVEL is), so a long soak can be followed in its log."""

    def __init__(self, name: str, n: int, seed: int, soak: bool, tb: Testbench,
                 predictor: VmmPredictor, progress: int = 0) -> None:
        super().__init__(name)
        self.n, self.seed, self.soak = n, seed, soak
        self.tb, self.predictor, self.progress = tb, predictor, progress

    async def body(self) -> None:
        n, seed, soak, tb = self.n, self.seed, self.soak, self.tb
        rng = random.Random(seed)
        nrng = np.random.default_rng(seed)
        w = np.zeros((128, 256), dtype=np.int64)
        log = logging.getLogger("hxtb.progress")
        log.setLevel(logging.INFO)
        t0 = time.monotonic()
        injected: dict[str, int] = {}
        for k in range(n):
            if self.progress > 0 and k > 0 and k % self.progress == 0:
                dt = time.monotonic() - t0
                log.info("progress: %d/%d VMMs in %.0f s (%.2f VMM/s)", k, n, dt, k / dt)
            item = VmmItem(f"vmm{k}")
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
                kind = await inject_error(tb, rng, self.predictor)
                injected[kind] = injected.get(kind, 0) + 1
        log.info("done: %d VMMs in %.0f s; %d refused requests injected %s", n,
                 time.monotonic() - t0, sum(injected.values()), dict(sorted(injected.items())))


async def inject_error(tb: Testbench, rng: random.Random, predictor: VmmPredictor) -> str:
    """Between two VMMs (driver idle): one refused request of a random kind. It must be refused;
    nothing may change - the next VMM's scoreboard check (predictor fed by the monitors,
    bridge reading the SRAM) proves the weights, input and offsets intact. ERR_CLEAR after."""
    kind = rng.choice(["input", "weight", "dac", "vaddr", "regval", "regaddr", "noresult"])
    bad = np.zeros(128, dtype=np.int64)
    bad[rng.randrange(128)] = rng.choice([64, 100, 255]) if kind in ("weight", "dac") \
        else rng.choice([32, 63, 255])
    if kind == "input":
        assert await tb.vdrv.store(regmap.VA_INPUT, regmap.pack_lanes(bad)), "input > 31 accepted"
    elif kind == "weight":
        r = rng.randrange(512)
        assert await tb.vdrv.store(regmap.VA_SYN + r, regmap.pack_lanes(bad)), \
            "weight > 63 accepted"
        got, errs = await tb.read_cols(regmap.VA_SYN + (r & ~1))
        assert not any(errs) and np.array_equal(got, predictor.held().phys[r >> 1]), \
            f"SRAM row {r >> 1} changed by a refused store"
    elif kind == "dac":
        assert await tb.vdrv.store(regmap.VA_DAC, regmap.pack_lanes(bad)), "DAC > 63 accepted"
    elif kind == "vaddr":
        assert (await tb.vdrv.load(rng.choice([0x201, 0x260, 0x300])))[1], "bad address ok"
    elif kind == "regval":
        assert await tb.axil.write(regmap.T_EVENT_WAIT, 0) == regmap.SLVERR, "event_wait 0 ok"
    elif kind == "regaddr":
        assert (await tb.axil.read(0x050))[1] == regmap.SLVERR, "unmapped read ok"
    else:
        # NO_RESULT needs no valid result: ABORT a fresh VMM first
        await tb.start_vmm()
        await tb.cycles(3)
        await tb.axil.write_ok(regmap.CTRL, regmap.CTRL_ABORT)
        await tb.cycles(2)
        assert (await tb.vdrv.load(regmap.VA_RESULT))[1], "result load after ABORT accepted"
    await tb.axil.write_ok(regmap.CTRL, regmap.CTRL_ERR_CLEAR)
    await tb.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_ERROR)
    return kind
