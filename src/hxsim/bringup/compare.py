"""``hxsim compare``: fit measured data (``hxsim.fitting``), compare it with the golden model and a
chip configuration, write a Markdown report with PNGs, and flag deviations beyond thresholds.

Expected values from a ``ChipParams`` configuration (each only where its effect is on):

* gain: ``params.gain`` (the mean of the column gains; driver, synapse and order effects shift
  it by a few per cent, so a gain threshold should allow for them);
* noise of y: ``sqrt(membrane^2 + 2 * read^2 + drift^2 * dt + 1/6)`` with ``dt`` the baseline-to-
  result interval of an event-free VMM in microseconds (``1/6``: floor quantization of two reads);
* column gain spread: ``column_gain_std``;
* column offset spread: ``sqrt(column_offset_std^2 + (leak_std * dt)^2)`` (uncalibrated chip).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import CYCLE_US
from hxsim.fitting import LINEAR_LIMIT, FitResult, fit_vmm_data, ideal_sums
from hxsim.golden import ideal_vmm
from hxsim.outputs import Outputs
from hxsim.params import ChipParams
from hxsim.timing import Timing
from hxsim.types import F64

from .data import MeasuredData

#: Threshold names (CLI option ``--<name with dashes>``) and what they bound.
THRESHOLDS: dict[str, str] = {
    "gain_tol": "relative deviation of the fitted gain from the configuration's gain",
    "noise_tol": "absolute deviation of the fitted noise from the expected noise (LSB)",
    "column_gain_tol": "absolute deviation of the column gain spread (relative std) from the "
                       "configuration's",
    "column_offset_tol": "absolute deviation of the column offset spread from the expected (LSB)",
    "golden_rms_max": "largest allowed rms of (mean y - golden) over in-range points (LSB)",
}


def expected_from_params(p: ChipParams, timing: Timing) -> dict[str, float]:
    dt_us = (timing.conversion_cycles + timing.settle_cycles) * CYCLE_US
    mem = p.membrane_noise_lsb if p.enable_membrane_noise else 0.0
    read = p.read_noise_lsb if p.enable_read_noise else 0.0
    drift = p.drift_lsb_per_sqrt_us if p.enable_drift else 0.0
    col = p.column_offset_std_lsb if p.enable_column_offsets else 0.0
    leak = p.leak_std_lsb_per_us if p.enable_leak else 0.0
    return {
        "gain": p.gain,
        "noise_std": math.sqrt(mem ** 2 + 2 * read ** 2 + drift ** 2 * dt_us + 1.0 / 6.0),
        "column_gain_spread": p.column_gain_std if p.enable_column_gain_mismatch else 0.0,
        "column_offset_spread": math.sqrt(col ** 2 + (leak * dt_us) ** 2),
    }


@dataclass(frozen=True)
class Check:
    name: str
    measured: float
    expected: float
    deviation: float
    threshold: float | None

    @property
    def passed(self) -> bool:
        return self.threshold is None or (math.isfinite(self.deviation)
                                          and self.deviation <= self.threshold)


@dataclass
class Comparison:
    fit: FitResult
    expected: dict[str, float]
    golden_rms: float
    golden_max: float
    golden_residual: F64
    fit_residual: F64
    checks: list[Check] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        """True if at least one check has a threshold (else nothing was checked)."""
        return any(c.threshold is not None for c in self.checks)

    @property
    def passed(self) -> bool:
        """Every check with a threshold holds, and there is at least one."""
        return self.checked and all(c.passed for c in self.checks)

    @property
    def verdict(self) -> str:
        if not self.checked:
            return "NOTHING CHECKED (no threshold given)"
        return "PASS" if self.passed else "FAIL"


def compare(data: MeasuredData, params: ChipParams, thresholds: dict[str, float | None],
            linear_limit: float = LINEAR_LIMIT) -> Comparison:
    unknown = sorted(set(thresholds) - set(THRESHOLDS))
    if unknown:
        raise ValueError(f"thresholds: unknown name(s) {', '.join(unknown)}")
    for k, v in thresholds.items():
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ValueError(f"--{k.replace('_', '-')}: expected a non-negative number, got {v}")
    fit = fit_vmm_data(data.inputs, data.weights, data.outputs, weight_index=data.weight_index,
                       num_sends=data.num_sends, linear_limit=linear_limit)
    exp = expected_from_params(params, data.timing)
    ybar = data.outputs.mean(axis=1)
    gold = np.stack([ideal_vmm(data.inputs[n], data.weights[data.weight_index[n]],
                               data.gain_nominal, data.num_sends)
                     for n in range(data.num_vmms)]).astype(np.float64)
    use = np.abs(ybar) <= linear_limit
    gres = ybar - gold
    g_rms = float(np.sqrt(np.mean(gres[use] ** 2))) if use.any() else float("nan")
    g_max = float(np.abs(gres[use]).max()) if use.any() else float("nan")
    s = ideal_sums(data.inputs, data.weights, data.weight_index, data.num_sends)
    pred = fit.column_offset[None, :] + np.nan_to_num(fit.column_gain)[None, :] * s
    fres = np.where(use, ybar - pred, np.nan)
    checks = [
        Check("gain (relative)", fit.gain, exp["gain"], abs(fit.gain / exp["gain"] - 1.0),
              thresholds.get("gain_tol")),
        Check("noise std [LSB]", fit.noise_std, exp["noise_std"],
              abs(fit.noise_std - exp["noise_std"]), thresholds.get("noise_tol")),
        Check("column gain spread", fit.column_gain_spread, exp["column_gain_spread"],
              abs(fit.column_gain_spread - exp["column_gain_spread"]),
              thresholds.get("column_gain_tol")),
        Check("column offset spread [LSB]", fit.column_offset_spread, exp["column_offset_spread"],
              abs(fit.column_offset_spread - exp["column_offset_spread"]),
              thresholds.get("column_offset_tol")),
        Check("golden rms [LSB]", g_rms, golden_rms_expected(exp, params, data.repetitions,
                                                             gold[use]),
              g_rms, thresholds.get("golden_rms_max")),
    ]
    return Comparison(fit, exp, g_rms, g_max, gres, fres, checks)


def golden_rms_expected(exp: dict[str, float], params: ChipParams, repetitions: int,
                        golden: F64) -> float:
    """The rms of (mean y - golden) a chip of configuration ``params`` should show: the column
    offset spread, the noise of a mean of ``repetitions`` trials and the column gain spread
    times the rms golden value; 0 for a chip without noise and fixed pattern (it reproduces the
    golden model bit for bit). The threshold ``--golden-rms-max`` bounds the measured value."""
    if exp["noise_std"] ** 2 <= 1.0 / 6.0 + 1e-12 and exp["column_offset_spread"] == 0.0 \
            and exp["column_gain_spread"] == 0.0:
        return 0.0
    g2 = float(np.mean(golden ** 2)) if golden.size else 0.0
    return math.sqrt(exp["column_offset_spread"] ** 2 + exp["noise_std"] ** 2 / repetitions
                     + exp["column_gain_spread"] ** 2 * g2)


def _plots(cmp: Comparison, data: MeasuredData, dest: Any) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files: dict[str, str] = {}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), dpi=100)
    for ax, arr, title in ((axes[0], cmp.golden_residual, "mean y - golden"),
                           (axes[1], cmp.fit_residual, "mean y - per-column fit (in range)")):
        lim = float(np.nanpercentile(np.abs(arr), 99)) if np.isfinite(arr).any() else 1.0
        im = ax.imshow(arr, aspect="auto", cmap="coolwarm", vmin=-max(lim, 1e-3),
                       vmax=max(lim, 1e-3), interpolation="nearest")
        ax.set_xlabel("column")
        ax.set_ylabel("measurement (VMM)")
        ax.set_title(title)
        fig.colorbar(im, ax=ax, label="LSB")
    fig.tight_layout()
    fig.savefig(dest("residual_heatmap.png"))
    plt.close(fig)
    files["residual heatmap"] = "residual_heatmap.png"

    fit = cmp.fit
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    g = fit.column_gain[np.isfinite(fit.column_gain)]
    axes[0].hist(g / cmp.expected["gain"], bins=30, color="C0")
    axes[0].axvline(1.0, color="k", lw=1, label="configuration")
    axes[0].set_xlabel("column gain / configured gain")
    axes[0].set_ylabel("columns")
    axes[0].legend(fontsize=8)
    o = fit.column_offset[np.isfinite(fit.column_offset)]
    axes[1].hist(o, bins=30, color="C1")
    axes[1].set_xlabel("column offset [LSB]")
    axes[1].set_ylabel("columns")
    fig.tight_layout()
    fig.savefig(dest("column_hist.png"))
    plt.close(fig)
    files["column gain/offset histograms"] = "column_hist.png"

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ybar = data.outputs.mean(axis=1)
    if data.repetitions > 1:
        sd = data.outputs.std(axis=1, ddof=1)
        ylabel = "std over repetitions [LSB]"
    else:
        sd = np.abs(np.nan_to_num(cmp.fit_residual))
        ylabel = "|residual| [LSB]"
    edges = np.arange(-128, 136, 8)
    idx = np.digitize(ybar.ravel(), edges)
    centers, vals = [], []
    for k in np.unique(idx):
        sel = idx == k
        if sel.sum() >= 5:
            centers.append(float(ybar.ravel()[sel].mean()))
            vals.append(float(np.sqrt(np.mean(sd.ravel()[sel] ** 2))))
    ax.plot(ybar.ravel()[::max(1, ybar.size // 4000)], sd.ravel()[::max(1, ybar.size // 4000)],
            ".", ms=1.5, alpha=0.3, color="0.5", label="points")
    ax.plot(centers, vals, "o-", color="C3", label="binned rms")
    ax.axhline(cmp.expected["noise_std"], color="k", ls="--", lw=1, label="configuration")
    ax.set_xlabel("mean output [LSB]")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(dest("noise_vs_output.png"))
    plt.close(fig)
    files["noise vs output"] = "noise_vs_output.png"
    return files


REPORT_FILES = ("report.md", "compare.json", "residual_heatmap.png", "column_hist.png",
                "noise_vs_output.png")


def report_outputs(outdir: Path, force: bool, inputs: list[Path | None]) -> Outputs:
    """The report's files in ``outdir`` as ``Outputs`` (check them before any work)."""
    if outdir.exists() and not outdir.is_dir():
        raise ValueError(f"--out: {outdir} is a file, expected a directory")
    outs = Outputs(force, [p for p in inputs if p is not None])
    for name in REPORT_FILES:
        outs.add(outdir / name)
    return outs


def write_report(cmp: Comparison, data: MeasuredData, outdir: Path, source: str,
                 force: bool = False, outputs: Outputs | None = None) -> Path:
    """Write ``report.md``, ``compare.json`` and the PNGs into ``outdir``, each through a
    temporary file renamed into place when all are written."""
    outs = outputs or report_outputs(outdir, force, [])
    outs.check()
    with outs.commit() as temp:
        _write_report(cmp, data, lambda name: temp(outdir / name), source)
    return outdir / "report.md"


def _write_report(cmp: Comparison, data: MeasuredData, dest: Any, source: str) -> None:
    files = _plots(cmp, data, dest)
    fit = cmp.fit
    lines = [
        "# hxsim compare report", "",
        f"Data: `{source}` ({data.num_vmms} VMMs x {data.repetitions} repetitions, "
        f"num_sends {data.num_sends}, source {data.metadata.get('source')!r}).", "",
        "## Fit", "", "```", fit.summary(), "```", "",
        "## Checks", "",
        "| quantity | measured | expected | deviation | threshold | result |",
        "|---|---|---|---|---|---|",
    ]
    for c in cmp.checks:
        thr = "-" if c.threshold is None else f"{c.threshold:.4g}"
        res = "not checked" if c.threshold is None else ("pass" if c.passed else "**FAIL**")
        lines.append(f"| {c.name} | {c.measured:.5g} | {c.expected:.5g} | {c.deviation:.4g} | "
                     f"{thr} | {res} |")
    lines += ["", f"Golden model: rms {cmp.golden_rms:.3f} LSB, max {cmp.golden_max:.3f} LSB "
              f"(mean over repetitions minus the noise-free golden value, points with |y| <= "
              f"{fit.linear_limit:g}).", "", "## Figures", ""]
    for title, f in files.items():
        lines.append(f"### {title}\n\n![{title}]({f})\n")
    lines.append(f"Overall: {cmp.verdict}")
    dest("report.md").write_text("\n".join(lines) + "\n")
    summary = {
        "passed": cmp.passed, "checked": cmp.checked, "fit": fit.to_dict(),
        "expected": cmp.expected,
        "golden_rms": cmp.golden_rms, "golden_max": cmp.golden_max,
        "checks": [{"name": c.name, "measured": c.measured, "expected": c.expected,
                    "deviation": c.deviation, "threshold": c.threshold, "passed": c.passed}
                   for c in cmp.checks],
    }
    dest("compare.json").write_text(json.dumps(summary, indent=1, default=_json_default)
                                    + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o).__name__)
