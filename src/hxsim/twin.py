"""A twin of a measured chip: a ``ChipInstance`` built from measurements alone, to predict what a
network will do on the real chip before it runs there.

Measurement (``measure``, through the device protocol only, so it runs on a chip as on the
model): (a) ``vectors`` random VMMs (inputs 0..31, signed weights -63..63 on every column, a new
weight matrix every 32 vectors) with ``repetitions`` repetitions, fitted by
``hxsim.fitting.fit_vmm_data`` (``hxsim compare``'s fit: global gain, noise, per-column gain
and offset, with standard errors); (b) ``hxsim.calibration.measure_drivers`` at DAC offset 32
(each driver alone at two inputs): per-driver relative gain (slope over the mean slope) and
input offset (the intercept as ``measure_drivers`` reports it: the offset the DAC must remove).

Twin (``build_twin`` -> ``TwinConfig``, a JSON file): ``ChipParams`` with the fitted gain, the
measured noise split as ``expected_from_params`` models it (read noise 0.5 LSB per conversion kept
[V], quantization 1/6 LSB^2, the rest membrane noise), and a ``FixedPattern`` with the measured
per-column gains and offsets and per-driver gains and offsets. Not measurable from these data and
therefore off in the twin: per-synapse mismatch, leak and drift (their mean is in the column
offsets), the order effect (its mean is in the gain), baseline spread and ADC offsets (they
cancel in ``result - baseline`` inside the linear range); the ADC range and the DAC step are the
``ChipParams`` defaults [NF for a real chip].

``TwinChip`` is a ``ChipInstance`` whose fixed pattern is the twin's instead of a seeded draw.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import ChipInstance, FixedPattern
from hxsim.bringup.data import MeasuredData, base_metadata
from hxsim.calibration import CalibrationSettings, measure_drivers
from hxsim.checks import read_json
from hxsim.device import VmmDevice
from hxsim.fitting import FitResult, fit_vmm_data
from hxsim.golden import TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.outputs import write_text_atomic
from hxsim.params import ChipParams
from hxsim.timing import Timing
from hxsim.types import F64

FORMAT = "hxsim-twin"
VERSION = 1
#: Read noise per conversion kept in the twin (ChipParams default, [V] section 4 of bss2-facts).
READ_NOISE_LSB = 0.5


@dataclass(frozen=True)
class TwinMeasurement:
    """The twin's raw material: the random-VMM data set and its fit, and the driver probe."""

    data: MeasuredData
    fit: FitResult
    driver_low: F64
    driver_high: F64
    driver_intercept: F64
    driver_settings: CalibrationSettings = field(default_factory=CalibrationSettings)


def measure(device: VmmDevice, seed: int = 0, vectors: int = 256, repetitions: int = 8,
            timing: Timing | None = None) -> TwinMeasurement:
    """Run the twin's measurement on ``device`` (see the module docstring); ``seed`` draws the
    stimulus. ``vectors * repetitions`` VMMs plus ``measure_drivers``' VMMs."""
    if vectors < 2 or repetitions < 2:
        raise ValueError(f"vectors, repetitions: expected >= 2 each, got {vectors}, {repetitions}")
    t = timing if timing is not None else Timing(num_sends=1, event_wait=5)
    rng = np.random.Generator(np.random.PCG64(seed))
    n_w = math.ceil(vectors / 32)
    w = rng.integers(-W_MAX, W_MAX + 1, (n_w, TILE_ROWS, TILE_COLS))
    x = rng.integers(0, X_MAX + 1, (vectors, TILE_ROWS))
    # a spread of input densities, so that the column fits see a range of sums
    x = np.where(rng.random((vectors, 1)) < np.linspace(0.1, 1.0, vectors)[:, None], x, 0)
    idx = np.arange(vectors) // 32
    out = np.empty((vectors, repetitions, TILE_COLS), dtype=np.int64)
    for r in range(repetitions):
        for m in range(n_w):
            sel = idx == m
            out[sel, r] = device.run_vmms(x[sel], w[m], t).y
    data = MeasuredData(x, w, idx, out, base_metadata(t, device.name, experiment="twin",
                                                      seed=int(seed)))
    fit = fit_vmm_data(x, w, out, weight_index=idx, num_sends=t.num_sends)
    s = CalibrationSettings()
    d = measure_drivers(device, np.full(TILE_ROWS, 32, dtype=np.int64), s)
    return TwinMeasurement(data, fit, d.response_low, d.response_high, d.intercept_x, s)


@dataclass
class TwinConfig:
    """A chip configuration built from measurements: ``params`` and the per-column and
    per-driver arrays of the fixed pattern, plus the fit's uncertainties (``fit``)."""

    params: ChipParams
    column_gain: F64
    column_offset_lsb: F64
    driver_gain: F64
    driver_offset_x: F64
    fit: dict[str, float]
    source: str = ""

    def pattern(self) -> FixedPattern:
        z = np.zeros((TILE_ROWS, TILE_COLS))
        return FixedPattern(
            driver_gain=self.driver_gain.copy(), driver_offset_x=self.driver_offset_x.copy(),
            column_gain=self.column_gain.copy(), synapse_exc=z, synapse_inh=z.copy(),
            baseline_lsb=np.full(TILE_COLS, self.params.baseline_mean_lsb),
            adc_offset_lsb=np.zeros(TILE_COLS), column_offset_lsb=self.column_offset_lsb.copy(),
            leak_lsb_per_us=np.zeros(TILE_COLS))

    def chip(self, noise_seed: int = 1) -> TwinChip:
        return TwinChip(self, noise_seed)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "source": self.source,
                "params": self.params.to_dict(), "column_gain": self.column_gain.tolist(),
                "column_offset_lsb": self.column_offset_lsb.tolist(),
                "driver_gain": self.driver_gain.tolist(),
                "driver_offset_x": self.driver_offset_x.tolist(), "fit": self.fit}

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> TwinConfig:
        d = read_json(path, "twin")
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError(f"{path}: format: expected {FORMAT!r} (a file of `hxsim twin`)")
        if d.get("version") != VERSION:
            raise ValueError(f"{path}: version: expected {VERSION}, got {d.get('version')}")
        try:
            arrays = {k: np.asarray(d[k], dtype=np.float64) for k in
                      ("column_gain", "column_offset_lsb", "driver_gain", "driver_offset_x")}
            for k, n in (("column_gain", TILE_COLS), ("column_offset_lsb", TILE_COLS),
                         ("driver_gain", TILE_ROWS), ("driver_offset_x", TILE_ROWS)):
                if arrays[k].shape != (n,) or not np.all(np.isfinite(arrays[k])):
                    raise ValueError(f"{path}: {k}: expected {n} finite numbers")
            return cls(ChipParams.from_dict(d["params"]), fit=dict(d["fit"]),
                       source=str(d.get("source", "")), **arrays)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: field {exc!s} missing or of the wrong type") from exc


class TwinChip(ChipInstance):
    """A ``ChipInstance`` with the twin's fixed pattern (the seeded draw of the base class is
    discarded: ``pattern`` is the twin's). Trial noise from ``noise_seed``."""

    def __init__(self, twin: TwinConfig, noise_seed: int = 1) -> None:
        self._twin_pattern = twin.pattern()
        super().__init__(twin.params, 0, noise_seed)

    @property
    def pattern(self) -> FixedPattern:
        return self._twin_pattern

    @pattern.setter
    def pattern(self, drawn: FixedPattern) -> None:
        """The base class assigns its seeded draw here; the twin keeps its measured pattern."""


def build_twin(m: TwinMeasurement, source: str = "", refine: bool = True) -> TwinConfig:
    """The twin of the measured chip (see the module docstring). ``refine``: the twin is
    measured once with the same stimulus and its gain rescaled so that its fitted gain equals the
    chip's (the measured driver gains and offsets change the effective gain the fit sees).
    Raises ``ValueError`` when the fit has no usable gain."""
    f = m.fit
    if not (math.isfinite(f.gain) and f.gain > 0):
        raise ValueError("fit: no usable gain in the measurement")
    cg = np.where(np.isfinite(f.column_gain), f.column_gain / f.gain - 1.0, 0.0)
    off = np.where(np.isfinite(f.column_offset), f.column_offset, 0.0)
    s = m.driver_settings
    slope = (m.driver_high - m.driver_low) / (s.high_input - s.low_input)
    good = np.isfinite(slope) & (slope > 0)
    dg = np.where(good, slope / np.mean(slope[good]) - 1.0, 0.0) if good.any() \
        else np.zeros(TILE_ROWS)
    doff = np.where(np.isfinite(m.driver_intercept), m.driver_intercept, 0.0)
    mem2 = f.noise_std**2 - 1.0 / 6.0 - 2 * READ_NOISE_LSB**2
    params = ChipParams(
        gain=float(min(max(f.gain, 1e-6), 1.0)), membrane_noise_lsb=math.sqrt(max(mem2, 0.0)),
        read_noise_lsb=READ_NOISE_LSB, enable_drift=False, enable_leak=False,
        enable_order_effect=False, enable_synapse_mismatch=False, enable_baseline_spread=False,
        enable_adc_offsets=False, column_gain_std=float(np.std(cg)),
        column_offset_std_lsb=float(np.std(off)), driver_gain_std=float(np.std(dg)),
        driver_offset_std_x=float(np.std(doff)))
    fit = {"gain": f.gain, "gain_err": f.gain_err, "noise_std": f.noise_std,
           "noise_std_err": f.noise_std_err, "column_gain_spread": f.column_gain_spread,
           "column_offset_spread": f.column_offset_spread, "columns_fitted": f.columns_fitted,
           "drivers_measured": int(good.sum())}
    twin = TwinConfig(params, cg, off, dg, doff, fit, source)
    if refine:
        from hxsim.device import ModelDevice

        d = m.data
        dev = ModelDevice(twin.chip(noise_seed=0))
        t = Timing.from_dict(d.metadata["timing"])
        out = np.stack([np.concatenate([dev.run_vmms(d.inputs[d.weight_index == k],
                                                     d.weights[k], t).y
                                        for k in range(d.weights.shape[0])])
                        for _ in range(2)], axis=1)
        g2 = fit_vmm_data(d.inputs, d.weights, out, weight_index=d.weight_index,
                          num_sends=t.num_sends).gain
        twin.params = params.with_(gain=float(min(params.gain * f.gain / g2, 1.0)))
    return twin
