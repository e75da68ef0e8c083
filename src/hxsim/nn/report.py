"""The report of a training run: accuracies, tile VMMs and analog-core energy per image, wall
times, per mapping strategy; and ``CycleCounter``, a device wrapper that sums the cycle-exact
durations (``VmmBatch.cycles``) of the VMMs it runs.

Energy model (analog core only): ``E = P_asic * t_vmm`` with ``t_vmm`` the summed cycle-exact VMM
durations of an image (8 ns cycles, measured on the test images: zero inputs send no event) and
``P_asic = 192 uJ / 276 us = 0.70 W``, the ASIC energy and classification time per ECG sample
of the BrainScaleS-2 mobile system (Stradmann et al. 2022, bss2-facts.md section 3.6 [A]; the
ratio assumes the ASIC draws its average power while it runs VMMs). Excludes host, I/O and
weight reloads between tiles. The "0.3 W" and "12 mJ per image" figures are [NF] and not used.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hxsim.capmem import CapMemConfig
from hxsim.device import DeviceWrapper, VmmBatch, VmmDevice, run_with_capmem
from hxsim.timing import CLOCK_PERIOD_NS, Timing

#: bss2-facts.md section 3.6 [A]: ASIC energy and time per ECG classification.
ASIC_ENERGY_J = 192e-6
ASIC_TIME_S = 276e-6
ASIC_POWER_W = ASIC_ENERGY_J / ASIC_TIME_S


class CycleCounter(DeviceWrapper):
    """Wraps a ``VmmDevice``; ``cycles`` sums the ``CYCLES_LAST`` of every VMM it ran."""

    def __init__(self, inner: VmmDevice) -> None:
        self.inner = inner
        self.cycles = 0

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        b = run_with_capmem(self.inner, x, w, timing, dac_offsets, column_offsets, capmem)
        self.cycles += int(np.sum(b.cycles))
        return b


def energy_per_image_j(cycles_per_image: float) -> float:
    return ASIC_POWER_W * cycles_per_image * CLOCK_PERIOD_NS * 1e-9


@dataclass
class StrategyResult:
    """One mapping strategy: accuracies (fractions; None = not run), cost and wall time."""

    name: str
    num_sends: list[int]
    vmms_per_image: int
    cycles_per_image: float
    acc_float: float
    acc_deployed: float
    acc_in_loop: float | None = None
    seconds: float = 0.0

    @property
    def energy_uj(self) -> float:
        return 1e6 * energy_per_image_j(self.cycles_per_image)


@dataclass
class Report:
    """Numbers of one ``hxsim train`` run (accuracies as fractions on ``test_examples``;
    ``cycles_per_image``: summed VMM cycles per test image of the float-trained network's
    evaluation on the chip)."""

    dataset: str
    train_examples: int
    test_examples: int
    seeds: dict[str, int]
    chip: dict[str, Any]
    acc_float: float
    acc_float_deployed_chip: float | None = None
    acc_float_deployed_ideal: float | None = None
    acc_chip_in_loop: float | None = None
    acc_in_loop_weights_float: float | None = None
    cycles_per_image: float | None = None
    twin: dict[str, Any] | None = None
    strategies: list[StrategyResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        d = asdict(self)
        if self.cycles_per_image is not None:
            d["energy_uj_per_image"] = 1e6 * energy_per_image_j(self.cycles_per_image)
        d["energy_model"] = {"asic_power_w": ASIC_POWER_W, "source": "192 uJ / 276 us, "
                             "Stradmann et al. 2022 [A] (bss2-facts.md 3.6)"}
        for s, obj in zip(d["strategies"], self.strategies, strict=True):
            s["energy_uj"] = obj.energy_uj
        return json.dumps(d, indent=2, sort_keys=True) + "\n"

    def markdown(self) -> str:
        def pct(v: float | None) -> str:
            return "not run" if v is None else f"{100 * v:.2f} %"

        lines = [
            f"# hxsim nn report: {self.dataset}", "",
            f"Train examples {self.train_examples}, test examples {self.test_examples}. Seeds: "
            + ", ".join(f"{k}={v}" for k, v in self.seeds.items()) + ".", "",
            "Chip: " + ", ".join(f"{k} {v}" for k, v in self.chip.items()) + ".", "",
            "| network / where it runs | test accuracy |", "|---|---|",
            f"| float software (linear model, float activations) | {pct(self.acc_float)} |",
            f"| chip-in-the-loop trained, on the chip | {pct(self.acc_chip_in_loop)} |",
            f"| float-trained, deployed on the chip | {pct(self.acc_float_deployed_chip)} |",
            f"| float-trained, on the ideal chip (quantization only) "
            f"| {pct(self.acc_float_deployed_ideal)} |",
            f"| chip-in-the-loop weights, run in float | {pct(self.acc_in_loop_weights_float)} |",
        ]
        if self.twin is not None:
            lines += [f"| twin's prediction for the chip-in-the-loop network "
                      f"| {pct(self.twin.get('acc_twin'))} |"]
        if self.cycles_per_image is not None:
            us = self.cycles_per_image * CLOCK_PERIOD_NS * 1e-3
            uj = 1e6 * energy_per_image_j(self.cycles_per_image)
            lines += ["", f"Chip time per image (float-trained network on the chip): {us:.1f} us, "
                      f"analog-core energy {uj:.1f} uJ."]
        if self.strategies:
            lines += ["", "Mapping strategies (analog-core energy: "
                      f"{ASIC_POWER_W:.3f} W x VMM time, 192 uJ / 276 us [A]):", "",
                      "| strategy | num_sends | VMMs/image | chip time/image | energy/image "
                      "| float | deployed on chip | chip-in-the-loop | wall time |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for s in self.strategies:
                us = s.cycles_per_image * CLOCK_PERIOD_NS * 1e-3
                lines.append(f"| {s.name} | {s.num_sends} | {s.vmms_per_image} | {us:.1f} us "
                             f"| {s.energy_uj:.1f} uJ | {pct(s.acc_float)} "
                             f"| {pct(s.acc_deployed)} | {pct(s.acc_in_loop)} "
                             f"| {s.seconds:.1f} s |")
        if self.twin is not None:
            lines += ["", "Twin: " + ", ".join(f"{k} {v}" for k, v in self.twin.items()) + "."]
        if self.seconds:
            lines += ["", "Wall time: " + ", ".join(f"{k} {v:.1f} s"
                                                    for k, v in self.seconds.items()) + "."]
        if self.settings:
            lines += ["", "Settings: `" + json.dumps(self.settings, sort_keys=True) + "`"]
        return "\n".join(lines) + "\n"
