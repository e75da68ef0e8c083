"""The analog operating point: how each CapMem cell moves gain, noise, saturation and linearity.

Every cell of ``hxsim.capmem`` maps to the model's terms through one documented curve
(``CELL_PHYSICS``: unit, range, default, direction, source). All curves are *relative to the cell's
default* (``hxsim.capmem.DEFAULTS``): at the default every factor is exactly 1 and every shift
exactly 0, so a chip at the CapMem defaults is today's calibrated chip (``ChipParams``) bit for bit
(``hxsim.array`` does not even take this module's path then). Away from the default each cell
has its own mismatch: the exponent of its transfer curve deviates by
``delta ~ N(0, capmem_mismatch_std)``,
drawn from the chip's fixed-pattern seed (its own stream, so the other fixed-pattern draws are
unchanged). A cell's relative output is ``r(v) = (max(v, floor) / v0) ** (e * (1 + delta))``:
1 at ``v0`` whatever ``delta``, so calibrating at the defaults makes all cells agree and moving a
cell away from its default spreads them again, as on the chip ("different instances of the CapMem
can drive different currents at the same setting", calix ``STPRampCalib``).

Curves (``v``: cell value 0..1022; [V]/[D]/[NF] as in ../shared/ref/bss2-facts.md):

* ``syn_i_bias_dac`` (quadrant): synaptic current per weight step, gain ``r(v)``, ``e = 1``
  ([V] fp_brainscales: amplitude = 6-bit DAC x global bias current 0..1 uA; linear [D]).
* ``i_bias_synin_gm`` (column): synaptic-input OTA; column gain ``r(v)`` with ``e = 0.7``
  ([NF] between weak inversion, gm ~ I, and strong inversion, gm ~ sqrt(I)); its output range
  ``min(1, r(v))`` with ``e = 1``: below the default the linear range of the result shrinks towards
  the baseline in proportion to the bias (the OTA saturates before the CADC); at and above the
  default the CADC's reliable range 30..210 limits ([V] calix i_synin_gm 450; shape [NF]).
* ``stp_i_ramp`` (quadrant): the pulse ends when the STP ramp reaches the hagen-DAC voltage, so the
  pulse width and the gain go as ``1 / I_ramp``: ``r(v)`` with ``e = -1``, ``floor = 16``
  ([V] calix STPRampCalib mechanism; 1/I [D]).
* ``hagen_ibias_dac`` (quadrant): bias of the hagen DAC's output buffer. Below the default the DAC
  output compresses at large activations: ``x_eff = x * (1 - eta * x / 31)``,
  ``eta = ETA_MAX * max(0, 1 - r(v))`` (``e = 1``, ``ETA_MAX = 0.5``) - integral non-linearity
  and less full-scale gain; at and above the default the DAC is linear ([V] calix 820; shape [NF]).
* ``cadc_v_ramp_offset`` (quadrant): start of the CADC ramp; a membrane voltage reads
  ``K_OFF * (v - v0) * (1 + delta)`` codes lower, ``K_OFF = 200 / 480 = 0.417`` code per cell LSB
  ([D] calix CADCCalibTarget: dynamic range 70..550 CapMem LSB read as codes 20..220).
* ``cadc_i_ramp_slope`` (quadrant): ramp current; the LSB grows with it, codes scale by ``r(v)``
  with ``e = -1``, ``floor = 16`` (``code = (V - offset) * r``): more slope, more range, coarser
  resolution ([V] lola Ramp i_slope "determines slope"; 1/I [D]).
* ``i_bias_leak`` (column): leak conductance, ``tau_mem = TAU_REF_US * r(v)`` with ``e = -1``
  around ``LEAK_REF = 100`` (0: no leak, tau infinite, today's chip). The leak bounds what the
  membrane accumulates over the read interval ``dt``: the constant residual leak and the drift
  noise act over ``dt_eff = dt / (1 + dt / tau)`` instead of ``dt``; it also costs signal, a gain
  ``tau / (tau + T_INT_US)``, and its OTA adds white noise ``LEAK_NOISE_LSB * sqrt(v / LEAK_REF)``
  per result ([V] calix: leak off after calibration, leak bias from a target noise; tau_mem 60 us
  [V]; the bias giving it, T_INT and the noise [NF]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hxsim.capmem import (
    CAPMEM_MAX,
    COLUMN_CELLS,
    COLUMNS_PER_QUADRANT,
    DEFAULTS,
    N_QUADRANTS,
    QUADRANT_CELLS,
    CapMemConfig,
)
from hxsim.golden import TILE_COLS, X_MAX
from hxsim.params import ChipParams
from hxsim.types import F64

#: Largest input non-linearity of the hagen DAC (at bias 0), relative at full scale [NF].
ETA_MAX = 0.5
#: CADC code shift per ramp-offset cell LSB [D] (200 codes over 480 CapMem LSB, calix).
K_OFF = 200.0 / 480.0
#: Leak-bias value at which tau_mem = TAU_REF_US [NF]; calix's tau_mem target 60 us [V].
LEAK_REF = 100
TAU_REF_US = 60.0
#: Effective time from the events to the read that the leak's signal loss acts over [D]:
#: half the event phase of 128 events at event_wait 5 (5.12 us).
T_INT_US = 2.56
#: White noise of the leak OTA at LEAK_REF, CADC LSB per result [NF].
LEAK_NOISE_LSB = 0.6
#: Smallest effective value of a current cell that divides (ramp currents) [NF].
CURRENT_FLOOR = 16

#: The order in which the cells' mismatch is drawn (never change: it fixes every chip's draws).
_CELL_ORDER = ("syn_i_bias_dac", "stp_i_ramp", "hagen_ibias_dac", "cadc_v_ramp_offset",
               "cadc_i_ramp_slope", "i_bias_synin_gm", "i_bias_leak")
#: Stream tag of the CapMem mismatch within the fixed-pattern seed.
_STREAM = 14


@dataclass(frozen=True)
class CellPhysics:
    """What one CapMem cell does in the model (for docs, sweeps and calibration)."""

    quantity: str
    unit: str
    direction: str
    source: str


#: Per cell: the quantity it moves, the cell's unit, the direction of the effect as the value
#: grows, and the source of the curve.
CELL_PHYSICS: dict[str, CellPhysics] = {
    "syn_i_bias_dac": CellPhysics(
        "gain (synaptic current per weight step)", "CapMem LSB (0..1 uA full scale)",
        "gain up, proportional; saturation reached at smaller inputs",
        "[V] fp_brainscales: DAC x global bias 0..1 uA; calix DACBiasCalibCADC"),
    "i_bias_synin_gm": CellPhysics(
        "column gain (OTA gm) and where the input saturates", "CapMem LSB",
        "column gain up as v^0.7; below 450 the result's linear range shrinks",
        "[V] calix i_synin_gm 450 (30..600); shape [NF]"),
    "stp_i_ramp": CellPhysics(
        "driver pulse width (gain)", "CapMem LSB", "pulse width and gain down as 1/v",
        "[V] calix STPRampCalib: pulse = STP ramp vs hagen-DAC voltage; 1/I [D]"),
    "hagen_ibias_dac": CellPhysics(
        "input non-linearity of the pulse width", "CapMem LSB",
        "below 820: compressive at large activations (INL up, full-scale gain down)",
        "[V] calix preconfigure_capmem 820; shape [NF]"),
    "cadc_v_ramp_offset": CellPhysics(
        "CADC baseline code", "CapMem LSB (~1.9 mV)", "codes down by 0.417 per LSB",
        "[D] calix CADCCalibTarget 70..550 LSB -> codes 20..220"),
    "cadc_i_ramp_slope": CellPhysics(
        "CADC LSB size (range vs resolution)", "CapMem LSB",
        "LSB size up as v (codes scale by 350/v): more range, coarser steps",
        "[V] lola Ramp i_slope; 1/I [D]"),
    "i_bias_leak": CellPhysics(
        "leak vs drift and read noise", "CapMem LSB", "tau_mem down as 1/v: leak/drift terms "
        "and drift noise down, signal (gain) down, leak-OTA noise up",
        "[V] calix leak off after calibration, target noise 1..2.5 LSB; magnitudes [NF]"),
}


@dataclass(frozen=True)
class CellMismatch:
    """Each cell's exponent deviation ``delta`` (``[2]`` per quadrant cell, ``[256]`` per column
    cell), drawn from the fixed-pattern seed; zeros when ``enable_capmem_mismatch`` is off."""

    delta: dict[str, F64]

    @classmethod
    def draw(cls, params: ChipParams, fixed_seed: int) -> CellMismatch:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([fixed_seed, _STREAM])))
        std = params.capmem_mismatch_std if params.enable_capmem_mismatch else 0.0
        out: dict[str, F64] = {}
        for name in _CELL_ORDER:
            n = N_QUADRANTS if name in QUADRANT_CELLS else TILE_COLS
            out[name] = rng.standard_normal(n) * std
        return cls(out)

    def per_column(self, name: str) -> F64:
        d = self.delta[name]
        return np.repeat(d, COLUMNS_PER_QUADRANT) if name in QUADRANT_CELLS else d


def relative(v: object, name: str, delta: object, exponent: float = 1.0,
             floor: int = 0) -> F64:
    """A cell's relative output ``(max(v, floor) / v0) ** (exponent * (1 + delta))`` (exactly 1
    at the default ``v0``)."""
    v0 = float(DEFAULTS[name])
    if v0 <= 0:
        raise ValueError(f"relative: cell {name} has default 0 (no relative curve)")
    va = np.maximum(np.asarray(v, dtype=np.float64), float(floor))
    return np.asarray((va / v0) ** (exponent * (1.0 + np.asarray(delta, dtype=np.float64))),
                      dtype=np.float64)


@dataclass(frozen=True, eq=False)
class OperatingPoint:
    """The model's terms for one CapMem configuration, per column (``[256]``) unless noted.

    Attributes:
        gain: relative gain (synapse DAC bias x OTA gm x ramp x leak loss); 1 at the defaults.
        x_map: effective input ``[N_QUADRANTS, 32]`` of each quadrant's drivers (hagen DAC).
        ota_range: relative output range of the synaptic-input OTA (1: the CADC limits).
        adc_scale: codes per default LSB (ramp slope); adc_shift: ramp-offset shift in default
            LSB, subtracted before scaling.
        tau_us: membrane time constant from the leak bias (inf: leak off).
        leak_noise_lsb: white noise of the leak OTA per result.
    """

    gain: F64
    x_map: F64
    ota_range: F64
    adc_scale: F64
    adc_shift: F64
    tau_us: F64
    leak_noise_lsb: F64

    @property
    def quadrants_differ(self) -> bool:
        return bool(not np.array_equal(self.x_map[0], self.x_map[1]))


def operating_point(cfg: CapMemConfig, mismatch: CellMismatch) -> OperatingPoint:
    """The terms of ``cfg`` for a chip with ``mismatch`` (see the module docstring)."""
    if not isinstance(cfg, CapMemConfig):
        raise ValueError(f"capmem: expected an hxsim.capmem.CapMemConfig, got "
                         f"{type(cfg).__name__}")
    col = cfg.per_column
    dm = mismatch.per_column
    g_syn = relative(col("syn_i_bias_dac"), "syn_i_bias_dac", dm("syn_i_bias_dac"))
    g_gm = relative(col("i_bias_synin_gm"), "i_bias_synin_gm", dm("i_bias_synin_gm"), 0.7)
    ota = np.minimum(1.0, relative(col("i_bias_synin_gm"), "i_bias_synin_gm",
                                   dm("i_bias_synin_gm")))
    g_ramp = relative(col("stp_i_ramp"), "stp_i_ramp", dm("stp_i_ramp"), -1.0, CURRENT_FLOOR)
    leak_v = col("i_bias_leak").astype(np.float64)
    d_leak = dm("i_bias_leak")
    with np.errstate(divide="ignore"):
        tau = np.where(leak_v > 0, TAU_REF_US * (np.maximum(leak_v, 1.0) / LEAK_REF)
                       ** (-(1.0 + d_leak)), np.inf)
    with np.errstate(invalid="ignore"):
        g_leak = np.where(np.isfinite(tau), tau / (tau + T_INT_US), 1.0)
    leak_noise = LEAK_NOISE_LSB * np.sqrt(leak_v / LEAK_REF) * (1.0 + d_leak)
    x = np.arange(X_MAX + 1, dtype=np.float64)
    hq = cfg.quadrant["hagen_ibias_dac"]
    eta = ETA_MAX * np.maximum(0.0, 1.0 - relative(hq, "hagen_ibias_dac",
                                                   mismatch.delta["hagen_ibias_dac"]))
    x_map = x[None, :] * (1.0 - eta[:, None] * (x[None, :] / X_MAX))
    scale = relative(col("cadc_i_ramp_slope"), "cadc_i_ramp_slope", dm("cadc_i_ramp_slope"),
                     -1.0, CURRENT_FLOOR)
    shift = K_OFF * (col("cadc_v_ramp_offset") - DEFAULTS["cadc_v_ramp_offset"]) * (
        1.0 + dm("cadc_v_ramp_offset"))
    return OperatingPoint(gain=g_syn * g_gm * g_ramp * g_leak, x_map=x_map, ota_range=ota,
                          adc_scale=scale, adc_shift=shift, tau_us=tau,
                          leak_noise_lsb=leak_noise)


def cell_range(name: str) -> tuple[int, int]:
    """Allowed values of a cell (all cells: 0..1022)."""
    if name not in DEFAULTS:
        raise ValueError(f"capmem: unknown cell {name!r}; known: {sorted(DEFAULTS)}")
    return 0, CAPMEM_MAX


__all__ = ["CELL_PHYSICS", "COLUMN_CELLS", "QUADRANT_CELLS", "CellMismatch", "CellPhysics",
           "OperatingPoint", "cell_range", "operating_point", "relative"]
