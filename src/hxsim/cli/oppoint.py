"""Sub-command ``hxsim sweep``: the analog operating point swept cell by cell (issue 14)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hxsim.calibration import CalibrationResult
from hxsim.checks import require_file
from hxsim.cli.common import (
    Run,
    chip_instance,
    chip_options,
    device_options,
    output_options,
    progress_options,
    seed_metadata,
    seed_options,
    timing,
    timing_options,
)
from hxsim.outputs import Outputs
from hxsim.sweep import QUANTITIES, MeasureSettings, SweepSpec, plot_sweep, sweep


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="sweep CapMem cells: gain, noise, offsets, saturation, INL per setting",
        description=cmd_sweep.__doc__,
        parents=[device_options("model"), seed_options("random matrices of the measurement"),
                 chip_options(),
                 output_options(Path("out/sweep"), "output directory (sweep.json, PNGs)"),
                 progress_options(), timing_options()])
    p.add_argument("specs", nargs="+", metavar="PARAM=start:stop:steps",
                   help="a CapMem cell and its integer settings (e.g. syn_i_bias_dac=200:1000:5)")
    p.add_argument("--calibration", type=Path, default=None, metavar="FILE",
                   help="calibration file (hxsim calibrate): its CapMem cells are the base "
                        "point, its DAC and column offsets apply (default: CapMem defaults, "
                        "no trims)")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Sweep each PARAM alone from the base point and measure, per setting, gain, noise, offset
    spread, saturation point, integral non-linearity, drift and the CADC codes with a fixed
    measurement (the characterization matrix, weights-8 and random matrices; hxsim.sweep).
    Writes sweep.json, one PNG per quantity and sweep_tradeoff.png under --out."""
    specs = [SweepSpec.parse(s) for s in args.specs]
    base = dac = off = None
    if args.calibration is not None:
        require_file(args.calibration, "--calibration")
        cal = CalibrationResult.load(args.calibration)
        base, dac, off = cal.capmem, cal.dac_offsets, cal.column_offsets
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {out} is a file, expected a directory")
    outs = Outputs(args.force, [p for p in (args.params, args.calibration) if p is not None])
    files = [out / "sweep.json"] + [out / f"sweep_{q}.png" for q in QUANTITIES] + [
        out / "sweep_tradeoff.png"]
    for f in files:
        outs.add(f)
    outs.check()
    settings = MeasureSettings(seed=args.seed)
    chip = chip_instance(args)
    total = settings.num_vmms * (1 + sum(len(s.values) for s in specs))
    run = Run("sweep", args, chip, total)
    print(f"hxsim sweep: device {run.inner.name}, fixed_seed {chip.fixed_seed}, noise_seed "
          f"{chip.noise_seed}, seed {args.seed}, {len(specs)} parameter(s)")
    try:
        data = sweep(run.start(), specs, base, settings, timing(args), dac, off)
    finally:
        run_md = run.finish()
    data["metadata"] = {**seed_metadata(chip), **run_md, "seed": args.seed,
                        "units": QUANTITIES, "calibration": str(args.calibration or ""),
                        "timing": timing(args).to_dict(), "vmms_per_setting": settings.num_vmms}
    out.mkdir(parents=True, exist_ok=True)
    with outs.commit() as temp:
        temp(files[0]).write_text(json.dumps(data, indent=1) + "\n")
    plot_sweep(data, out, force=True)
    b = data["base"]
    print("base point: " + ", ".join(f"{k} {v:.4g}" for k, v in b.items()))
    print(f"wrote {out}/sweep.json and {len(QUANTITIES) + 1} PNGs")
    return 0
