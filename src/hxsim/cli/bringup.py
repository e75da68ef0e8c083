"""Sub-commands of the bring-up tools: characterize, measure, compare, export-vectors,
replay-vectors, calibrate (docs/bringup.md). Exit codes: 0 success, 1 a check failed (compare,
replay-vectors), 2 bad input, an existing output without --force, or an unavailable device."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.bringup import (
    characterize as charz,
    compare as cmpmod,
    vectors as vec,
)
from hxsim.bringup.data import MeasuredData, base_metadata
from hxsim.calibration import (
    CalibrationSettings,
    CapMemCalibration,
    CapMemTargets,
    calibrate,
    calibrate_capmem,
)
from hxsim.checks import require_file
from hxsim.cli.common import (
    Run,
    UsageError,
    as_options,
    cadc_code,
    cadc_span,
    calibration_metadata,
    calibration_options,
    chip_instance,
    chip_options,
    chip_params,
    device_options,
    gain_value,
    given,
    load_calibration,
    nonneg,
    number,
    output_options,
    positive,
    positive_float,
    probability,
    progress_options,
    refuse_together,
    seed_metadata,
    seed_options,
    timing,
    timing_options,
    wants_progress,
)
from hxsim.device import close_device, execute_program, open_device
from hxsim.golden import TILE_COLS
from hxsim.outputs import Outputs
from hxsim.params import ChipParams
from hxsim.progress import start_device


def _random_vmm_args(p: argparse.ArgumentParser, vmms: int) -> None:
    g = p.add_argument_group("random VMMs")
    g.add_argument("--vmms", type=positive, default=vmms, metavar="N", help="input vectors")
    g.add_argument("--matrices", type=positive, default=1, metavar="M",
                   help="random weight matrices (VMM n uses matrix n %% M; 1..64)")
    g.add_argument("--density", type=probability, default=0.5, metavar="P",
                   help="probability that an input is non-zero (non-zero inputs are drawn "
                        "from 1..31)")
    g.add_argument("--weight-max", type=nonneg, default=63, metavar="W",
                   help="weights drawn from -W..W (0..63)")


#: Argument names of ``hxsim.bringup.vectors.random_vmms`` -> their options.
RANDOM_OPTIONS = {"count": "--vmms", "matrices": "--matrices", "density": "--density",
                  "weight_max": "--weight-max"}

#: export-vectors options that describe random VMMs or the timing, which --from takes from its
#: file.
EXPORT_RANDOM = ("vmms", "matrices", "density", "weight_max", "seed", "num_sends", "event_wait")


def _compare_params(args: argparse.Namespace, data: MeasuredData) -> tuple[ChipParams, str]:
    """The expected chip configuration: --params/--ideal when given, else the one recorded in
    the data file (metadata ``chip``), else the default ``ChipParams()``."""
    if args.params is not None or args.ideal:
        return chip_params(args), "--params" if args.params is not None else "--ideal"
    recorded = data.metadata.get("chip")
    if recorded is None:
        return chip_params(args), "the default ChipParams() (none recorded in the data file)"
    try:
        return ChipParams.from_dict(recorded), "the chip configuration recorded in the data file"
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"measured: {args.measured}: field 'metadata.chip': {exc}") from exc


def register(sub: argparse._SubParsersAction) -> None:
    chip_seeds = seed_options()
    p = sub.add_parser(
        "characterize", help="the published characterization: output vs weight",
        description=cmd_characterize.__doc__,
        parents=[device_options("cosim"), chip_seeds, chip_options(),
                 output_options(Path("out/characterize"),
                                "output directory (characterization.png/.npz/.csv/.json)"),
                 progress_options(), timing_options(), calibration_options()])
    p.add_argument("--repetitions", type=positive, default=charz.REPETITIONS, metavar="N",
                   help="repetitions of every input level")
    p.add_argument("--levels", default="0,3,7", metavar="L,L,..",
                   help="input levels (0..31), comma-separated")
    p.set_defaults(func=cmd_characterize)

    p = sub.add_parser(
        "measure", help="random VMMs on a chip instance -> measured-data file",
        description=cmd_measure.__doc__,
        parents=[device_options("cosim"), seed_options("stimulus (inputs and weights)"),
                 chip_options(),
                 output_options(Path("out/measured.npz"), "measured-data file (.npz or .csv)"),
                 progress_options(), timing_options(), calibration_options()])
    _random_vmm_args(p, 64)
    p.add_argument("--repetitions", type=positive, default=8, metavar="N",
                   help="repetitions of every VMM")
    p.set_defaults(func=cmd_measure)

    p = sub.add_parser(
        "compare", help="fit measured data, compare with the golden model and a chip "
        "configuration, write a report", description=cmd_compare.__doc__,
        parents=[chip_options(what="the expected chip configuration"),
                 output_options(Path("out/compare"), "report directory")])
    p.add_argument("measured", type=Path, help="measured-data file (.npz or .csv)")
    p.add_argument("--linear-limit", type=number, default=cmpmod.LINEAR_LIMIT, metavar="LSB",
                   help="fit only points with |mean y| up to this")
    g = p.add_argument_group("thresholds (only those given are checked; exit 1 beyond one)")
    for name, text in cmpmod.THRESHOLDS.items():
        g.add_argument(f"--{name.replace('_', '-')}", type=number, default=None, metavar="X",
                       help=f"{text} (default: not checked)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "export-vectors", help="stimulus + expected responses for replay",
        description=cmd_export.__doc__,
        parents=[seed_options("stimulus (without --from)", chip=False),
                 output_options(Path("out/vectors.jsonl"), "vector file (.jsonl)"),
                 timing_options()])
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="MEASURED",
                   help="take inputs, weights and timing from a measured-data file (default: "
                        "random VMMs)")
    _random_vmm_args(p, 8)
    p.add_argument("--gain", type=number, default=0.002,
                   help="gain of the expected responses (LSB per unit x*w per send)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "replay-vectors", help="replay a vector file and check the responses",
        description=cmd_replay.__doc__,
        parents=[device_options("regs", ("regs", "cosim"), "where the programs run"),
                 chip_seeds,
                 chip_options("the ideal chip: the vectors' expected responses are the golden "
                              "model's"),
                 progress_options()])
    p.add_argument("vectors", type=Path, help="vector file (.jsonl) from export-vectors")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser(
        "calibrate", help="calix-style calibration through a device",
        description=cmd_calibrate.__doc__,
        parents=[device_options("cosim"), chip_seeds, chip_options(),
                 output_options(Path("out/calibration.json"), "calibration file (JSON)"),
                 progress_options(),
                 calibration_options("the starting point: its CapMem cells are kept (or are "
                                     "the start of --targets); its DAC and column offsets are "
                                     "measured again")])
    p.add_argument("--driver-repetitions", type=positive, default=8, metavar="N",
                   help="repetitions of every driver measurement")
    p.add_argument("--offset-repetitions", type=positive, default=64, metavar="N",
                   help="zero-input VMMs of the column offset measurement")
    d = CapMemTargets()
    g = p.add_argument_group(
        "CapMem target calibration (calix-style successive approximation; --targets)")
    g.add_argument("--targets", action="store_true",
                   help="first calibrate the CapMem cells to the targets below through the "
                        "device (CADC ramp slope and offset per quadrant, synapse DAC bias per "
                        "quadrant, OTA bias per column, leak bias per column with "
                        "--target-drift), then the DAC and column offsets at the result (with "
                        "regs/cosim the cells are written over AXI)")
    g.add_argument("--target-baseline", type=cadc_code, default=d.baseline_code, metavar="CODE",
                   help=f"baseline CADC code per quadrant (tolerance +-{d.baseline_tol:g} codes)")
    g.add_argument("--target-range", type=cadc_span, default=d.range_codes, metavar="CODES",
                   help="full-scale (inputs 31, weights 63) minus baseline code per quadrant "
                        f"(tolerance +-{100 * d.range_tol:g} %%; baseline + range <= 255)")
    g.add_argument("--target-gain", type=gain_value, default=d.gain, metavar="G",
                   help="median column gain per quadrant, LSB per unit x*w per send "
                        f"(tolerance +-{100 * d.gain_tol:g} %%)")
    g.add_argument("--target-drift", type=positive_float, default=None, metavar="LSB_PER_US",
                   help="largest per-column drift rate; sets each column's leak bias (default: "
                        "the leak is not calibrated)")
    g.add_argument("--target-repetitions", type=positive, default=d.repetitions, metavar="N",
                   help="VMMs per measurement point of the target calibration (2..4096)")
    p.set_defaults(func=cmd_calibrate)


def cmd_characterize(args: argparse.Namespace) -> int:
    """The published characterization (SPEC.md section 5): column j < 127 holds weight j - 63 in
    all 128 rows; constant input vectors of every level; repetitions. Writes the plot, the data
    (.npz, .csv) and the fit (.json) under --out."""
    try:
        levels = [int(v) for v in str(args.levels).split(",")]
    except ValueError as exc:
        raise ValueError(f"--levels: expected comma-separated integers ({exc})") from exc
    t = timing(args)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {out} is a file, expected a directory")
    files = {k: out / f"characterization.{k}" for k in ("png", "npz", "csv", "json")}
    outs = Outputs(args.force, [args.params, args.calibration])
    for f in files.values():
        outs.add(f)
    outs.check()
    with as_options(levels="--levels"):
        charz.stimulus(levels)  # bad levels before the device starts
    chip = chip_instance(args)
    cal = load_calibration(args, chip)
    run = Run("characterize", args, chip, args.repetitions * len(levels), cal)
    print(f"hxsim characterize: device {run.inner.name}, fixed_seed {chip.fixed_seed}, "
          f"noise_seed {chip.noise_seed}, levels {levels}, {args.repetitions} repetitions")
    try:
        device = run.start()
        data = charz.run(device, t, args.repetitions, levels, None, seed_metadata(chip))
    finally:
        run_md = run.finish()
    data.metadata.update(run_md)
    data.metadata.update(calibration_metadata(args, cal))
    res = charz.analyze(data)
    with outs.commit() as temp:
        data.save(temp(files["npz"]), force=True)
        data.save(temp(files["csv"]), force=True)
        charz.plot(res, temp(files["png"]), f"Characterization ({run.inner.name}, fixed_seed "
                   f"{chip.fixed_seed})", force=True)
        summary = res.to_dict()
        summary["metadata"] = {**seed_metadata(chip), "device": args.device,
                               **calibration_metadata(args, cal)}  # as the NPZ/CSV record
        temp(files["json"]).write_text(json.dumps(summary, indent=1) + "\n")
    print(res.summary())
    print("wrote " + ", ".join(str(f) for f in files.values()))
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    """Random VMMs on a chip instance, saved in the measured-data format (docs/data-format.md):
    for compare, or as the template of a real chip's measurement."""
    out: Path = args.out
    outs = Outputs(args.force, [args.params, args.calibration])
    outs.add(out, (".npz", ".csv"))
    outs.check()
    t = timing(args)
    with as_options(**RANDOM_OPTIONS):
        x, w, idx = vec.random_vmms(args.vmms, args.seed, args.density, args.matrices,
                                    args.weight_max)
    chip = chip_instance(args)
    cal = load_calibration(args, chip)
    run = Run("measure", args, chip, x.shape[0] * args.repetitions, cal)
    print(f"hxsim measure: device {run.inner.name}, stimulus seed {args.seed}, fixed_seed "
          f"{chip.fixed_seed}, noise_seed {chip.noise_seed}")
    outputs = np.empty((x.shape[0], args.repetitions, TILE_COLS), dtype=np.int64)
    try:
        device = run.start()
        for r in range(args.repetitions):
            for m in range(w.shape[0]):
                sel = idx == m
                if sel.any():
                    outputs[sel, r] = device.run_vmms(x[sel], w[m], t).y
    finally:
        run.finish()
    md = base_metadata(t, "simulator", experiment="random", backend=run.inner.name,
                       seed=args.seed, gain_nominal=chip.params.gain, **seed_metadata(chip),
                       **calibration_metadata(args, cal))
    with outs.commit() as temp:
        MeasuredData(x, w, idx, outputs, md).save(temp(out), force=True)
    print(f"wrote {out} ({x.shape[0]} VMMs x {args.repetitions} repetitions)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Fits gain, noise and per-column gain and offset to measured data, compares them with the
    golden model and the expected values of a chip configuration, writes report.md (with plots)
    and compare.json under --out. Only the thresholds given are checked (at least one is
    required: a comparison that checks nothing is refused, exit 2); exit 1 when one is exceeded.
    The expected values come from --params/--ideal, else from the chip configuration recorded
    in the data file."""
    require_file(args.measured, "measured")
    thresholds = {k: getattr(args, k) for k in cmpmod.THRESHOLDS}
    if all(v is None for v in thresholds.values()):
        raise ValueError("no threshold given, nothing would be checked; give at least one of "
                         + ", ".join("--" + k.replace("_", "-") for k in cmpmod.THRESHOLDS))
    outs = cmpmod.report_outputs(args.out, args.force, [args.measured, args.params])
    outs.check()
    data = MeasuredData.load(args.measured)
    params, source = _compare_params(args, data)
    print(f"hxsim compare: expected values from {source}")
    cmp = cmpmod.compare(data, params, thresholds, args.linear_limit)
    report = cmpmod.write_report(cmp, data, args.out, str(args.measured), args.force, outs)
    print(cmp.fit.summary())
    for c in cmp.checks:
        state = "not checked" if c.threshold is None else ("pass" if c.passed else "FAIL")
        print(f"  {c.name:28s} measured {c.measured:10.5g}  expected {c.expected:10.5g}  "
              f"deviation {c.deviation:9.4g}  {state}")
    print(f"  golden model: rms {cmp.golden_rms:.3f} LSB, max {cmp.golden_max:.3f} LSB")
    print(f"wrote {report}")
    if not cmp.passed:
        failed = ", ".join(c.name for c in cmp.checks if not c.passed)
        print(f"hxsim compare: deviation beyond threshold: {failed}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Stimulus and expected responses (golden model, golden timing) as a vector file of
    register-level operations (docs/data-format.md section 4), from random VMMs or from a
    measured-data file (--from)."""
    refuse_together(args, "source", EXPORT_RANDOM,
                    f"--from takes inputs, weights and timing from {args.source}")
    outs = Outputs(args.force, [args.source])
    outs.add(args.out, vec.SUFFIXES)
    outs.check()
    if args.source is not None:
        data = MeasuredData.load(args.source)
        x, w, idx, t = data.inputs, data.weights, data.weight_index, data.timing
        origin: dict[str, Any] = {"from": str(args.source)}
    else:
        t = timing(args)
        with as_options(**RANDOM_OPTIONS):
            x, w, idx = vec.random_vmms(args.vmms, args.seed, args.density, args.matrices,
                                        args.weight_max)
        origin = {"seed": args.seed, "density": args.density, "matrices": args.matrices}
    with as_options(gain="--gain"):
        ops = vec.build(x, w, idx, t, args.gain, origin)
    with outs.commit() as temp:
        vec.save(ops, temp(args.out), force=True)
    writes = sum(1 for o in ops if o.get("op") == "axi_write")
    stores = sum(1 for o in ops if o.get("op") == "vstore")
    print(f"hxsim export-vectors: {x.shape[0]} VMMs, {w.shape[0]} weight matrices (each stored "
          f"once), {writes} register writes, {stores} other vector stores, seed "
          f"{origin.get('seed', '-')}; wrote {args.out}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Replays a vector file's register-level operations on --device and checks every response;
    exit 1 on a mismatch."""
    header, ops = vec.load(args.vectors)
    if not any(o.get("expect") is not None for o in ops):  # a replay that checks nothing
        raise ValueError(f"{args.vectors}: no operation has an expected value; nothing would "
                         "be checked")
    chip = chip_instance(args, default_ideal=True)
    device = open_device(args.device, chip, args.simulator)
    t0 = time.perf_counter()
    try:
        start_device(device, wants_progress(args), name=f"{args.device} ({args.simulator})")
        res = execute_program(device, ops)
    finally:
        stats = close_device(device)
    print(f"hxsim replay-vectors: wall time {time.perf_counter() - t0:.1f} s"
          + (f" ({stats})" if stats else ""))
    print(f"hxsim replay-vectors: {res.vmms} VMMs replayed on {args.device} "
          f"(chip fixed_seed {chip.fixed_seed}, noise_seed {chip.noise_seed}); "
          f"{len(res.mismatches)} mismatches")
    for m in res.mismatches[:10]:
        print("  " + m)
    return 1 if res.mismatches else 0


#: The target options of ``calibrate`` -> CapMemTargets fields.
TARGET_OPTIONS = {"target_baseline": "baseline_code", "target_range": "range_codes",
                  "target_gain": "gain", "target_drift": "drift_lsb_per_us",
                  "target_repetitions": "repetitions"}


def _targets(args: argparse.Namespace) -> CapMemTargets | None:
    """The CapMem targets of ``--targets`` (None without it); a target option without
    ``--targets`` is a ``UsageError``."""
    have = [k for k in TARGET_OPTIONS if k in given(args)]
    if not args.targets:
        if have:
            raise UsageError(f"--{have[0].replace('_', '-')} needs --targets (the target "
                             "calibration of the CapMem cells)")
        return None
    try:
        return CapMemTargets(**{f: getattr(args, k) for k, f in TARGET_OPTIONS.items()})
    except ValueError as exc:
        text = str(exc)
        for k, f in TARGET_OPTIONS.items():
            if text.startswith(f"CapMemTargets.{f}:"):
                raise UsageError("--" + k.replace("_", "-") + text[len(f"CapMemTargets.{f}"):]
                                 ) from exc
        raise


def cmd_calibrate(args: argparse.Namespace) -> int:
    """calix-style calibration through --device (with cosim/regs every register is written over
    AXI and the vector port): with --targets first the CapMem cells to target values (CADC range
    and baseline, gain, equal column gains, optionally drift; successive approximation as
    calix), then the DAC offsets and the column offsets at those cells. Prints the spread of
    every quantity before and after and the VMMs spent, and saves the result (calibration file
    version 2 with the CapMem cells and the report; CalibrationResult.load; any command's
    --calibration applies it)."""
    targets = _targets(args)
    outs = Outputs(args.force, [args.params, args.calibration])
    outs.add(args.out, (".json",))
    outs.check()
    settings = CalibrationSettings(driver_repetitions=args.driver_repetitions,
                                   offset_repetitions=args.offset_repetitions)
    chip = chip_instance(args)
    start = load_calibration(args, chip)
    start_cells = start.capmem if start is not None else None
    total = settings.num_vmms + (targets.num_vmms if targets is not None else 0)
    run = Run("calibrate", args, chip, total)
    print(f"hxsim calibrate: device {run.inner.name}, fixed_seed {chip.fixed_seed}, "
          f"noise_seed {chip.noise_seed}"
          + (f", starting point {args.calibration}" if start is not None else "")
          + (", CapMem targets" if targets is not None else ""))
    cm: CapMemCalibration | None = None
    try:
        device = run.start()
        cells = start_cells
        if targets is not None:
            cm = calibrate_capmem(device, targets, None, start_cells)
            cells = cm.capmem
        res = calibrate(device, settings, capmem=cells)
    finally:
        run.finish()
    if cm is not None:
        res.capmem_report = {"num_vmms": cm.num_vmms, "targets": {
            f: getattr(targets, f) for f in TARGET_OPTIONS.values()}, "quantities": cm.report}
    data = res.to_dict()
    capmem_vmms = cm.num_vmms if cm is not None else 0
    data["vmms"] = {"capmem_targets": capmem_vmms, "offsets": res.num_vmms,
                    "total": capmem_vmms + res.num_vmms}
    data["chip"] = {"fixed_seed": chip.fixed_seed, "noise_seed": chip.noise_seed,
                    "backend": run.inner.name}
    data["starting_point"] = str(args.calibration) if start is not None else None
    with outs.commit() as temp:
        temp(args.out).write_text(json.dumps(data, indent=1) + "\n")
    if cm is not None:
        print(cm.summary())
    print(res.summary())
    print(f"VMMs spent: {capmem_vmms} (CapMem targets) + {res.num_vmms} (offsets) = "
          f"{capmem_vmms + res.num_vmms}")
    print(f"wrote {args.out}")
    return 0
