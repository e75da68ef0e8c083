"""Network accuracy across analog operating points (issue 14, docs/operating-point.md "Network
accuracy"): `make nn-oppoint`.

For each operating point (CapMem cells, ``POINTS``) the chip instance (``--fixed-seed``) is
calibrated at that point on the model (``hxsim.calibration.calibrate``: DAC and column offsets at
the point's cells; the ``targets`` point first calibrates its cells to the default targets with
``calibrate_capmem``, as ``hxsim calibrate --targets`` does), the result is written as a
calibration file, and ``hxsim train --calibration FILE`` trains hxtorch's MNIST network in float
and with the chip in the loop on it (the chip's measured gain sets num_sends and the backward
pass, as in hxtorch). Prints and writes a table (``table.md``, ``table.json``) of the measured
gain and noise, num_sends, float / float-deployed / chip-in-the-loop accuracy and wall time per
point (chip time and analog-core energy per image of the float-trained network on the chip,
``hxsim.nn.report``); every point's run is kept under ``--out/<point>`` (report, checkpoints,
calibration).

    python bench/nn_oppoint.py --train-limit 20000 --test-limit 10000 --float-epochs 3 \\
        --chip-epochs 1 --out out/nn-oppoint
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.calibration import CapMemTargets, calibrate, calibrate_capmem
from hxsim.capmem import DEFAULTS, CapMemConfig
from hxsim.cli import main as hxsim_main
from hxsim.cli.common import HxParser, nonneg, positive
from hxsim.device import ModelDevice
from hxsim.nn.data import DEFAULT_DATA_DIR
from hxsim.outputs import write_text_atomic
from hxsim.params import ChipParams
from hxsim.timing import CLOCK_PERIOD_NS


@dataclass(frozen=True)
class Point:
    """An operating point: CapMem cells moved from their defaults (``hxsim.capmem.DEFAULTS``),
    or the target calibration (``targets``)."""

    name: str
    what: str
    cells: dict[str, int] = field(default_factory=dict)
    targets: bool = False


#: The study's operating points (cell effects: docs/operating-point.md, the sweep table).
POINTS = (
    Point("default", "every cell at its reset value"),
    Point("low-gain", "syn_i_bias_dac 400 (synaptic current per weight step halved)",
          {"syn_i_bias_dac": 400}),
    Point("high-leak", "i_bias_leak 600 (less drift, less gain, more noise)",
          {"i_bias_leak": 600}),
    Point("low-ota", "i_bias_synin_gm 150 (narrow OTA linear range: early saturation)",
          {"i_bias_synin_gm": 150}),
    Point("targets", "cells calibrated to the default targets (hxsim calibrate --targets)",
          targets=True),
)


def calibration_file(point: Point, inst: ChipInstance, path: Path) -> dict[str, Any]:
    """Calibrate ``inst`` at ``point`` on the model and write the calibration file ``path``
    (the format of ``hxsim calibrate``, with the chip's seeds). Returns every cell's median over
    the columns."""
    dev = ModelDevice(inst)
    if point.targets:
        cells = calibrate_capmem(dev, CapMemTargets()).capmem
    else:
        cells = CapMemConfig.default().with_(**point.cells)
    res = calibrate(dev, capmem=cells)
    data = res.to_dict()
    data["chip"] = {"fixed_seed": inst.fixed_seed, "noise_seed": inst.noise_seed,
                    "backend": dev.name}
    data["vmms"] = {"total": dev.vmms}
    write_text_atomic(path, json.dumps(data, indent=1) + "\n")
    return {k: int(np.median(cells.per_column(k))) for k in DEFAULTS}


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    names = args.points.split(",") if args.points else [p.name for p in POINTS]
    known = {p.name: p for p in POINTS}
    bad = [n for n in names if n not in known]
    if bad:
        print(f"nn_oppoint: error: --points: unknown point {bad[0]!r} (allowed: "
              f"{', '.join(known)})", file=sys.stderr)
        return 2
    if (out / "table.json").exists() and not args.force:
        print(f"nn_oppoint: error: {out / 'table.json'}: exists; use --force", file=sys.stderr)
        return 2
    print(f"seeds: seed={args.seed} fixed_seed={args.fixed_seed} noise_seed={args.noise_seed}; "
          f"data {args.data}, train limit {args.train_limit}, test limit {args.test_limit}, "
          f"{args.float_epochs} float + {args.chip_epochs} chip epochs", flush=True)
    rows: list[dict[str, Any]] = []
    for name in names:
        p = known[name]
        t0 = time.perf_counter()
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        cal = d / "calibration.json"
        inst = ChipInstance(ChipParams(), args.fixed_seed, args.noise_seed)
        cells = calibration_file(p, inst, cal)
        cmd = ["train", "--data", str(args.data), "--out", str(d / "run"), "--force",
               "--seed", str(args.seed), "--fixed-seed", str(args.fixed_seed),
               "--noise-seed", str(args.noise_seed), "--calibration", str(cal),
               "--float-epochs", str(args.float_epochs), "--chip-epochs", str(args.chip_epochs),
               "--no-progress"]
        if args.train_limit:
            cmd += ["--train-limit", str(args.train_limit)]
        if args.test_limit:
            cmd += ["--test-limit", str(args.test_limit)]
        print(f"== {name}: {p.what}\n   hxsim {' '.join(cmd)}", flush=True)
        rc = hxsim_main(cmd)
        if rc != 0:
            print(f"nn_oppoint: hxsim train failed for {name} (exit {rc})", file=sys.stderr)
            return rc
        rep = json.loads((d / "run" / "report.json").read_text())
        chip = rep["chip"]
        rows.append({"point": name, "what": p.what, "cells": cells,
                     "gain": chip["gain"], "noise_std": chip["noise_std"],
                     "num_sends": rep["settings"]["num_sends"],
                     "acc_float": rep["acc_float"],
                     "acc_float_deployed": rep["acc_float_deployed_chip"],
                     "acc_chip_in_loop": rep.get("acc_chip_in_loop"),
                     "chip_us_per_image": rep["cycles_per_image"] * CLOCK_PERIOD_NS * 1e-3,
                     "energy_uj_per_image": rep["energy_uj_per_image"],
                     "seconds": round(time.perf_counter() - t0, 1)})
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.2f}"

    lines = ["| point | setting | measured gain | noise [LSB] | num_sends | chip time/image | "
             "energy/image | float % | float-deployed % | chip-in-the-loop % | wall [s] |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['point']} | {r['what']} | {r['gain']:.5f} | {r['noise_std']:.2f} | "
                     f"{r['num_sends']} | {r['chip_us_per_image']:.0f} us | "
                     f"{r['energy_uj_per_image']:.0f} uJ | "
                     f"{pct(r['acc_float'])} | {pct(r['acc_float_deployed'])} | "
                     f"{pct(r['acc_chip_in_loop'])} | {r['seconds']:.0f} |")
    table = "\n".join(lines) + "\n"
    settings = {k: getattr(args, k) for k in ("seed", "fixed_seed", "noise_seed", "train_limit",
                                               "test_limit", "float_epochs", "chip_epochs")}
    write_text_atomic(out / "table.json", json.dumps(
        {"settings": {**settings, "data": str(args.data)}, "rows": rows}, indent=1) + "\n")
    write_text_atomic(out / "table.md", table)
    print()
    print(table)
    print(f"wrote {out / 'table.md'}, {out / 'table.json'}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = HxParser(prog="nn_oppoint", description=__doc__)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                   help="directory with MNIST-format IDX files (default: %(default)s)")
    p.add_argument("--train-limit", type=positive, default=None, metavar="N",
                   help="first N training images (default: all)")
    p.add_argument("--test-limit", type=positive, default=None, metavar="N",
                   help="first N test images (default: all)")
    p.add_argument("--float-epochs", type=nonneg, default=3, metavar="N",
                   help="float epochs per point")
    p.add_argument("--chip-epochs", type=nonneg, default=1, metavar="N",
                   help="chip-in-the-loop epochs per point")
    p.add_argument("--seed", type=nonneg, default=1, metavar="N", help="training seed")
    p.add_argument("--fixed-seed", type=nonneg, default=3, metavar="N",
                   help="the chip instance's fixed pattern")
    p.add_argument("--noise-seed", type=nonneg, default=4, metavar="N",
                   help="the chip's trial noise (training; evaluation N + 1)")
    p.add_argument("--points", default=None, metavar="NAMES",
                   help="comma-separated subset of " + ",".join(q.name for q in POINTS)
                        + " (default: all)")
    p.add_argument("--out", type=Path, default=Path("out/nn-oppoint"), metavar="DIR",
                   help="output directory")
    p.add_argument("--force", action="store_true", help="replace an earlier table")
    return p


if __name__ == "__main__":
    sys.exit(run(parser().parse_args()))
