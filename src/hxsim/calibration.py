"""Calibration of one hemisphere as calix does it, through the chip's public interface only.

Two steps, measured with VMMs alone (inputs, weights, DAC-offset and digital-offset registers in;
CADC codes and int8 results out); nothing here reads the model's hidden fixed pattern:

1. **Synapse-driver DAC offsets** (calix ``HagenDACOffsetCalib``). A driver's pulse is
   ``(x + o_i) * (1 + d_i)`` for input ``x``: ``o_i`` is an offset in input units that the 6-bit
   DAC-offset register shifts by a step per LSB around the reset value 32. Each driver is measured
   alone (only input ``i`` non-zero, weight 63 in its row and every column, so all 256 columns are
   parallel measurements whose mean is taken) at a small and a large test activation (calix: 2 and
   29), with repetitions and a zero-input reference subtracted. With ``R(x) = k (x + o)`` the
   intercept is ``o = (x_hi R_lo - x_lo R_hi) / (R_hi - R_lo)``, independent of the driver's and the
   columns' gains. The intercept is measured at two probe settings (48 and 63, where the pulse of
   input 2 stays positive even for drivers with a negative offset), the DAC step per LSB is their
   median slope, each driver's register is set to null its intercept (target: intercept 0, i.e. all
   drivers equal and proportional to ``x``), then one refinement measurement corrects the rounding.
   The DAC offset trims only the intercept: the drivers' gain mismatch remains (calix too).
2. **Per-column digital offsets**: the mean result at zero input (no events) over many
   repetitions is each column's systematic offset; the digital offset register (int8) is set to
   its negative, rounded. Because the register is an integer, the residual spread across columns
   after calibration is bounded below by the rounding, ``1/sqrt(12) = 0.29 LSB`` std for offsets
   spread over many LSB, plus the noise of the mean (``sigma / sqrt(repetitions)``); the measured
   spread after calibration also contains the noise of the verification measurement.

``calibrate(device)`` takes an ``hxsim.device.VmmDevice``: the model's fast path
(``ModelDevice``), the register-level model of hx_top, the RTL co-simulation or a chip; it uses
only ``run_vmms`` and the int8 results.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.capmem import CAPMEM_MAX, N_QUADRANTS, CapMemConfig
from hxsim.checks import read_json
from hxsim.device import DeviceWrapper, VmmBatch, VmmDevice, run_with_capmem
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.outputs import atomic_path
from hxsim.timing import TIMING_RANGES, Timing
from hxsim.types import F64, I64

DAC_NOMINAL = 32
DAC_MAX = 63

#: Zero-input reference VMMs per repetition of a driver measurement.
REFERENCE_VECTORS = 16


@dataclass(frozen=True)
class CalibrationSettings:
    """Knobs of the calibration measurements.

    Attributes:
        low_input, high_input: test activations of the driver measurement (calix: 2 and 29).
        num_sends: sends per driver VMM; 12 puts input 29 x weight 63 on one driver at about
            44 LSB at the nominal gain 0.002, inside the linear range (+-80) with room for
            mismatch and baseline spread.
        weight: weight of the driver measurement (63 in every column of the measured row).
        driver_repetitions: repetitions of each driver measurement (noise of the intercept
            ~0.09 / sqrt(repetitions) input units at 2 LSB noise).
        offset_repetitions: repetitions of the zero-input measurement of the column offsets.
        probe_dacs: the two DAC-offset settings at which the intercept is measured to find the
            DAC step per LSB.
        refine: apply one refinement step after the first setting.
        event_wait: event spacing of the calibration VMMs (cycles).
    """

    low_input: int = 2
    high_input: int = 29
    num_sends: int = 12
    weight: int = 63
    driver_repetitions: int = 8
    offset_repetitions: int = 64
    probe_dacs: tuple[int, int] = (48, 63)
    refine: bool = True
    event_wait: int = 5

    @property
    def num_vmms(self) -> int:
        """VMMs ``calibrate`` runs with these settings: 4 driver measurements (5 with the
        refinement) of ``REFERENCE_VECTORS`` zero-input references plus 2 x 128 single-driver
        VMMs per repetition, and 2 column-offset measurements (``CalibrationResult.num_vmms``
        counts what a run used)."""
        per_driver = (REFERENCE_VECTORS + 2 * TILE_ROWS) * self.driver_repetitions
        return (5 if self.refine else 4) * per_driver + 2 * self.offset_repetitions

    def __post_init__(self) -> None:
        def chk(name: str, lo: int, hi: int) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
                raise ValueError(f"CalibrationSettings.{name}: expected an integer in {lo}..{hi}, "
                                 f"got {v!r}")

        chk("low_input", 1, X_MAX)
        chk("high_input", 1, X_MAX)
        chk("num_sends", *TIMING_RANGES["num_sends"])
        chk("weight", 1, W_MAX)
        chk("driver_repetitions", 1, 1024)
        chk("offset_repetitions", 1, 4096)
        chk("event_wait", *TIMING_RANGES["event_wait"])
        if self.high_input - self.low_input < 4:
            raise ValueError("CalibrationSettings.high_input: must exceed low_input by at least 4 "
                             f"(got {self.low_input} and {self.high_input})")
        p = self.probe_dacs
        if (not isinstance(p, tuple | list) or len(p) != 2
                or any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in p)
                or not 0 <= p[0] < p[1] <= DAC_MAX or p[1] - p[0] < 4):
            raise ValueError("CalibrationSettings.probe_dacs: expected two integers 0..63, "
                             f"ascending, at least 4 apart, got {p!r}")
        if not isinstance(self.refine, bool):
            raise ValueError(f"CalibrationSettings.refine: expected true or false, "
                             f"got {self.refine!r}")

    @property
    def timing(self) -> Timing:
        return Timing(num_sends=self.num_sends, event_wait=self.event_wait)


@dataclass(frozen=True)
class DriverMeasurement:
    """Responses of every driver measured alone (mean over columns and repetitions, zero-input
    reference subtracted), in LSB, and the intercept in input units (NaN: no usable response)."""

    dac_offsets: I64
    response_low: F64
    response_high: F64
    intercept_x: F64


def _check_device(device: object) -> None:
    if not callable(getattr(device, "run_vmms", None)):
        raise ValueError(f"device: expected an hxsim.device.VmmDevice (run_vmms), got "
                         f"{type(device).__name__}")


def measure_drivers(device: VmmDevice, dac_offsets: object,
                    settings: CalibrationSettings | None = None,
                    capmem: CapMemConfig | None = None) -> DriverMeasurement:
    """Measure each driver alone at the two test activations (public interface only)."""
    _check_device(device)
    s = settings if settings is not None else CalibrationSettings()
    dac = _dac_array(dac_offsets)
    reps = s.driver_repetitions
    n_ref = REFERENCE_VECTORS * reps
    idx = np.arange(TILE_ROWS)
    one = np.zeros((2 * TILE_ROWS, TILE_ROWS), dtype=np.int64)
    one[idx, idx] = s.low_input
    one[TILE_ROWS + idx, idx] = s.high_input
    x = np.concatenate([np.zeros((n_ref, TILE_ROWS), dtype=np.int64), np.tile(one, (reps, 1))])
    w = np.full((TILE_ROWS, TILE_COLS), s.weight, dtype=np.int64)
    y = run_with_capmem(device, x, w, s.timing, dac, None, capmem).y.astype(np.float64)
    per_vec = y.mean(axis=1)
    ref = per_vec[:n_ref].mean()
    resp = (per_vec[n_ref:].reshape(reps, 2, TILE_ROWS) - ref).mean(axis=0)
    lo, hi = resp[0], resp[1]
    diff = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        icpt = (s.high_input * lo - s.low_input * hi) / diff
    # A driver whose small-input pulse is clipped to zero (or that does not respond) has no
    # usable intercept.
    icpt = np.where((diff > 0.5) & (lo > 0.05 * diff), icpt, np.nan)
    return DriverMeasurement(dac, lo, hi, icpt)


def measure_column_offsets(device: VmmDevice, repetitions: int,
                           column_offsets: object = None,
                           timing: Timing | None = None,
                           capmem: CapMemConfig | None = None) -> F64:
    """Mean result per column at zero input (no events) over ``repetitions`` VMMs, in LSB."""
    _check_device(device)
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1:
        raise ValueError(f"repetitions: expected a positive integer, got {repetitions!r}")
    x = np.zeros((repetitions, TILE_ROWS), dtype=np.int64)
    w = np.zeros((TILE_ROWS, TILE_COLS), dtype=np.int64)
    y = run_with_capmem(device, x, w, timing, None, column_offsets, capmem).y.astype(np.float64)
    return np.asarray(y.mean(axis=0), dtype=np.float64)


def _dac_array(dac_offsets: object) -> I64:
    a = np.asarray(dac_offsets)
    if a.shape != (TILE_ROWS,) or a.dtype.kind not in "iu":
        raise ValueError(f"dac_offsets: expected {TILE_ROWS} integers 0..63, got shape {a.shape} "
                         f"dtype {a.dtype}")
    if a.min() < 0 or a.max() > DAC_MAX:
        raise ValueError("dac_offsets: values must be in 0..63")
    return a.astype(np.int64)


def _nanstd(a: F64) -> float:
    v = a[np.isfinite(a)]
    return float(v.std(ddof=1)) if v.size > 1 else float("nan")


@dataclass
class CalibrationResult:
    """Result of ``calibrate``: the register values and the spreads before and after.

    Arrays: ``dac_offsets[128]`` (0..63), ``column_offsets[256]`` (int8); per driver the response
    at the low and high test input (LSB) and the intercept (input units) before (all DAC offsets
    32) and after; per column the mean zero-input result (LSB) before (digital offsets 0) and
    after. ``dac_step_x``: fitted DAC step in input units per LSB.
    """

    dac_offsets: I64
    column_offsets: I64
    dac_step_x: float
    driver_low_before: F64
    driver_high_before: F64
    driver_intercept_before: F64
    driver_low_after: F64
    driver_high_after: F64
    driver_intercept_after: F64
    column_offset_before: F64
    column_offset_after: F64
    settings: CalibrationSettings = field(default_factory=CalibrationSettings)
    num_vmms: int = 0
    drivers_unusable: int = 0
    #: The CapMem cells the calibration ran at (``calibrate_capmem``; None: the defaults).
    capmem: CapMemConfig | None = None
    #: The target calibration's report (``CapMemCalibration.report``), or None.
    capmem_report: dict[str, Any] | None = None

    # spreads (std across drivers / columns)
    @property
    def driver_spread_low_before(self) -> float:
        return _nanstd(self.driver_low_before)

    @property
    def driver_spread_low_after(self) -> float:
        return _nanstd(self.driver_low_after)

    @property
    def driver_spread_high_before(self) -> float:
        return _nanstd(self.driver_high_before)

    @property
    def driver_spread_high_after(self) -> float:
        return _nanstd(self.driver_high_after)

    @property
    def intercept_spread_before(self) -> float:
        return _nanstd(self.driver_intercept_before)

    @property
    def intercept_spread_after(self) -> float:
        return _nanstd(self.driver_intercept_after)

    @property
    def column_spread_before(self) -> float:
        return _nanstd(self.column_offset_before)

    @property
    def column_spread_after(self) -> float:
        return _nanstd(self.column_offset_after)

    def summary(self) -> str:
        s = self.settings
        lines = [
            "Calibration (calix-style, public interface only)",
            f"  VMMs used: {self.num_vmms}; DAC step fitted: {self.dac_step_x:.4f} input units/LSB"
            f"; drivers without usable intercept: {self.drivers_unusable}",
            "                                          before     after",
            f"  driver response std at x={s.low_input:<2d} [LSB]       "
            f"{self.driver_spread_low_before:8.3f}  {self.driver_spread_low_after:8.3f}",
            f"  driver response std at x={s.high_input:<2d} [LSB]       "
            f"{self.driver_spread_high_before:8.3f}  {self.driver_spread_high_after:8.3f}",
            "  driver intercept std [input units]     "
            f"{self.intercept_spread_before:8.3f}  {self.intercept_spread_after:8.3f}",
            "  column zero-input offset std [LSB]     "
            f"{self.column_spread_before:8.3f}  {self.column_spread_after:8.3f}",
            f"  (column offsets are integers: residual >= 0.29 LSB rounding + noise of the mean "
            f"of {s.offset_repetitions} repetitions)",
            f"  DAC offsets: min {int(self.dac_offsets.min())}, max {int(self.dac_offsets.max())}; "
            f"column offsets: min {int(self.column_offsets.min())}, "
            f"max {int(self.column_offsets.max())}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": "hxsim-calibration", "version": 2}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "capmem":
                out[f.name] = None if v is None else v.to_dict()
            elif isinstance(v, np.ndarray):
                out[f.name] = [None if not np.isfinite(e) else e for e in v.tolist()] \
                    if v.dtype.kind == "f" else v.tolist()
            elif isinstance(v, CalibrationSettings):
                out[f.name] = asdict(v)
            else:
                out[f.name] = v
        out["spreads"] = {
            name: getattr(self, name) for name in (
                "driver_spread_low_before", "driver_spread_low_after",
                "driver_spread_high_before", "driver_spread_high_after",
                "intercept_spread_before", "intercept_spread_after",
                "column_spread_before", "column_spread_after")}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalibrationResult:
        if not isinstance(data, dict) or data.get("format") != "hxsim-calibration":
            raise ValueError("format: not an hxsim calibration file (expected "
                             "\"format\": \"hxsim-calibration\")")
        if data.get("version") not in (1, 2):
            raise ValueError(f"version: unsupported calibration file version "
                             f"{data.get('version')!r} (this hxsim reads versions 1 and 2)")
        kw: dict[str, Any] = {}
        shapes = {"dac_offsets": TILE_ROWS, "column_offsets": TILE_COLS}
        for f in fields(cls):
            if f.name not in data:
                if f.name in ("settings", "num_vmms", "drivers_unusable", "capmem",
                              "capmem_report"):
                    continue  # version 1 files have no CapMem part: the defaults
                raise ValueError(f"{f.name}: missing from the calibration file")
            v = data[f.name]
            if f.name == "capmem":
                try:
                    kw[f.name] = None if v is None else CapMemConfig.from_dict(v)
                except ValueError as exc:
                    raise ValueError(f"capmem: {exc}") from exc
            elif f.name == "capmem_report":
                if v is not None and not isinstance(v, dict):
                    raise ValueError("capmem_report: expected an object or null")
                kw[f.name] = v
            elif f.name == "settings":
                if not isinstance(v, dict):
                    raise ValueError("settings: expected an object")
                try:
                    kw[f.name] = CalibrationSettings(**{**v, "probe_dacs": tuple(
                        v.get("probe_dacs", (48, 63)))})
                except TypeError as exc:
                    raise ValueError(f"settings: {exc}") from exc
            elif f.name in ("dac_step_x",):
                try:
                    kw[f.name] = float(v)
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"{f.name}: expected a number, got {v!r}") from exc
            elif f.name in ("num_vmms", "drivers_unusable"):
                # a JSON integer >= 0; no float, string or bool is converted (3.7 is not 3)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError(f"{f.name}: expected a non-negative integer, got {v!r}")
                kw[f.name] = v
            else:
                n = shapes.get(f.name, TILE_ROWS if f.name.startswith("driver") else TILE_COLS)
                if not isinstance(v, list) or len(v) != n:
                    raise ValueError(f"{f.name}: expected a list of {n} values")
                if f.name in shapes:
                    lo, hi = (0, DAC_MAX) if f.name == "dac_offsets" else (INT8_MIN, INT8_MAX)
                    if any(isinstance(e, bool) or not isinstance(e, int) or not lo <= e <= hi
                           for e in v):
                        raise ValueError(f"{f.name}: expected integers {lo}..{hi}")
                    kw[f.name] = np.asarray(v, dtype=np.int64)
                else:
                    try:
                        kw[f.name] = np.asarray([np.nan if e is None else e for e in v],
                                                dtype=np.float64)
                    except (TypeError, ValueError) as exc:
                        raise ValueError(f"{f.name}: expected a list of {n} numbers or "
                                         "null") from exc
        return cls(**kw)

    def save(self, path: str | Path) -> None:
        with atomic_path(path) as tmp:  # temporary file, then renamed
            tmp.write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> CalibrationResult:
        return cls.from_dict(read_json(path, "CalibrationResult"))


class CalibratedDevice(DeviceWrapper):
    """``inner`` running with a calibration's configuration: every ``run_vmms`` argument the
    caller leaves at None (DAC offsets, column offsets, CapMem cells) takes the calibration's
    value; an argument given explicitly wins (a sweep moves one cell from the calibrated point).
    Default CapMem cells are not passed on, so a device without CapMem settings (``regs``,
    ``cosim`` today) runs a calibration whose cells are all default; non-default cells on such a
    device raise ``DeviceUnavailable`` from ``run_with_capmem`` at the first batch (the CLI
    refuses them before it starts: ``hxsim.cli.common.load_calibration``). Name, ``vmms``,
    ``close`` and ``stats`` are the inner device's."""

    def __init__(self, inner: VmmDevice, calibration: CalibrationResult) -> None:
        _check_device(inner)
        if not isinstance(calibration, CalibrationResult):
            raise ValueError(f"calibration: expected a CalibrationResult, got "
                             f"{type(calibration).__name__}")
        self.inner = inner
        self.calibration = calibration
        cm = calibration.capmem
        self.capmem = None if cm is None or cm.is_default else cm

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        c = self.calibration
        return run_with_capmem(
            self.inner, x, w, timing, c.dac_offsets if dac_offsets is None else dac_offsets,
            c.column_offsets if column_offsets is None else column_offsets,
            self.capmem if capmem is None else capmem)


def calibrate(device: VmmDevice, settings: CalibrationSettings | None = None,
              progress: Any = None, capmem: CapMemConfig | None = None) -> CalibrationResult:
    """Calibrate DAC offsets and column offsets of ``device`` (see the module docstring) at the
    CapMem cells ``capmem`` (None: the device's own; e.g. the result of ``calibrate_capmem``).

    ``progress``: optional callable ``progress(done, total)`` called after each measurement.
    """
    _check_device(device)
    s = settings if settings is not None else CalibrationSettings()
    if not isinstance(s, CalibrationSettings):
        raise ValueError(f"settings: expected CalibrationSettings, got {type(s).__name__}")
    steps = 7 if s.refine else 6
    done = 0
    n_vmm = 0
    per_driver = 16 * s.driver_repetitions + 2 * TILE_ROWS * s.driver_repetitions

    def tick(n: int) -> None:
        nonlocal done, n_vmm
        done += 1
        n_vmm += n
        if progress is not None:
            progress(done, steps)

    nominal = np.full(TILE_ROWS, DAC_NOMINAL, dtype=np.int64)
    before = measure_drivers(device, nominal, s, capmem)
    tick(per_driver)
    col_before = measure_column_offsets(device, s.offset_repetitions, None, None, capmem)
    tick(s.offset_repetitions)

    d0, d1 = s.probe_dacs
    m0 = measure_drivers(device, np.full(TILE_ROWS, d0, dtype=np.int64), s, capmem)
    tick(per_driver)
    m1 = measure_drivers(device, np.full(TILE_ROWS, d1, dtype=np.int64), s, capmem)
    tick(per_driver)
    slopes = (m1.intercept_x - m0.intercept_x) / (d1 - d0)
    good = np.isfinite(slopes)
    if not good.any():
        raise ValueError("device: no driver gave a usable response at the probe DAC settings")
    step = float(np.median(slopes[good]))
    # Standard error of the median slope (robust): a step not clearly above it means the DAC
    # offset has no measurable effect.
    mad = float(np.median(np.abs(slopes[good] - step)))
    step_se = 1.2533 * 1.4826 * mad / np.sqrt(good.sum())
    if not step > 5.0 * step_se or not step > 0:
        raise ValueError(f"device: the DAC offset does not shift the drivers' intercepts "
                         f"(fitted step {step:.4g} input units per LSB)")
    # Intercept at the nominal setting, from both probes.
    a = np.nanmean(np.stack([m0.intercept_x - step * (d0 - DAC_NOMINAL),
                             m1.intercept_x - step * (d1 - DAC_NOMINAL)]), axis=0)
    dac = np.where(np.isfinite(a), np.rint(DAC_NOMINAL - a / step), DAC_NOMINAL)
    dac = np.clip(dac, 0, DAC_MAX).astype(np.int64)
    if s.refine:
        mr = measure_drivers(device, dac, s, capmem)
        tick(per_driver)
        corr = np.where(np.isfinite(mr.intercept_x), np.rint(-mr.intercept_x / step), 0)
        dac = np.clip(dac + corr, 0, DAC_MAX).astype(np.int64)
    after = measure_drivers(device, dac, s, capmem)
    tick(per_driver)

    col_off = np.clip(-np.rint(col_before), INT8_MIN, INT8_MAX).astype(np.int64)
    col_after = measure_column_offsets(device, s.offset_repetitions, col_off, None, capmem)
    tick(s.offset_repetitions)

    return CalibrationResult(
        dac_offsets=dac, column_offsets=col_off, dac_step_x=step,
        driver_low_before=before.response_low, driver_high_before=before.response_high,
        driver_intercept_before=before.intercept_x,
        driver_low_after=after.response_low, driver_high_after=after.response_high,
        driver_intercept_after=after.intercept_x,
        column_offset_before=col_before, column_offset_after=col_after,
        settings=s, num_vmms=n_vmm,
        drivers_unusable=int(np.count_nonzero(~np.isfinite(a))), capmem=capmem)


# ---- target calibration of the CapMem cells (calix's method) ------------------------------------
@dataclass(frozen=True)
class CapMemTargets:
    """Targets of ``calibrate_capmem`` and the tolerances its tests hold it to.

    Attributes:
        baseline_code: mean baseline code per quadrant (calix: CADC calibrated so a known
            voltage reads a target code; ours: the reset potential) [codes], tolerance
            ``baseline_tol``.
        range_codes: full-scale result code (inputs 31, weights 63) minus the baseline code per
            quadrant [codes], tolerance ``range_tol`` (relative).
        gain: median column gain per quadrant [LSB per unit x*w per send] (calix
            DACBiasCalibCADC), tolerance ``gain_tol`` (relative).
        equalize_columns: match every column's gain to its quadrant's median with the OTA bias
            (calix: i_synin_gm matched to the median amplitude); after: relative spread
            <= ``column_spread_max``.
        drift_lsb_per_us: largest per-column drift rate; the leak bias of each column is the
            smallest setting meeting it (calix: leak from a target noise); None: leak stays off.
        repetitions: VMMs per measurement point.
    """

    baseline_code: float = 100.0
    range_codes: float = 140.0
    gain: float = 0.002
    equalize_columns: bool = True
    drift_lsb_per_us: float | None = None
    repetitions: int = 16
    baseline_tol: float = 2.0
    range_tol: float = 0.04
    gain_tol: float = 0.04
    column_spread_max: float = 0.035

    @property
    def num_vmms(self) -> int:
        """VMMs ``calibrate_capmem`` runs with these targets: 32 CADC measurements (``repetitions``
        zero-input plus ``max(2, repetitions // 4)`` full-scale VMMs), 13 column-gain
        measurements (23 with ``equalize_columns``) of 2 x ``repetitions`` VMMs, and 12 drift
        measurements of 2 x ``repetitions`` with a drift target."""
        r = self.repetitions
        n = 32 * (r + max(2, r // 4)) + (23 if self.equalize_columns else 13) * 2 * r
        return n + (12 * 2 * r if self.drift_lsb_per_us is not None else 0)

    def __post_init__(self) -> None:
        def num(name: str, lo: float, hi: float, low_open: bool = False) -> float:
            v = getattr(self, name)
            ok = (not isinstance(v, bool) and isinstance(v, int | float) and np.isfinite(v)
                  and (lo < v if low_open else lo <= v) and v <= hi)
            if not ok:
                raise ValueError(f"CapMemTargets.{name}: expected a number in "
                                 f"{'(' if low_open else '['}{lo}, {hi}], got {v!r}")
            return float(v)

        base = num("baseline_code", 0.0, 255.0)
        rng = num("range_codes", 0.0, 255.0, low_open=True)
        if base + rng > 255.0:
            raise ValueError(f"CapMemTargets.range_codes: baseline_code + range_codes must stay "
                             f"within the CADC's 255 codes, got {base:g} + {rng:g}")
        num("gain", 0.0, 1.0, low_open=True)
        if self.drift_lsb_per_us is not None:
            num("drift_lsb_per_us", 0.0, float("inf"), low_open=True)
        r = self.repetitions
        if isinstance(r, bool) or not isinstance(r, int) or not 2 <= r <= 4096:
            raise ValueError(f"CapMemTargets.repetitions: expected an integer 2..4096, got {r!r}")
        if not isinstance(self.equalize_columns, bool):
            raise ValueError(f"CapMemTargets.equalize_columns: expected true or false, got "
                             f"{self.equalize_columns!r}")


@dataclass
class CapMemCalibration:
    """Result of ``calibrate_capmem``: the cells and, per quantity, the spread/mean before and
    after (``report``), and the VMMs spent."""

    capmem: CapMemConfig
    report: dict[str, Any]
    num_vmms: int

    def summary(self) -> str:
        """A table: per quantity the value before and after (one per quadrant where the report
        has a list) and the target."""
        def fmt(v: Any) -> str:
            return " / ".join(f"{e:.4g}" for e in v) if isinstance(v, list) else f"{v:.4g}"

        lines = [f"CapMem target calibration (successive approximation, calix-style): "
                 f"{self.num_vmms} VMMs",
                 f"  {'quantity':34s} {'before':>20s} {'after':>20s} {'target':>8s}"]
        for k, v in self.report.items():
            lines.append(f"  {k:34s} {fmt(v['before']):>20s} {fmt(v['after']):>20s} "
                         f"{fmt(v['target']):>8s}")
        return "\n".join(lines)


def _sar(measure: Any, n: int, target: F64 | float, increasing: bool, steps: int = 10,
         lo: int = 0, hi: int = CAPMEM_MAX) -> I64:
    """Successive approximation of ``n`` integer cells at once (calix ``BinarySearch``): each
    step measures at the middle of every cell's interval and keeps the half that holds the
    target; ``measure(values[n]) -> quantity[n]`` must be monotonic."""
    lo_a = np.full(n, lo, dtype=np.int64)
    hi_a = np.full(n, hi, dtype=np.int64)
    for _ in range(steps):
        mid = (lo_a + hi_a) // 2
        f = np.asarray(measure(mid), dtype=np.float64)
        up = (f < target) if increasing else (f > target)
        lo_a = np.where(up, np.minimum(mid + 1, hi), lo_a)
        hi_a = np.where(up, hi_a, mid)
    return lo_a


def calibrate_capmem(device: VmmDevice, targets: CapMemTargets | None = None,
                     timing: Timing | None = None, start: CapMemConfig | None = None
                     ) -> CapMemCalibration:
    """Target calibration of the CapMem cells through ``device`` (public interface only:
    ``run_vmms`` with the cells, codes and results), in calix's order: CADC slope (range) then
    ramp offset (baseline) per quadrant, synapse DAC bias per quadrant (gain), the OTA bias per
    column (equal column gains), optionally the leak bias per column (drift). Each is a 10-step
    successive approximation on the integer cells, starting from ``start`` (None: the CapMem
    defaults; the cells no step calibrates, e.g. ``stp_i_ramp``, keep their ``start`` values).
    Raises what the device raises (``DeviceUnavailable`` for a device without CapMem
    settings)."""
    _check_device(device)
    tg = targets if targets is not None else CapMemTargets()
    t = timing if timing is not None else Timing()
    reps = tg.repetitions
    spent = 0
    if start is not None and not isinstance(start, CapMemConfig):
        raise ValueError(f"start: expected an hxsim.capmem.CapMemConfig or None, got "
                         f"{type(start).__name__}")
    cfg = start if start is not None else CapMemConfig.default()
    half = TILE_COLS // N_QUADRANTS

    def run(x: np.ndarray, w: np.ndarray, c: CapMemConfig, tt: Timing = t) -> Any:
        nonlocal spent
        spent += x.shape[0]
        return run_with_capmem(device, x, w, tt, None, None, c)

    zero_x = np.zeros((reps, TILE_ROWS), dtype=np.int64)
    zero_w = np.zeros((TILE_ROWS, TILE_COLS), dtype=np.int64)
    fs_x = np.full((max(2, reps // 4), TILE_ROWS), X_MAX, dtype=np.int64)
    fs_w = np.full((TILE_ROWS, TILE_COLS), W_MAX, dtype=np.int64)
    level, weight = 8, 16
    u = TILE_ROWS * level * weight * t.num_sends
    g_x = np.full((reps, TILE_ROWS), level, dtype=np.int64)
    g_w = np.full((TILE_ROWS, TILE_COLS), weight, dtype=np.int64)

    def quad(v: F64) -> F64:
        return np.asarray(v.reshape(N_QUADRANTS, half).mean(axis=1), dtype=np.float64)

    def cadc(c: CapMemConfig) -> tuple[F64, F64]:
        base = run(zero_x, zero_w, c).baseline.astype(np.float64).mean(axis=0)
        full = run(fs_x, fs_w, c).result.astype(np.float64).mean(axis=0)
        return quad(base), quad(full - base)

    def col_gain(c: CapMemConfig) -> F64:
        y0 = run(zero_x, g_w, c).y.astype(np.float64).mean(axis=0)
        y1 = run(g_x, g_w, c).y.astype(np.float64).mean(axis=0)
        return np.asarray((y1 - y0) / u, dtype=np.float64)

    def drift(c: CapMemConfig) -> F64:
        t_long = Timing(**{**t.to_dict(), "settle_cycles": min(65535, t.settle_cycles + 4000)})
        y0 = run(zero_x, zero_w, c).y.astype(np.float64).mean(axis=0)
        y1 = run(zero_x, zero_w, c, t_long).y.astype(np.float64).mean(axis=0)
        return np.asarray(np.abs(y1 - y0) / (4000 * 8e-3), dtype=np.float64)

    report: dict[str, Any] = {}
    b0, r0 = cadc(cfg)
    g0 = col_gain(cfg)
    # The ramp offset first puts the baseline low (code 30), so that the full-scale code of
    # the slope search cannot clip at 255 (the range would stop being monotonic in the slope).
    low = _sar(lambda v: cadc(cfg.with_(cadc_v_ramp_offset=v))[0], N_QUADRANTS, 30.0,
               increasing=False)
    cfg = cfg.with_(cadc_v_ramp_offset=low)
    slope = _sar(lambda v: cadc(cfg.with_(cadc_i_ramp_slope=v))[1], N_QUADRANTS,
                 tg.range_codes, increasing=False)
    cfg = cfg.with_(cadc_i_ramp_slope=slope)
    offset = _sar(lambda v: cadc(cfg.with_(cadc_v_ramp_offset=v))[0], N_QUADRANTS,
                  tg.baseline_code, increasing=False)
    cfg = cfg.with_(cadc_v_ramp_offset=offset)
    b1, r1 = cadc(cfg)
    report["baseline_code (quadrants)"] = {"before": np.round(b0, 2).tolist(),
                                           "after": np.round(b1, 2).tolist(),
                                           "target": tg.baseline_code}
    report["range_codes (quadrants)"] = {"before": np.round(r0, 2).tolist(),
                                         "after": np.round(r1, 2).tolist(),
                                         "target": tg.range_codes}
    bias = _sar(lambda v: np.median(col_gain(cfg.with_(syn_i_bias_dac=v)).reshape(
        N_QUADRANTS, half), axis=1), N_QUADRANTS, tg.gain, increasing=True)
    cfg = cfg.with_(syn_i_bias_dac=bias)
    g1 = col_gain(cfg)
    if tg.equalize_columns:
        med = np.repeat(np.median(g1.reshape(N_QUADRANTS, half), axis=1), half)
        gm = _sar(lambda v: col_gain(cfg.with_(i_bias_synin_gm=v)), TILE_COLS, med,
                  increasing=True)
        cfg = cfg.with_(i_bias_synin_gm=gm)
    g2 = col_gain(cfg)
    report["gain (quadrant medians)"] = {
        "before": [float(f"{v:.5g}") for v in np.median(g0.reshape(N_QUADRANTS, half), 1)],
        "after": [float(f"{v:.5g}") for v in np.median(g2.reshape(N_QUADRANTS, half), 1)],
        "target": tg.gain}
    report["column gain spread (rel. std)"] = {
        "before": round(float(g0.std() / np.median(g0)), 4),
        "after": round(float(g2.std() / np.median(g2)), 4), "target": tg.column_spread_max}
    if tg.drift_lsb_per_us is not None:
        d0 = drift(cfg)
        leak = _sar(lambda v: drift(cfg.with_(i_bias_leak=v)), TILE_COLS,
                    tg.drift_lsb_per_us, increasing=False)
        cfg = cfg.with_(i_bias_leak=leak)
        d1 = drift(cfg)
        report["drift |rate| 90th pct [LSB/us]"] = {
            "before": round(float(np.percentile(d0, 90)), 4),
            "after": round(float(np.percentile(d1, 90)), 4), "target": tg.drift_lsb_per_us}
    return CapMemCalibration(cfg, report, spent)
