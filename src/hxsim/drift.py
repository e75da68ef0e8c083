"""Temporal drift of gain and offsets across VMMs and operating time (``enable_temporal_drift``).

Not the within-VMM membrane drift of ``ChipParams.drift_lsb_per_sqrt_us``: this is the slow change
of the chip between VMMs, seeded and reproducible, off by default (then nothing here runs and
results are those of a chip without it). Every VMM advances the chip's operating time by
``vmm_period_us``; ``DriftProcess.idle(seconds)`` advances it without VMMs. Per step of ``dt``
seconds ([NF]: every magnitude is an assumption, see ``hxsim.params.PARAM_INFO``):

* a temperature-like deviation ``T`` (K), an Ornstein-Uhlenbeck process with stationary std
  ``temp_sigma_k`` and correlation time ``temp_tau_s``:
  ``T <- a*T + temp_sigma_k*sqrt(1-a^2)*z``, ``a = exp(-dt/temp_tau_s)``;
* a random walk of the relative gain, ``drift_gain_per_sqrt_s * sqrt(dt) * z`` per step;
* a random walk of each column's result offset, ``drift_offset_lsb_per_sqrt_s * sqrt(dt) * z``.

The VMM's gain factor is ``1 + walk_gain + temp_gain_per_k * T`` and each column's result offset
``walk_offset_j + c_j * T`` with ``c_j ~ N(0, temp_offset_lsb_per_k_std)`` from the fixed-pattern
seed. The draws come from their own stream (seed ``[noise_seed, 1415]``), 258 normals per VMM in
order, so a batch of n VMMs draws exactly what n single VMMs draw (the fast path and the event path
agree bit for bit).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hxsim.golden import TILE_COLS
from hxsim.params import ChipParams
from hxsim.types import F64

_STREAM_FIXED = 1414
_STREAM_NOISE = 1415


class DriftProcess:
    """The drift state of one chip instance (see the module docstring)."""

    def __init__(self, params: ChipParams, fixed_seed: int, noise_seed: int) -> None:
        self.params = params
        fixed = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence([fixed_seed, _STREAM_FIXED])))
        self.temp_coeff = fixed.standard_normal(TILE_COLS) * params.temp_offset_lsb_per_k_std
        self.reset(noise_seed)

    def reset(self, noise_seed: int) -> None:
        """Back to operating time 0 (temperature deviation 0, walks 0), stream from the seed."""
        self.seed = int(noise_seed)
        self._rng = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence([self.seed, _STREAM_NOISE])))
        self.time_s = 0.0
        self.vmms = 0
        self.temp_k = 0.0
        self.walk_gain = 0.0
        self.walk_offset = np.zeros(TILE_COLS)

    def _coeffs(self, dt_s: float) -> tuple[float, float, float, float]:
        p = self.params
        a = math.exp(-dt_s / p.temp_tau_s)
        return (a, p.temp_sigma_k * math.sqrt(max(0.0, 1.0 - a * a)),
                p.drift_gain_per_sqrt_s * math.sqrt(dt_s),
                p.drift_offset_lsb_per_sqrt_s * math.sqrt(dt_s))

    def step(self, n: int) -> tuple[F64, F64]:
        """Advance ``n`` VMMs; returns each VMM's gain factor ``[n]`` and result offsets
        ``[n, 256]`` (LSB)."""
        dt = self.params.vmm_period_us * 1e-6
        a, s_t, s_g, s_o = self._coeffs(dt)
        z = self._rng.standard_normal((n, 2 + TILE_COLS))
        temps = np.empty(n)
        t = self.temp_k
        for k in range(n):  # the OU recursion, one VMM at a time
            t = a * t + s_t * z[k, 0]
            temps[k] = t
        self.temp_k = t
        gw = np.add.accumulate(np.concatenate(([self.walk_gain], s_g * z[:, 1])))[1:]
        ow = np.add.accumulate(np.concatenate((self.walk_offset[None, :], s_o * z[:, 2:])),
                               axis=0)[1:]
        if n:
            self.walk_gain = float(gw[-1])
            self.walk_offset = ow[-1].copy()
        self.vmms += n
        self.time_s += n * dt
        gain = 1.0 + gw + self.params.temp_gain_per_k * temps
        offset = ow + temps[:, None] * self.temp_coeff[None, :]
        return gain, offset

    def idle(self, seconds: float) -> None:
        """Operating time without VMMs: the processes advance by ``seconds`` in one step."""
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"seconds: expected a non-negative number, got {seconds!r}")
        if seconds == 0:
            return
        a, s_t, s_g, s_o = self._coeffs(float(seconds))
        z = self._rng.standard_normal(2 + TILE_COLS)
        self.temp_k = a * self.temp_k + s_t * z[0]
        self.walk_gain += s_g * z[1]
        self.walk_offset = self.walk_offset + s_o * z[2:]
        self.time_s += seconds

    def state(self) -> dict[str, Any]:
        return {"time_s": self.time_s, "vmms": self.vmms, "temp_k": self.temp_k,
                "walk_gain": self.walk_gain,
                "walk_offset_std": float(self.walk_offset.std())}





def compensation_study(params: ChipParams, periods: list[int | None], n_vmms: int = 4000,
                       fixed_seed: int = 1, noise_seed: int = 2, seed: int = 2026,
                       offset_repetitions: int = 8, vmm_period_us: float = 10000.0
                       ) -> dict[str, Any]:
    """Residual error of drifting results vs the re-calibration period ``N`` (VMMs).

    Two chips with the same seeds, trial noise switched off (so the residual is drift alone): a
    twin without temporal drift and the drifting chip (``enable_temporal_drift``, operating time
    ``vmm_period_us`` per VMM: a host loop of ~10 ms per VMM [NF]). Both get the digital column
    offsets of one zero-input measurement at time 0. Then ``n_vmms`` VMMs of random inputs on one
    random weight matrix (|w| <= 20); the drifting chip re-measures its zero-input offsets with
    ``offset_repetitions`` VMMs every ``N`` workload VMMs (``None``: never) and corrects its digital
    offsets by the rounded mean (the light re-calibration; it costs VMMs and operating time too).
    Residual = RMS over the workload of ``y_drift - y_twin`` (LSB). Only offsets are compensated;
    the gain drift remains (the floor). Returns ``{"periods": [...], "residual_lsb": [...],
    "extra_vmms": [...]}``; everything is seeded (same arguments, same numbers)."""
    from hxsim.array import ChipInstance  # here: hxsim.array imports this module

    for n in periods:  # before the twin's run, not after it
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ValueError(f"periods: expected positive integers or None, got {n!r}")
    quiet = params.with_(enable_read_noise=False, enable_membrane_noise=False,
                         enable_drift=False, vmm_period_us=vmm_period_us)
    rng = np.random.default_rng(seed)
    w = rng.integers(-20, 21, (128, TILE_COLS))
    x = rng.integers(0, 32, (n_vmms, 128))
    zero_x = np.zeros((offset_repetitions, 128), dtype=np.int64)
    zero_w = np.zeros((128, TILE_COLS), dtype=np.int64)

    def offsets(chip: ChipInstance, current: np.ndarray) -> np.ndarray:
        y = chip.program(zero_w, None, current).vmm(zero_x).astype(np.float64)
        return np.clip(current - np.rint(y.mean(axis=0)), -128, 127).astype(np.int64)

    twin = ChipInstance(quiet.with_(enable_temporal_drift=False), fixed_seed, noise_seed)
    c_twin = offsets(twin, np.zeros(TILE_COLS, dtype=np.int64))
    y_twin = twin.program(w, None, c_twin).vmm(x).astype(np.float64)
    residual, extra = [], []
    for n in periods:
        chip = ChipInstance(quiet.with_(enable_temporal_drift=True), fixed_seed, noise_seed)
        c = offsets(chip, np.zeros(TILE_COLS, dtype=np.int64))
        step = n_vmms if n is None else n
        ys = []
        used = 0
        for s in range(0, n_vmms, step):
            if s > 0 and n is not None:
                c = offsets(chip, c)
                used += offset_repetitions
            ys.append(chip.program(w, None, c).vmm(x[s:s + step]).astype(np.float64))
        err = np.concatenate(ys) - y_twin
        residual.append(float(np.sqrt(np.mean(err ** 2))))
        extra.append(used)
    return {"periods": list(periods), "residual_lsb": residual, "extra_vmms": extra,
            "n_vmms": n_vmms, "vmm_period_us": vmm_period_us, "fixed_seed": fixed_seed,
            "noise_seed": noise_seed, "seed": seed}
__all__ = ["DriftProcess", "compensation_study"]
