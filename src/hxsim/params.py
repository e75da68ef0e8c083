"""Analog parameters of one chip hemisphere, as one typed dataclass.

Every field has a unit, a default from SPEC.md section 4 and its source in ``PARAM_INFO``
(``[V]`` verified in code or docs, ``[D]`` derived, ``[NF]`` not found: our own choice; see
../shared/ref/bss2-facts.md). Each non-ideality has its own ``enable_*`` switch next to its
magnitude; ``ChipParams.ideal()`` switches every one off, which makes the model equal to the
golden reference bit for bit.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.checks import read_json
from hxsim.outputs import write_text_atomic


@dataclass(frozen=True)
class ParamInfo:
    """Unit, allowed range (inclusive) and source of one parameter."""

    unit: str
    lo: float
    hi: float
    source: str


#: Metadata of every numeric parameter of ``ChipParams``.
PARAM_INFO: dict[str, ParamInfo] = {
    "gain": ParamInfo("LSB per unit x*w per send", 1e-6, 1.0,
                      "[V] hxtorch constants.h defaults::gain = 0.002"),
    "baseline_mean_lsb": ParamInfo("CADC LSB", 0.0, 255.0,
                                   "[V] calix HagenNeuronCalibTarget::leak = 120"),
    "baseline_std_lsb": ParamInfo("CADC LSB", 0.0, 50.0,
                                  "[NF] spread of the reset potential; calix allows 100..140"),
    "adc_offset_std_lsb": ParamInfo("CADC LSB", 0.0, 20.0,
                                    "[NF] per-column comparator offset"),
    "adc_linear_lo_lsb": ParamInfo("CADC LSB", 1.0, 254.0,
                                   "[V] calix constants.cadc_reliable_range = 30..210"),
    "adc_linear_hi_lsb": ParamInfo("CADC LSB", 1.0, 254.0,
                                   "[V] calix constants.cadc_reliable_range = 30..210"),
    "driver_gain_std": ParamInfo("relative (1 = 100 %)", 0.0, 0.5,
                                 "[V]/[D] calix test_hagen_input: ~2 of ~30 LSB = 7 %"),
    "driver_offset_std_x": ParamInfo("input units (x)", 0.0, 8.0,
                                     "[NF] pulse-width offset trimmed by the hagen DAC offset"),
    "dac_offset_step_x": ParamInfo("input units (x) per DAC-offset LSB", 0.0, 1.0,
                                   "[NF] effect of haldls hagen_dac_offset (6 bit)"),
    "column_gain_std": ParamInfo("relative", 0.0, 0.5, "[NF] per-column gain mismatch"),
    "synapse_std": ParamInfo("relative", 0.0, 0.5, "[NF] per-synapse amplitude mismatch"),
    "column_offset_std_lsb": ParamInfo("CADC LSB", 0.0, 30.0,
                                       "[NF] systematic result offset per column"),
    "leak_std_lsb_per_us": ParamInfo("CADC LSB per us", 0.0, 10.0,
                                     "[V] calix: constant drift currents; magnitude [NF]"),
    "read_noise_lsb": ParamInfo("CADC LSB (std per conversion)", 0.0, 20.0,
                                "[NF] split of hxtorch's 2.0 LSB between reads and membrane"),
    "membrane_noise_lsb": ParamInfo("CADC LSB (std per result)", 0.0, 20.0,
                                    "[V] hxtorch noise_std = 2.0 total (with read noise)"),
    "drift_lsb_per_sqrt_us": ParamInfo("CADC LSB per sqrt(us)", 0.0, 10.0,
                                       "[V] demo: random drift with leak off; magnitude [NF]"),
    "order_tau_us": ParamInfo("us", 1.0, 1e9,
                              "[V] calix: earlier events weaker; time constant [NF]"),
    # ---- CapMem operating point (hxsim.oppoint; effects only away from the CapMem defaults)
    "capmem_mismatch_std": ParamInfo(
        "relative (std of each cell's transfer exponent)", 0.0, 0.5,
        "[V] calix STPRampCalib: CapMem instances drive different currents at one setting; "
        "magnitude [NF]"),
    # ---- temporal drift across VMMs and operating time (hxsim.drift; off by default)
    "vmm_period_us": ParamInfo("us of operating time per VMM", 0.01, 1e6,
                               "[D] grenade hagen sequence ~50 us per VMM incl. reads; [NF]"),
    "drift_gain_per_sqrt_s": ParamInfo("relative gain per sqrt(s) (random walk)", 0.0, 1.0,
                                       "[NF] slow gain drift"),
    "drift_offset_lsb_per_sqrt_s": ParamInfo("CADC LSB per sqrt(s) per column (random walk)",
                                             0.0, 100.0, "[NF] slow offset drift"),
    "temp_sigma_k": ParamInfo("K (std of the temperature-like process)", 0.0, 50.0,
                              "[NF] stationary std of the chip temperature deviation"),
    "temp_tau_s": ParamInfo("s (correlation time of the temperature-like process)", 1e-3, 1e6,
                            "[NF] thermal time constant of a board"),
    "temp_gain_per_k": ParamInfo("relative gain per K", -0.1, 0.1,
                                 "[NF] temperature coefficient of the synaptic current"),
    "temp_offset_lsb_per_k_std": ParamInfo("CADC LSB per K (std across columns)", 0.0, 20.0,
                                           "[NF] per-column temperature coefficient of the "
                                           "offset"),
}


@dataclass(frozen=True)
class ChipParams:
    """Analog parameters of one hemisphere (one 128 x 256 VMM tile). See ``PARAM_INFO`` for units.

    The membrane voltage of column ``j`` at the result read, in CADC LSB, is::

        V_j = baseline_j + col_offset_j + leak_j * dt + noise
              + gain * (1 + dg_j) * sum_i a_i * w_eff_ij

    with the drive ``a_i = sum_sends pulse_i * order_factor`` of driver ``i`` and
    ``pulse_i = (x_i + drv_off_i + dac_step * (dac_offset_i - 32)) * (1 + drv_gain_i)``,
    ``order_factor = 1 - dt_event / order_tau`` (first-order decay of earlier events), and
    ``w_eff = w_exc * (1 + ds_exc) - w_inh * (1 + ds_inh)``. The CADC reads
    ``clamp(floor(compress(V + adc_offset_j)), 0, 255)``, compressive outside
    ``adc_linear_lo_lsb .. adc_linear_hi_lsb`` towards the rails 0 and 255.

    Away from the CapMem defaults (``hxsim.capmem``), ``hxsim.oppoint`` scales these terms per
    cell (``capmem_mismatch_std``: each cell's own deviation); ``enable_temporal_drift`` adds the
    slow drift of gain and offsets across VMMs (``hxsim.drift``; the ``drift_*``/``temp_*``
    magnitudes, ``vmm_period_us`` of operating time per VMM).
    """

    gain: float = 0.002
    baseline_mean_lsb: float = 120.0
    baseline_std_lsb: float = 5.0
    adc_offset_std_lsb: float = 1.0
    adc_linear_lo_lsb: float = 30.0
    adc_linear_hi_lsb: float = 210.0
    driver_gain_std: float = 0.07
    driver_offset_std_x: float = 1.0
    dac_offset_step_x: float = 0.1
    column_gain_std: float = 0.05
    synapse_std: float = 0.02
    column_offset_std_lsb: float = 2.0
    leak_std_lsb_per_us: float = 0.1
    read_noise_lsb: float = 0.5
    membrane_noise_lsb: float = 1.87
    drift_lsb_per_sqrt_us: float = 0.1
    order_tau_us: float = 200.0
    capmem_mismatch_std: float = 0.05
    vmm_period_us: float = 50.0
    drift_gain_per_sqrt_s: float = 0.002
    drift_offset_lsb_per_sqrt_s: float = 0.5
    temp_sigma_k: float = 1.0
    temp_tau_s: float = 30.0
    temp_gain_per_k: float = 0.003
    temp_offset_lsb_per_k_std: float = 0.5

    enable_baseline_spread: bool = True
    enable_adc_offsets: bool = True
    enable_adc_compression: bool = True
    enable_driver_mismatch: bool = True
    enable_dac_offsets: bool = True
    enable_column_gain_mismatch: bool = True
    enable_synapse_mismatch: bool = True
    enable_column_offsets: bool = True
    enable_leak: bool = True
    enable_read_noise: bool = True
    enable_membrane_noise: bool = True
    enable_drift: bool = True
    enable_order_effect: bool = True
    enable_capmem_mismatch: bool = True
    #: Temporal drift across VMMs (hxsim.drift): off by default, so results stay those of a chip
    #: without it (the only switch that defaults to False).
    enable_temporal_drift: bool = False

    def __post_init__(self) -> None:
        """Check every field; numpy scalars (``np.float32(0.003)``, ``np.int64(2)``,
        ``np.True_``) are accepted and stored as Python ``float``/``bool`` (so the instance
        compares, hashes and saves as one built from Python numbers). Raises ``ValueError``
        naming ``ChipParams.FIELD`` and the allowed values."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("enable_"):
                if not isinstance(value, bool | np.bool_):
                    raise ValueError(f"ChipParams.{f.name}: expected true or false, got {value!r}")
                object.__setattr__(self, f.name, bool(value))
                continue
            info = PARAM_INFO[f.name]
            if isinstance(value, bool | np.bool_) or not isinstance(
                    value, int | float | np.integer | np.floating):
                raise ValueError(f"ChipParams.{f.name}: expected a number ({info.unit}), "
                                 f"got {value!r}")
            if not math.isfinite(value) or not info.lo <= value <= info.hi:
                raise ValueError(f"ChipParams.{f.name}: value {value!r} is outside the allowed "
                                 f"range {info.lo:g}..{info.hi:g} ({info.unit})")
            object.__setattr__(self, f.name, float(value))
        if self.adc_linear_lo_lsb >= self.adc_linear_hi_lsb:
            raise ValueError("ChipParams.adc_linear_lo_lsb: must be below adc_linear_hi_lsb "
                             f"({self.adc_linear_lo_lsb} >= {self.adc_linear_hi_lsb})")

    @classmethod
    def ideal(cls, gain: float = 0.002) -> ChipParams:
        """Every non-ideality off and the baseline at mid-scale 128: equals the golden reference."""
        switches = {f.name: False for f in fields(cls) if f.name.startswith("enable_")}
        return cls(gain=gain, baseline_mean_lsb=128.0, **switches)

    @property
    def any_noise(self) -> bool:
        """True when any trial-to-trial noise source is on (then each conversion draws noise)."""
        return self.enable_read_noise or self.enable_membrane_noise or self.enable_drift

    def with_(self, **changes: Any) -> ChipParams:
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChipParams:
        """Build from a mapping; unknown keys are refused with their names."""
        if not isinstance(data, dict):
            raise ValueError(f"ChipParams: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"ChipParams: unknown field(s) {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> ChipParams:
        return cls.from_dict(read_json(path, "ChipParams"))
