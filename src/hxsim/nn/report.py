"""The accuracy / cost report of a training run: accuracies on the same test data, tile VMMs per
image, chip time per image from the cycle-exact timing, and energy estimates from SPEC.md's
figures (0.3 W per chip; 12 mJ per classified image as published for the whole system)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hxsim.golden import TILE_COLS, TILE_ROWS, vmm_total_cycles
from hxsim.nn.network import Network
from hxsim.outputs import write_text_atomic
from hxsim.timing import CLOCK_PERIOD_NS

#: SPEC.md section 5: power of one chip (W) and the published energy per classified image (J).
CHIP_POWER_W = 0.3
PUBLISHED_ENERGY_PER_IMAGE_J = 12e-3


def cycles_per_example(net: Network, layer_rows: list[npt.NDArray[np.generic]],
                       batch: int) -> list[float]:
    """Mean ``CYCLES_LAST`` summed over each layer's tile VMMs, per example, for the VMM input
    rows a forward pass produced (``Cache.rows``): zero inputs send no event, so the time depends
    on the data."""
    out = []
    for layer, rows in zip(net.layers, layer_rows, strict=True):
        x = np.asarray(rows, dtype=np.int64)
        t = layer.timing(net.event_wait)
        col_tiles = math.ceil(layer.w.shape[1] / TILE_COLS)
        total = 0
        for r0 in range(0, x.shape[1], TILE_ROWS):
            xt = np.zeros((x.shape[0], TILE_ROWS), dtype=np.int64)
            part = x[:, r0:r0 + TILE_ROWS]
            xt[:, :part.shape[1]] = part
            total += int(vmm_total_cycles(t, xt).sum()) * col_tiles
        out.append(total / batch)
    return out


@dataclass
class Report:
    """Numbers of one run (accuracies are fractions on ``test_examples`` test images)."""

    dataset: str
    train_examples: int
    test_examples: int
    seeds: dict[str, int]
    acc_float: float
    acc_chip_in_loop: float | None = None
    acc_float_deployed_chip: float | None = None
    acc_float_deployed_ideal: float | None = None
    acc_in_loop_weights_float: float | None = None
    vmms_per_image: int = 0
    chip_cycles_per_image: list[float] = field(default_factory=list)
    num_sends: list[int] = field(default_factory=list)
    event_wait: int = 2
    train_seconds: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def chip_seconds_per_image(self) -> float:
        return sum(self.chip_cycles_per_image) * CLOCK_PERIOD_NS * 1e-9

    @property
    def energy_per_image_j(self) -> float:
        """0.3 W times the chip's VMM time per image (analog core only; excludes host, I/O and
        the weight reloads between tiles, which a batch amortizes)."""
        return CHIP_POWER_W * self.chip_seconds_per_image

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chip_seconds_per_image"] = self.chip_seconds_per_image
        d["energy_per_image_j"] = self.energy_per_image_j
        d["published_energy_per_image_j"] = PUBLISHED_ENERGY_PER_IMAGE_J
        return d

    def markdown(self) -> str:
        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{100 * v:.2f} %"

        lines = [
            f"# hxsim nn report: {self.dataset}",
            "",
            f"Train examples {self.train_examples}, test examples {self.test_examples}. "
            "Seeds: " + ", ".join(f"{k}={v}" for k, v in self.seeds.items()) + ".",
            "",
            "| network / where it runs | test accuracy |",
            "|---|---|",
            f"| float software (linear model, float activations) | {pct(self.acc_float)} |",
            f"| chip-in-the-loop trained, on the chip | {pct(self.acc_chip_in_loop)} |",
            f"| float-trained, deployed on the chip | {pct(self.acc_float_deployed_chip)} |",
            f"| float-trained, deployed on the ideal chip (quantization only) "
            f"| {pct(self.acc_float_deployed_ideal)} |",
            f"| chip-in-the-loop weights, run in float | {pct(self.acc_in_loop_weights_float)} |",
            "",
        ]
        if self.acc_chip_in_loop is not None:
            gap = 100 * (self.acc_float - self.acc_chip_in_loop)
            lines.append(f"Gap float software - chip-in-the-loop: {gap:+.2f} pp "
                         f"({'within' if gap <= 1.0 else 'NOT within'} 1 pp).")
        if self.acc_float_deployed_chip is not None:
            dep = 100 * (self.acc_float - self.acc_float_deployed_chip)
            lines.append(f"Gap float software - float-trained deployed: {dep:+.2f} pp "
                         "(what in-the-loop training closes).")
        us = self.chip_seconds_per_image * 1e6
        lines += [
            "",
            f"Tile VMMs per image: {self.vmms_per_image} (num_sends per layer "
            f"{self.num_sends}, event_wait {self.event_wait} cycles).",
            "Chip time per image (sum of the cycle-exact VMM durations, measured on the test "
            f"inputs): {us:.1f} us; per layer "
            + ", ".join(f"{c * CLOCK_PERIOD_NS * 1e-3:.1f} us" for c in self.chip_cycles_per_image)
            + ".",
            f"Energy per image, analog core: {CHIP_POWER_W} W x {us:.1f} us = "
            f"{1e6 * self.energy_per_image_j:.1f} uJ (excludes host, I/O, weight reloads).",
            f"Published whole-system figure (SPEC.md section 5, unverified [NF]): "
            f"{1e3 * PUBLISHED_ENERGY_PER_IMAGE_J:.0f} mJ per image.",
        ]
        if self.train_seconds:
            lines += ["", "Wall time: " + ", ".join(f"{k} {v:.1f} s"
                                                    for k, v in self.train_seconds.items()) + "."]
        if self.settings:
            lines += ["", "Settings: `" + json.dumps(self.settings, sort_keys=True) + "`"]
        return "\n".join(lines) + "\n"

    def save(self, directory: str | Path) -> tuple[Path, Path]:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        md, js = d / "report.md", d / "report.json"
        write_text_atomic(md, self.markdown())
        write_text_atomic(js, self.to_json())
        return md, js

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
