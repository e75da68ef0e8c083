"""Operating-point measurements and sweeps of CapMem cells (``hxsim sweep``).

``measure_point(device, capmem)`` characterizes one setting with a fixed measurement through the
public device interface only (``run_vmms`` with the CapMem cells; results and raw codes):

* **gain**: the characterization matrix (``hxsim.bringup.characterize.stimulus``: column j < 127
  holds weight j - 63 in all 128 rows) at constant inputs 0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 31; per
  column a line through the points whose ideal value ``u = 128 * x * w * num_sends`` keeps
  ``|gain_nominal * u| <= 40`` LSB; gain = median of the column slopes (LSB per unit x*w per
  send), ``gain_spread`` = their relative std.
* **saturation point**: the smallest ``|fitted value|`` (LSB, either sign) at which the mean
  response falls more than 10 % short of the line (pooled over columns, in 8-LSB bins).
* **INL**: all weights 8 (every column alike), inputs 0..31; the largest deviation of the
  column-averaged mean response from its best-fit line, in LSB.
* **noise**: the same matrix at input 16 repeated; median over columns of the std over repetitions.
* **offset spread**: zero input repeated; std across columns of the mean result.
* **drift**: zero input with a long settle time (4000 cycles more); std across columns of the
  change of the mean result, per us of extra time (the leak/drift rate).
* **baseline code** and **full-scale code**: the mean baseline code, and the mean result code at
  inputs 31 on all rows with weight 63 (the top of the range); ``range = full - baseline``.
* **random-matrix error**: RMS of ``y - gain * ideal`` over random inputs and weights (within the
  linear range), in LSB.

A sweep is a list of points (``sweep_jobs``: the base point, then each spec's settings, each cell
swept alone from the base); every point is one job (``measure_job``) that measures on a fresh
chip instance with the run's seeds (``ChipInstance(params, fixed_seed, noise_seed)``, its own
device): every point sees the same trial-noise stream (common random numbers: a difference
between two settings is the setting's, not the noise's), and a point's numbers do not depend on
which other points run, in which order or in which process. ``hxsim sweep`` runs the jobs in its
own process or on a Dask cluster (``hxsim.jobs.map_jobs``) with identical results;
``collect`` merges them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.bringup.characterize import stimulus as char_stimulus
from hxsim.capmem import CAPMEM_MAX, DEFAULTS, CapMemConfig
from hxsim.checks import check_int, check_seed
from hxsim.device import VmmDevice, close_device, open_device, run_with_capmem
from hxsim.golden import TILE_COLS, TILE_ROWS, ideal_vmm
from hxsim.params import ChipParams
from hxsim.timing import Timing
from hxsim.types import F64

#: Input levels of the gain / saturation measurement.
GAIN_LEVELS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 31)
#: Fit range of the gain (ideal |value| at the nominal gain, LSB).
FIT_LIMIT = 40.0
#: Relative shortfall that marks saturation.
SAT_SHORTFALL = 0.10
#: Extra settle cycles of the drift measurement.
DRIFT_EXTRA_CYCLES = 4000
#: Nominal gain the fit range refers to ([V] hxtorch 0.002).
GAIN_NOMINAL = 0.002

#: Quantities ``measure_point`` reports (name -> unit).
QUANTITIES: dict[str, str] = {
    "gain": "LSB per unit x*w per send",
    "gain_spread": "relative std across columns",
    "saturation_lsb": "LSB (|result| where the response falls 10 % short)",
    "inl_lsb": "LSB (max deviation from the best-fit line, weights 8)",
    "noise_lsb": "LSB (median std over repetitions)",
    "offset_spread_lsb": "LSB (std across columns at zero input)",
    "drift_lsb_per_us": "LSB per us (std across columns)",
    "baseline_code": "CADC code (mean)",
    "fullscale_code": "CADC code (mean, inputs 31, weights 63)",
    "range_codes": "CADC codes (full-scale minus baseline)",
    "random_error_lsb": "LSB (RMS of y - gain * ideal, random matrices)",
}


@dataclass(frozen=True)
class MeasureSettings:
    """Repetitions of the fixed measurement (defaults: ~600 VMMs per setting)."""

    gain_repetitions: int = 4
    inl_repetitions: int = 4
    noise_repetitions: int = 32
    offset_repetitions: int = 32
    drift_repetitions: int = 32
    random_vectors: int = 64
    seed: int = 2026

    def __post_init__(self) -> None:
        for name in ("gain_repetitions", "inl_repetitions", "noise_repetitions",
                     "offset_repetitions", "drift_repetitions", "random_vectors"):
            check_int(getattr(self, name), f"MeasureSettings.{name}", 2, 4096)
        check_seed(self.seed, "MeasureSettings.seed")

    @property
    def num_vmms(self) -> int:
        return (len(GAIN_LEVELS) * self.gain_repetitions + 32 * self.inl_repetitions
                + self.noise_repetitions + self.offset_repetitions + 2 * self.drift_repetitions
                + 8 + self.random_vectors)


def _run(device: VmmDevice, x: np.ndarray, w: np.ndarray, timing: Timing,
         capmem: CapMemConfig | None, dac: object, off: object) -> Any:
    return run_with_capmem(device, x, w, timing, dac, off, capmem)


def measure_point(device: VmmDevice, capmem: CapMemConfig | None = None,
                  settings: MeasureSettings | None = None, timing: Timing | None = None,
                  dac_offsets: object = None, column_offsets: object = None) -> dict[str, float]:
    """Every quantity of ``QUANTITIES`` at the CapMem setting ``capmem`` (None: the device's
    own). Runs ``settings.num_vmms`` VMMs; raises what the device raises."""
    s = settings if settings is not None else MeasureSettings()
    t = timing if timing is not None else Timing()
    sends = t.num_sends
    out: dict[str, float] = {}

    def run(x: np.ndarray, w: np.ndarray, tt: Timing = t) -> Any:
        return _run(device, x, w, tt, capmem, dac_offsets, column_offsets)

    # gain and saturation: the characterization matrix
    x0, w = char_stimulus(GAIN_LEVELS)
    xg = np.tile(x0, (s.gain_repetitions, 1))
    y = run(xg, w).y.astype(np.float64).reshape(s.gain_repetitions, len(GAIN_LEVELS), TILE_COLS)
    mean = y.mean(axis=0)[:, :127]  # [levels, 127]
    u = (TILE_ROWS * sends * np.asarray(GAIN_LEVELS, dtype=np.float64)[:, None]
         * np.arange(-63, 64, dtype=np.float64)[None, :])
    fit = np.abs(GAIN_NOMINAL * u) <= FIT_LIMIT
    slopes = np.full(127, np.nan)
    for j in range(127):
        m = fit[:, j]
        if j != 63 and np.ptp(u[m, j]) > 0:
            slopes[j] = np.polyfit(u[m, j], mean[m, j], 1)[0]
    good = np.isfinite(slopes)
    gain = float(np.median(slopes[good]))
    out["gain"] = gain
    out["gain_spread"] = float(np.std(slopes[good]) / abs(gain)) if gain else float("nan")
    pred = gain * u
    big = np.abs(pred) > 8.0
    ratio = np.where(big, mean / np.where(big, pred, 1.0), np.nan)
    bins = np.arange(8.0, 520.0, 8.0)
    sat = float("nan")
    mag = np.abs(pred)
    for lo in bins:
        sel = (mag >= lo) & (mag < lo + 8.0) & big
        if sel.sum() >= 3 and np.median(ratio[sel]) < 1.0 - SAT_SHORTFALL:
            sat = float(lo)
            break
    out["saturation_lsb"] = sat if np.isfinite(sat) else float(mag.max())
    # INL: all weights 8, inputs 0..31
    wi = np.full((TILE_ROWS, TILE_COLS), 8, dtype=np.int64)
    xi = np.repeat(np.arange(32, dtype=np.int64)[:, None], TILE_ROWS, axis=1)
    yi = run(np.tile(xi, (s.inl_repetitions, 1)), wi).y.astype(np.float64)
    resp = yi.reshape(s.inl_repetitions, 32, TILE_COLS).mean(axis=(0, 2))
    lv = np.arange(32, dtype=np.float64)
    a, b = np.polyfit(lv, resp, 1)
    out["inl_lsb"] = float(np.max(np.abs(resp - (a * lv + b))))
    # noise: input 16 repeated on the weights-8 matrix
    yn = run(np.full((s.noise_repetitions, TILE_ROWS), 16, dtype=np.int64), wi).y
    out["noise_lsb"] = float(np.median(yn.astype(np.float64).std(axis=0, ddof=1)))
    # offsets and drift: zero input at two settle times
    z = np.zeros((TILE_ROWS, TILE_COLS), dtype=np.int64)
    b0 = run(np.zeros((s.offset_repetitions, TILE_ROWS), dtype=np.int64), z)
    off0 = b0.y.astype(np.float64).mean(axis=0)
    out["offset_spread_lsb"] = float(off0.std())
    out["baseline_code"] = float(b0.baseline.mean())
    t_long = Timing(**{**t.to_dict(), "settle_cycles": min(65535, t.settle_cycles
                                                           + DRIFT_EXTRA_CYCLES)})
    extra_us = (t_long.settle_cycles - t.settle_cycles) * 8e-3
    d0 = run(np.zeros((s.drift_repetitions, TILE_ROWS), dtype=np.int64), z).y.mean(axis=0)
    d1 = run(np.zeros((s.drift_repetitions, TILE_ROWS), dtype=np.int64), z, t_long).y.mean(
        axis=0)
    out["drift_lsb_per_us"] = float((d1 - d0).std() / extra_us) if extra_us else float("nan")
    # full scale
    fs = run(np.full((8, TILE_ROWS), 31, dtype=np.int64),
             np.full((TILE_ROWS, TILE_COLS), 63, dtype=np.int64))
    out["fullscale_code"] = float(fs.result.mean())
    out["range_codes"] = out["fullscale_code"] - out["baseline_code"]
    # random matrices (weights small enough to stay mostly linear)
    rng = np.random.default_rng(s.seed)
    xr = rng.integers(0, 32, (s.random_vectors, TILE_ROWS))
    wr = rng.integers(-20, 21, (TILE_ROWS, TILE_COLS))
    yr = run(xr, wr).y.astype(np.float64)
    ideal = ideal_vmm(xr, wr, 1.0, sends).astype(np.float64)  # x*w*sends summed
    lin = np.abs(gain * ideal) <= 60.0
    err = yr - gain * ideal - off0[None, :]
    out["random_error_lsb"] = float(np.sqrt(np.mean(err[lin] ** 2))) if lin.any() else \
        float("nan")
    return out


# ---- parameter specs ----------------------------------------------------------------------------
_SPEC = re.compile(r"^([a-z_]+)=(-?\d+):(-?\d+):(\d+)$")


@dataclass(frozen=True)
class SweepSpec:
    """``PARAM=start:stop:steps``: ``steps`` integer settings from ``start`` to ``stop``
    (inclusive, rounded) of one CapMem cell (every quadrant/column alike)."""

    param: str
    start: int
    stop: int
    steps: int

    @classmethod
    def parse(cls, text: str) -> SweepSpec:
        m = _SPEC.match(text.strip())
        if m is None:
            raise ValueError(f"sweep: bad parameter spec {text!r}: expected "
                             f"PARAM=start:stop:steps with integers, PARAM one of "
                             f"{', '.join(sorted(DEFAULTS))}")
        name, a, b, n = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        if name not in DEFAULTS:
            raise ValueError(f"sweep: unknown parameter {name!r} in {text!r}; known: "
                             f"{', '.join(sorted(DEFAULTS))}")
        for v in (a, b):
            if not 0 <= v <= CAPMEM_MAX:
                raise ValueError(f"sweep: {name} values must lie in 0..{CAPMEM_MAX}, got {v} "
                                 f"in {text!r}")
        if not 2 <= n <= 64:
            raise ValueError(f"sweep: steps must be 2..64, got {n} in {text!r}")
        if a == b:
            raise ValueError(f"sweep: start and stop must differ, got {a}:{b} in {text!r}")
        if n > abs(b - a) + 1:
            raise ValueError(f"sweep: {n} steps need at least {n} distinct integer settings, "
                             f"{a}:{b} has {abs(b - a) + 1} in {text!r} (use steps <= "
                             f"{abs(b - a) + 1})")
        return cls(name, a, b, n)

    @classmethod
    def parse_all(cls, texts: Sequence[str]) -> list[SweepSpec]:
        """``parse`` each spec; ``ValueError`` (naming both specs) when a parameter is given
        more than once (its points would collide)."""
        specs: list[SweepSpec] = []
        seen: dict[str, str] = {}
        for text in texts:
            sp = cls.parse(text)
            if sp.param in seen:
                raise ValueError(f"sweep: parameter {sp.param!r} given more than once "
                                 f"({seen[sp.param]!r} and {text!r})")
            seen[sp.param] = text
            specs.append(sp)
        return specs

    @property
    def values(self) -> list[int]:
        return sorted({int(round(v)) for v in np.linspace(self.start, self.stop, self.steps)})


#: Key of the base point in ``sweep_jobs`` / ``collect``.
BASE_KEY = "base"


@dataclass(frozen=True)
class PointJob:
    """One point of a sweep, self-contained (it is pickled to a Dask worker): measure
    ``capmem`` on device ``device`` (``model`` or ``golden``; ``simulator`` for devices that
    have one) of a fresh ``ChipInstance(params, fixed_seed, noise_seed)``, with the DAC and
    column offsets of a calibration (None: zeros)."""

    key: str
    capmem: CapMemConfig
    device: str
    params: ChipParams
    fixed_seed: int
    noise_seed: int
    settings: MeasureSettings
    timing: Timing
    simulator: str = "verilator"
    dac_offsets: Any = None
    column_offsets: Any = None


def sweep_jobs(specs: Sequence[SweepSpec], base: CapMemConfig | None, device: str,
               params: ChipParams, fixed_seed: int, noise_seed: int,
               settings: MeasureSettings | None = None, timing: Timing | None = None,
               simulator: str = "verilator", dac_offsets: object = None,
               column_offsets: object = None) -> list[PointJob]:
    """The points of a sweep in order: the base point (key ``base``; ``base`` None: the CapMem
    defaults), then each spec's settings (key ``PARAM=value``), each cell swept alone from the
    base. ``ValueError`` when a parameter is given twice (its points would collide)."""
    b = base if base is not None else CapMemConfig.default()
    names = [sp.param for sp in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"sweep: parameter {dup[0]!r} given more than once")
    s = settings if settings is not None else MeasureSettings()
    t = timing if timing is not None else Timing()

    def job(key: str, capmem: CapMemConfig) -> PointJob:
        return PointJob(key, capmem, device, params, fixed_seed, noise_seed, s, t, simulator,
                        dac_offsets, column_offsets)

    out = [job(BASE_KEY, b)]
    for sp in specs:
        out += [job(f"{sp.param}={v}", b.with_(**{sp.param: v})) for v in sp.values]
    return out


def measure_job(job: PointJob,
                wrap: Callable[[VmmDevice], VmmDevice] | None = None) -> dict[str, float]:
    """``measure_point`` of one point on its own fresh chip instance and device (closed at the
    end); ``wrap`` wraps the device (e.g. a progress bar's ``ProgressDevice``). Raises what the
    device raises (``DeviceUnavailable``: a device that takes no CapMem cells)."""
    chip = ChipInstance(job.params, job.fixed_seed, job.noise_seed)
    device = open_device(job.device, chip, job.simulator)
    try:
        return measure_point(wrap(device) if wrap is not None else device, job.capmem,
                             job.settings, job.timing, job.dac_offsets, job.column_offsets)
    finally:
        close_device(device)


def collect(specs: Sequence[SweepSpec], base: CapMemConfig | None,
            results: Sequence[dict[str, float]]) -> dict[str, Any]:
    """The sweep's data from ``measure_job``'s results in ``sweep_jobs``' order:
    ``{"base": {quantity: value}, "sweeps": {param: {"values": [...], "base_value": v,
    quantity: [...]}}}``. ``ValueError`` when the count does not match the points."""
    b = base if base is not None else CapMemConfig.default()
    total = 1 + sum(len(sp.values) for sp in specs)
    if len(results) != total:
        raise ValueError(f"sweep: {len(results)} results for {total} points")
    res: dict[str, Any] = {"base": dict(results[0]), "sweeps": {}}
    i = 1
    for sp in specs:
        rows: dict[str, list[float]] = {q: [] for q in QUANTITIES}
        for _v in sp.values:
            for q in QUANTITIES:
                rows[q].append(results[i][q])
            i += 1
        res["sweeps"][sp.param] = {"values": sp.values,
                                   "base_value": int(b.per_column(sp.param)[0]), **rows}
    return res


def plot_sweep(data: dict[str, Any], out_dir: Any, force: bool = False,
               target: Any = None) -> list[Any]:
    """PNGs: each quantity vs each swept parameter (one file per quantity), and the trade-off
    plot (signal range vs noise vs non-linearity, the base point marked). Returns the paths.
    ``target`` (e.g. the ``temp`` of ``hxsim.outputs.Outputs.commit``) maps each output path to
    the file actually written, so that a caller can make all outputs one atomic commit; None:
    each PNG is written through its own temporary file and renamed into place."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hxsim.outputs import atomic_path

    out = Path(out_dir)
    paths = []
    sweeps = data["sweeps"]

    def _save(fig: Any, p: Path) -> None:
        if target is not None:
            fig.savefig(target(p), format="png")
            return
        if p.exists() and not force:
            raise FileExistsError(f"{p}: exists (use --force)")
        with atomic_path(p) as tmp:
            fig.savefig(tmp, format="png")

    for q, unit in QUANTITIES.items():
        fig, axes = plt.subplots(1, max(1, len(sweeps)), figsize=(4.0 * max(1, len(sweeps)), 3.2),
                                 dpi=100, squeeze=False)
        for ax, (param, d) in zip(axes[0], sweeps.items(), strict=False):
            ax.plot(d["values"], d[q], "o-", ms=3)
            ax.axvline(d["base_value"], color="r", lw=0.8, ls="--", label="calibrated point")
            ax.axhline(data["base"][q], color="r", lw=0.5, alpha=0.5)
            ax.set_xlabel(f"{param} [CapMem LSB]")
            ax.set_ylabel(q)
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.suptitle(f"{q} [{unit}]", fontsize=9)
        fig.tight_layout()
        p = out / f"sweep_{q}.png"
        _save(fig, p)
        plt.close(fig)
        paths.append(p)
    fig, ax = plt.subplots(figsize=(7.0, 5.0), dpi=100)
    for param, d in sweeps.items():
        sat = np.asarray(d["saturation_lsb"], dtype=float)
        noise = np.asarray(d["noise_lsb"], dtype=float)
        inl = np.asarray(d["inl_lsb"], dtype=float)
        sc = ax.scatter(sat / np.maximum(noise, 1e-9), inl, s=14 + 4 * np.arange(len(sat)),
                        label=param)
        ax.plot(sat / np.maximum(noise, 1e-9), inl, "-", lw=0.6, color=sc.get_facecolor()[0])
    b = data["base"]
    ax.plot(b["saturation_lsb"] / b["noise_lsb"], b["inl_lsb"], "r*", ms=14,
            label="calibrated point")
    ax.set_xlabel("signal range / noise (saturation point / noise std)")
    ax.set_ylabel("integral non-linearity [LSB]")
    ax.set_title("Trade-off: range vs noise vs non-linearity (marker size: setting)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    p = out / "sweep_tradeoff.png"
    _save(fig, p)
    plt.close(fig)
    paths.append(p)
    return paths


def as_array(values: Sequence[float]) -> F64:
    return np.asarray(values, dtype=np.float64)


__all__ = ["BASE_KEY", "GAIN_LEVELS", "MeasureSettings", "PointJob", "QUANTITIES", "SweepSpec",
           "collect", "measure_job", "measure_point", "plot_sweep", "sweep_jobs"]
