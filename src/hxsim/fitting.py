"""Fit a linear chip model to measured VMMs: global gain, noise, per-column gain and offset.

hxtorch's ``measure_mock_parameter`` estimates the gain and the noise only; this also fits every
column. The model per column ``j`` is::

    y_nj = offset_j + gain_j * s_nj + noise,    s_nj = num_sends * sum_i x_ni * w_ij

(``s`` is the ideal pre-gain sum, in units of x*w). Each column is fitted by least squares over
the measurement points whose mean output (over repetitions) lies inside the linear range
``|mean y| <= linear_limit`` (default 70 LSB: SPEC.md section 4 gives a linear range of about
+-80 LSB with soft saturation beyond, and the CADC's reliable range 30..210 around a baseline of
120 +- a few LSB leaves about +-85; 70 keeps a margin). Points outside are excluded, as are
columns with fewer than two distinct sums in range (their gain is NaN; their offset is the mean
when at least one point is in range).

Noise: with repetitions, the pooled standard deviation over repetitions of every in-range point
(``ddof=1``); without, the pooled residual standard deviation of the column fits. Either is the
noise of ``y`` as read, i.e. including the ADC's quantization: for Gaussian noise ``sigma`` on two
floored conversions it is about ``sqrt(sigma**2 + 1/6)``.

Uncertainties are one standard error: per-column from ordinary least squares with the pooled
noise; the global gain (the mean of the column gains) from the spread of the column gains over
``sqrt(columns)``; the noise from ``sigma / sqrt(2 * dof)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hxsim.checks import check_int, int_array
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.timing import TIMING_RANGES
from hxsim.types import B8, F64

#: Default linear limit of the fit in LSB (see the module docstring).
LINEAR_LIMIT = 70.0


@dataclass(frozen=True)
class FitResult:
    """Result of ``fit_vmm_data``. Per-column arrays have shape ``[256]``.

    Attributes:
        gain, gain_err: mean of the column gains (LSB per unit x*w per send), with its
            standard error.
        noise_std, noise_std_err: noise of y in LSB (quantization included), standard error.
        noise_method: ``"repetitions"`` or ``"residuals"``.
        column_gain, column_gain_err: gain per column (NaN where not fitted).
        column_offset, column_offset_err: offset per column in LSB (NaN where no point in range).
        column_gain_spread: std of ``column_gain / gain - 1`` over fitted columns, with the fit
            errors' contribution subtracted in quadrature (the chip's relative column mismatch).
        column_offset_spread: std of the offsets in LSB, fit errors subtracted likewise.
        points_used, points_excluded: (point, column) pairs inside / outside the linear range.
        columns_fitted: columns with a gain.
        linear_limit, num_sends, repetitions: the fit's settings and the data's repetitions.
    """

    gain: float
    gain_err: float
    noise_std: float
    noise_std_err: float
    noise_method: str
    column_gain: F64
    column_gain_err: F64
    column_offset: F64
    column_offset_err: F64
    column_gain_spread: float
    column_offset_spread: float
    points_used: int
    points_excluded: int
    columns_fitted: int
    linear_limit: float
    num_sends: int
    repetitions: int

    @property
    def fitted(self) -> B8:
        return np.isfinite(self.column_gain)

    def summary(self) -> str:
        return "\n".join([
            "Fit of the linear chip model y = offset_j + gain_j * num_sends * sum_i x_i w_ij",
            f"  gain            {self.gain:.6g} +- {self.gain_err:.2g} LSB per unit x*w per send",
            f"  noise std       {self.noise_std:.4g} +- {self.noise_std_err:.2g} LSB "
            f"({self.noise_method}, quantization included)",
            f"  column gain     spread {100 * self.column_gain_spread:.3g} % "
            f"({self.columns_fitted} columns fitted)",
            f"  column offset   mean {np.nanmean(self.column_offset):.3g} LSB, spread "
            f"{self.column_offset_spread:.3g} LSB",
            f"  points          {self.points_used} used, {self.points_excluded} outside "
            f"|y| <= {self.linear_limit:g} LSB",
        ])

    def to_dict(self) -> dict[str, Any]:
        def arr(a: F64) -> list[float | None]:
            return [None if not math.isfinite(v) else float(v) for v in a.tolist()]

        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            out[k] = arr(v) if isinstance(v, np.ndarray) else v
        return out


def ideal_sums(inputs: object, weights: object, weight_index: object = None,
               num_sends: int = 1) -> F64:
    """``num_sends * x_n @ w_{m(n)}`` for every measurement ``n``: ``[N, 256]`` float64."""
    x = int_array(inputs, "inputs", 0, X_MAX, ndim=2)
    if x.shape[1] != TILE_ROWS:
        raise ValueError(f"inputs: expected {TILE_ROWS} values per vector, got shape {x.shape}")
    w = int_array(weights, "weights", -W_MAX, W_MAX, ndim=(2, 3))
    if w.ndim == 2:
        w = w[None]
    if w.shape[1:] != (TILE_ROWS, TILE_COLS):
        raise ValueError(f"weights: expected shape [M,]{TILE_ROWS}x{TILE_COLS}, got {w.shape}")
    n = check_int(num_sends, "num_sends", *TIMING_RANGES["num_sends"])
    if weight_index is None:
        if w.shape[0] != 1:
            raise ValueError("weight_index: required when more than one weight matrix is given")
        idx = np.zeros(x.shape[0], dtype=np.int64)
    else:
        idx = int_array(weight_index, "weight_index", 0, w.shape[0] - 1, shape=(x.shape[0],))
    s = np.empty((x.shape[0], TILE_COLS), dtype=np.float64)
    for m in np.unique(idx):
        sel = idx == m
        s[sel] = (x[sel] @ w[m]).astype(np.float64)
    return s * n


def fit_vmm_data(inputs: object, weights: object, outputs: object, *,
                 weight_index: object = None, num_sends: int = 1,
                 linear_limit: float = LINEAR_LIMIT) -> FitResult:
    """Fit gain, noise and per-column gain and offset (see the module docstring).

    Args:
        inputs: ``[N, 128]`` input vectors (0..31).
        weights: ``[128, 256]`` or ``[M, 128, 256]`` signed weights (-63..63).
        outputs: ``[N, 256]`` or ``[N, R, 256]`` int8 results (R repetitions).
        weight_index: ``[N]`` which weight matrix each vector used (needed when M > 1).
        num_sends: sends per VMM of the measurement.
        linear_limit: points with ``|mean y| > linear_limit`` (LSB) are excluded.
    """
    lim = float(linear_limit) if isinstance(linear_limit, int | float) else float("nan")
    if isinstance(linear_limit, bool) or not 0.0 < lim <= 128.0:
        raise ValueError(f"linear_limit: expected a number in (0, 128] LSB, got {linear_limit!r}")
    s = ideal_sums(inputs, weights, weight_index, num_sends)
    y = int_array(outputs, "outputs", INT8_MIN, INT8_MAX, ndim=(2, 3)).astype(np.float64)
    if y.ndim == 2:
        y = y[:, None, :]
    if y.shape[0] != s.shape[0] or y.shape[2] != TILE_COLS:
        raise ValueError(f"outputs: expected shape {s.shape[0]}x[R]x{TILE_COLS} to match inputs, "
                         f"got {np.asarray(outputs).shape}")
    reps = y.shape[1]
    if reps < 1:
        raise ValueError("outputs: no repetitions")
    ybar = y.mean(axis=1)
    use = np.abs(ybar) <= lim
    nu = use.sum(axis=0).astype(np.float64)
    su = np.where(use, s, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        smean = su.sum(axis=0) / nu
        ymean = np.where(use, ybar, 0.0).sum(axis=0) / nu
        ds = np.where(use, s - smean, 0.0)
        sxx = (ds * ds).sum(axis=0)
        sxy = (ds * np.where(use, ybar - ymean, 0.0)).sum(axis=0)
        has_gain = (nu >= 2) & (sxx > 0)
        gain_j = np.where(has_gain, sxy / np.where(has_gain, sxx, 1.0), np.nan)
        off_j = np.where(has_gain, ymean - gain_j * smean, np.where(nu >= 1, ymean, np.nan))

    resid = np.where(use & has_gain, ybar - (off_j + np.where(has_gain, gain_j, 0.0) * s), 0.0)
    if reps >= 2:
        var = y.var(axis=1, ddof=1)
        dof = int(use.sum()) * (reps - 1)
        if dof < 1:
            raise ValueError("outputs: no measurement point inside the linear range")
        sigma = math.sqrt(float(np.where(use, var, 0.0).sum()) / int(use.sum()))
        method = "repetitions"
    else:
        dof = int((nu[has_gain] - 2).sum())
        if dof < 1:
            raise ValueError("outputs: without repetitions the noise needs more than two points "
                             "in the linear range per fitted column")
        sigma = math.sqrt(float((resid ** 2).sum()) / dof)
        method = "residuals"
    sigma_err = sigma / math.sqrt(2.0 * dof)
    var_mean = sigma * sigma / reps
    with np.errstate(invalid="ignore", divide="ignore"):
        gain_err = np.where(has_gain, np.sqrt(var_mean / sxx), np.nan)
        off_err = np.where(has_gain, np.sqrt(var_mean * (1.0 / nu + smean ** 2 / sxx)),
                           np.where(nu >= 1, np.sqrt(var_mean / nu), np.nan))
    n_fit = int(has_gain.sum())
    if n_fit == 0:
        raise ValueError("inputs: no column has two distinct ideal sums inside the linear range; "
                         "the gain cannot be fitted")
    g = gain_j[has_gain]
    gain = float(g.mean())
    g_err = float(g.std(ddof=1) / math.sqrt(n_fit)) if n_fit > 1 else float(gain_err[has_gain][0])
    if n_fit > 1:
        rel = g / gain - 1.0
        gspread = math.sqrt(max(float(rel.var(ddof=1) - np.mean((gain_err[has_gain] / gain) ** 2)),
                                0.0))
    else:
        gspread = float("nan")
    has_off = np.isfinite(off_j)
    if has_off.sum() > 1:
        ospread = math.sqrt(max(float(off_j[has_off].var(ddof=1)
                                      - np.mean(off_err[has_off] ** 2)), 0.0))
    else:
        ospread = float("nan")
    return FitResult(
        gain=gain, gain_err=g_err, noise_std=sigma, noise_std_err=sigma_err,
        noise_method=method, column_gain=gain_j, column_gain_err=gain_err,
        column_offset=off_j, column_offset_err=off_err, column_gain_spread=gspread,
        column_offset_spread=ospread, points_used=int(use.sum()),
        points_excluded=int((~use).sum()), columns_fitted=n_fit, linear_limit=lim,
        num_sends=int(num_sends), repetitions=reps)
