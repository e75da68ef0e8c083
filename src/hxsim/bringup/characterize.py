"""The published characterization (SPEC.md section 5): weights -63..+63 over 127 columns (one weight
per column, the same in every row), constant input vectors of all 0, 3 and 7, 30 repetitions;
output vs weight with error bars (std over repetitions) and the ideal line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.device import VmmDevice
from hxsim.golden import TILE_COLS, TILE_ROWS, W_MAX, X_MAX, ideal_vmm
from hxsim.outputs import atomic_path
from hxsim.timing import Timing
from hxsim.types import F64, I64

from .data import MeasuredData, base_metadata, check_writable

LEVELS = (0, 3, 7)
REPETITIONS = 30
#: Weights of the swept columns 0..126; columns 127..255 hold weight 0.
SWEEP = np.arange(-W_MAX, W_MAX + 1, dtype=np.int64)
LINEAR_LIMIT = 70.0


def stimulus(levels: Sequence[int] = LEVELS) -> tuple[I64, I64]:
    """Inputs ``[L, 128]`` (constant vectors) and weights ``[128, 256]`` (column j < 127 holds
    ``j - 63`` in every row; the rest 0)."""
    lv = list(levels)
    if not lv or any(isinstance(v, bool) or not isinstance(v, int | np.integer)
                     or not 0 <= v <= X_MAX for v in lv):
        raise ValueError(f"levels: expected input levels 0..31, got {levels!r}")
    x = np.repeat(np.asarray(lv, dtype=np.int64)[:, None], TILE_ROWS, axis=1)
    w = np.zeros((TILE_ROWS, TILE_COLS), dtype=np.int64)
    w[:, :SWEEP.size] = SWEEP[None, :]
    return x, w


def run(device: VmmDevice, timing: Timing, repetitions: int = REPETITIONS,
        levels: Sequence[int] = LEVELS, progress: Callable[[int, int], None] | None = None,
        metadata: dict[str, Any] | None = None) -> MeasuredData:
    """Run the characterization on ``device``: one ``run_vmms`` batch (all levels, ``[L, 128]``
    against the sweep weights) per repetition; ``progress(done, repetitions)`` after each.
    Returns the measured data (``outputs[L, repetitions, 256]``); raises ``ValueError`` for bad
    levels or repetitions and whatever the device raises (``DeviceUnavailable``)."""
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1:
        raise ValueError(f"repetitions: expected a positive integer, got {repetitions!r}")
    x, w = stimulus(levels)
    out = np.empty((x.shape[0], repetitions, TILE_COLS), dtype=np.int64)
    for r in range(repetitions):
        out[:, r] = device.run_vmms(x, w, timing).y
        if progress is not None:
            progress(r + 1, repetitions)
    md = base_metadata(timing, "simulator", experiment="characterization",
                       backend=device.name, levels=list(map(int, levels)))
    md.update(metadata or {})
    # The ideal line is the chip's: its gain (metadata "chip", as seed_metadata records it, or a
    # golden device's own gain); num_sends comes from the timing.
    chip_md = md.get("chip")
    if "gain_nominal" not in md:
        if isinstance(chip_md, dict) and isinstance(chip_md.get("gain"), int | float):
            md["gain_nominal"] = float(chip_md["gain"])
        elif isinstance(own := getattr(device, "gain", None), float):  # a golden device
            md["gain_nominal"] = own
    return MeasuredData(inputs=x, weights=w[None], weight_index=np.zeros(x.shape[0], np.int64),
                        outputs=out, metadata=md)


@dataclass(frozen=True)
class CharacterizationResult:
    """Per input level: mean and std over repetitions per swept weight, and a line fit
    ``y = slope * w + offset`` over the points with ``|mean| <= linear_limit``."""

    levels: list[int]
    weights: I64
    mean: F64
    std: F64
    ideal: I64
    slope: F64
    slope_ideal: F64
    offset: F64
    residual_rms: F64
    points_used: list[int]
    noise: float
    linear_limit: float

    def summary(self) -> str:
        lines = ["Characterization: output vs weight (columns 0..126), linear fit over "
                 f"|mean y| <= {self.linear_limit:g} LSB",
                 "  input  slope [LSB/w]  ideal slope  ratio   offset [LSB]  residual rms  points"]
        for k, lv in enumerate(self.levels):
            # (input 0: the ideal slope is 0 and a ratio is undefined: "-")
            ratio = (f"{self.slope[k] / self.slope_ideal[k]:5.3f}" if self.slope_ideal[k]
                     else f"{'-':>5}")
            lines.append(f"  {lv:5d}  {self.slope[k]:13.4f}  {self.slope_ideal[k]:11.4f}  "
                         f"{ratio}  {self.offset[k]:12.3f}  {self.residual_rms[k]:12.3f}  "
                         f"{self.points_used[k]:6d}")
        lines.append(f"  noise (std over repetitions, pooled): {self.noise:.3f} LSB")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return [clean(e) for e in v.tolist()]
            if isinstance(v, list):
                return [clean(e) for e in v]
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return v

        return {k: clean(v) for k, v in self.__dict__.items()}


def analyze(data: MeasuredData, linear_limit: float = LINEAR_LIMIT) -> CharacterizationResult:
    """Analyse characterization data (the stimulus of ``stimulus``)."""
    if data.weights.shape[0] != 1 or not np.array_equal(data.weights[0, :, :SWEEP.size],
                                                        np.broadcast_to(SWEEP, (TILE_ROWS,
                                                                                SWEEP.size))):
        raise ValueError("weights: not the characterization sweep (-63..63 over columns 0..126)")
    if not np.all(data.inputs == data.inputs[:, :1]):
        raise ValueError("inputs: the characterization uses constant input vectors")
    levels = [int(v) for v in data.inputs[:, 0]]
    y = data.outputs[:, :, :SWEEP.size].astype(np.float64)
    mean = y.mean(axis=1)
    std = y.std(axis=1, ddof=1) if data.repetitions > 1 else np.zeros_like(mean)
    ideal = ideal_vmm(data.inputs, data.weights[0][:, :SWEEP.size], data.gain_nominal,
                      data.num_sends).astype(np.int64)
    slope = np.full(len(levels), np.nan)
    offset = np.full(len(levels), np.nan)
    rms = np.full(len(levels), np.nan)
    used = []
    wf = SWEEP.astype(np.float64)
    for k in range(len(levels)):
        m = np.abs(mean[k]) <= linear_limit
        used.append(int(m.sum()))
        if m.sum() >= 2:
            a, b = np.polyfit(wf[m], mean[k][m], 1)
            slope[k], offset[k] = a, b
            rms[k] = float(np.sqrt(np.mean((mean[k][m] - (a * wf[m] + b)) ** 2)))
    slope_ideal = np.array([data.gain_nominal * data.num_sends * TILE_ROWS * lv
                            for lv in levels], dtype=np.float64)
    noise = float(np.sqrt(np.mean(std ** 2))) if data.repetitions > 1 else float("nan")
    return CharacterizationResult(levels, SWEEP.copy(), mean, std, ideal, slope, slope_ideal,
                                  offset, rms, used, noise, float(linear_limit))


def plot(res: CharacterizationResult, path: Path, title: str = "", force: bool = False) -> Path:
    """PNG: output vs weight per input level, error bars = std over repetitions, ideal overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    check_writable(path, force)
    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=110)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, lv in enumerate(res.levels):
        c = colors[k % len(colors)]
        ax.errorbar(res.weights, res.mean[k], yerr=res.std[k], fmt="o", ms=2.5, lw=0.8,
                    color=c, label=f"input {lv} (mean +- std)")
        ax.plot(res.weights, res.ideal[k], "-", color=c, lw=1.0, alpha=0.7,
                label=f"input {lv} ideal")
    ax.axhspan(-res.linear_limit, res.linear_limit, color="0.9", zorder=0,
               label=f"fit range |y| <= {res.linear_limit:g}")
    ax.set_xlabel("weight (same in all 128 rows)")
    ax.set_ylabel("output y [LSB]")
    ax.set_title(title or "Characterization: output vs weight")
    ax.set_xlim(-64, 64)
    ax.set_ylim(-130, 130)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    with atomic_path(path) as tmp:  # temporary file, then renamed
        fig.savefig(tmp)
    plt.close(fig)
    return path
