"""The VMM timing registers (docs/interfaces.md section 1), as one validated dataclass.

Their ranges and reset values come from the register contract (data/hx_top.rdl, generated into
hxsim._regmap by `make regs`), the same numbers the RTL's range check uses."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from hxsim._regmap import TIMING_RANGES, TIMING_RESETS
from hxsim.checks import check_int

__all__ = ["ADC_STEPS", "CLOCK_PERIOD_NS", "TIMING_RANGES", "Timing"]

#: TIMING_RANGES: register name -> (lowest allowed, highest allowed), from the contract. Units:
#: cycles of the 125 MHz clock, except ``num_sends`` (a count).

#: Clock period of the digital control path in nanoseconds (125 MHz, SPEC.md section 2).
CLOCK_PERIOD_NS = 8.0
#: Ramp steps of one CADC conversion (8-bit single-slope ADC).
ADC_STEPS = 256


@dataclass(frozen=True)
class Timing:
    """Timing registers of one VMM. All values in clock cycles (8 ns) unless noted. The defaults
    are the registers' reset values.

    Attributes:
        reset_cycles: membrane reset phase (default 500 = 4 us, SPEC.md section 2).
        settle_cycles: wait after the last event slot before the result read (default 125 = 1 us).
        event_wait: cycles between two events (default 5, hxtorch's default).
        num_sends: repetitions of the input vector (count, default 1).
        adc_reset_wait: CADC ramp reset before the ramp (default 100, lola ``Ramp::reset_wait``).
        adc_step: cycles per ramp step (default 1).
        adc_dead_time: CADC dead time after the ramp (default 20, lola ``Ramp::dead_time``).
    """

    reset_cycles: int = TIMING_RESETS["reset_cycles"]
    settle_cycles: int = TIMING_RESETS["settle_cycles"]
    event_wait: int = TIMING_RESETS["event_wait"]
    num_sends: int = TIMING_RESETS["num_sends"]
    adc_reset_wait: int = TIMING_RESETS["adc_reset_wait"]
    adc_step: int = TIMING_RESETS["adc_step"]
    adc_dead_time: int = TIMING_RESETS["adc_dead_time"]

    def __post_init__(self) -> None:
        for f in fields(self):  # numpy integers are stored as int (JSON, equality, hashing)
            lo, hi = TIMING_RANGES[f.name]
            object.__setattr__(self, f.name,
                               check_int(getattr(self, f.name), f"Timing.{f.name}", lo, hi))

    @property
    def conversion_cycles(self) -> int:
        """Cycles of one CADC conversion: reset wait, 256 ramp steps, dead time."""
        return self.adc_reset_wait + ADC_STEPS * self.adc_step + self.adc_dead_time

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timing:
        """Build from a mapping; unknown keys are refused with their names."""
        unknown = sorted(set(data) - set(TIMING_RANGES))
        if unknown:
            raise ValueError(f"Timing: unknown field(s) {', '.join(unknown)}; "
                             f"known are {', '.join(TIMING_RANGES)}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
