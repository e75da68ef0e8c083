"""Sub-commands of the bring-up tools: characterize, measure, compare, export-vectors,
replay-vectors, calibrate (docs/bringup.md). Exit codes: 0 success, 1 a check failed (compare,
replay-vectors), 2 bad input or an unavailable backend."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.calibration import CalibrationSettings, calibrate
from hxsim.device import DeviceUnavailable, close_device, execute_program, open_device
from hxsim.golden import TILE_COLS
from hxsim.params import ChipParams
from hxsim.timing import Timing

from . import characterize as charz, compare as cmpmod, vectors as vec
from .data import MeasuredData, base_metadata, check_writable
from .progress import ProgressBar, progress_wanted

Handler = Callable[[argparse.Namespace], int]


def _chip_args(p: argparse.ArgumentParser, backend: bool = True, default_ideal: bool = False
               ) -> None:
    if backend:
        p.add_argument("--fast", action="store_true",
                       help="model alone (same as --backend model)")
        p.add_argument("--backend", choices=("cosim", "model", "regs"), default="cosim",
                       help="cosim: RTL co-simulation (default); model: the model's fast path; "
                            "regs: register-level programs on the model")
        p.add_argument("--simulator", default="verilator", help="HDL simulator for cosim")
    p.add_argument("--params", type=Path, default=None,
                   help="ChipParams JSON (default: " + ("ideal chip" if default_ideal else
                                                         "all effects on, SPEC defaults") + ")")
    p.add_argument("--fixed-seed", type=int, default=1, help="chip instance (fixed pattern) seed")
    p.add_argument("--noise-seed", type=int, default=2, help="trial-noise seed")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--progress", action="store_true",
                   help="draw a progress bar on stderr even when it is not a terminal")


def _chip(args: argparse.Namespace, default_ideal: bool = False) -> ChipInstance:
    if args.params is not None:
        if not args.params.is_file():
            raise FileNotFoundError(f"--params: {args.params}: no such file")
        params = ChipParams.load(args.params)
    else:
        params = ChipParams.ideal() if default_ideal else ChipParams()
    for name in ("fixed_seed", "noise_seed"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')}: expected a non-negative integer")
    return ChipInstance(params, args.fixed_seed, args.noise_seed)


def _kind(args: argparse.Namespace) -> str:
    return "model" if args.fast else str(args.backend)


def _seed_md(args: argparse.Namespace, chip: ChipInstance) -> dict[str, Any]:
    return {"fixed_seed": chip.fixed_seed, "noise_seed": chip.noise_seed,
            "chip": chip.params.to_dict()}


def _handles_backend(fn: Handler) -> Handler:
    @functools.wraps(fn)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except DeviceUnavailable as exc:
            print(f"hxsim {args.command}: error: {exc}", file=sys.stderr)
            return 2
    return wrapped


def _finish(command: str, backend: Any, t0: float) -> dict[str, Any]:
    """Close the backend (ends a co-simulation run) and print the wall time and its statistics;
    returns them for the output's metadata."""
    stats = close_device(backend)
    wall = time.perf_counter() - t0
    print(f"hxsim {command}: wall time {wall:.1f} s on backend "
          f"{backend.name}" + (f" ({stats})" if stats else ""))
    return {"wall_time_s": round(wall, 2), **({"backend_stats": stats} if stats else {})}


def _timing(args: argparse.Namespace) -> Timing:
    return Timing(num_sends=args.num_sends, event_wait=args.event_wait)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("characterize", help="published characterization: output vs weight")
    _chip_args(p)
    p.add_argument("--out", type=Path, default=Path("out/characterize"),
                   help="output directory (default out/characterize)")
    p.add_argument("--repetitions", type=int, default=charz.REPETITIONS)
    p.add_argument("--levels", default="0,3,7", help="input levels (default 0,3,7)")
    p.add_argument("--num-sends", type=int, default=1)
    p.add_argument("--event-wait", type=int, default=5)
    p.set_defaults(func=cmd_characterize)

    p = sub.add_parser("measure", help="random VMMs on a chip instance -> measured-data file")
    _chip_args(p)
    p.add_argument("output", type=Path, help="output file (.npz or .csv)")
    p.add_argument("--vmms", type=int, default=64, help="input vectors (default 64)")
    p.add_argument("--repetitions", type=int, default=8)
    p.add_argument("--matrices", type=int, default=1)
    p.add_argument("--density", type=float, default=0.5)
    p.add_argument("--weight-max", type=int, default=63)
    p.add_argument("--seed", type=int, default=2026, help="stimulus seed")
    p.add_argument("--num-sends", type=int, default=1)
    p.add_argument("--event-wait", type=int, default=5)
    p.set_defaults(func=cmd_measure)

    p = sub.add_parser("compare", help="fit measured data, compare with golden model and a "
                       "chip configuration, write a report")
    p.add_argument("measured", type=Path, help="measured-data file (.npz or .csv)")
    p.add_argument("--params", type=Path, default=None,
                   help="ChipParams JSON of the expected configuration (default: SPEC defaults)")
    p.add_argument("--out", type=Path, default=Path("out/compare"), help="report directory")
    p.add_argument("--linear-limit", type=float, default=cmpmod.LINEAR_LIMIT)
    for name, text in cmpmod.THRESHOLDS.items():
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=None, help=text)
    p.add_argument("--force", action="store_true", help="overwrite existing report files")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("export-vectors", help="stimulus + expected responses for replay")
    p.add_argument("output", type=Path, help="vector file (.jsonl)")
    p.add_argument("--from", dest="source", type=Path, default=None,
                   help="take inputs/weights/timing from a measured-data file")
    p.add_argument("--vmms", type=int, default=8, help="random VMMs (without --from)")
    p.add_argument("--matrices", type=int, default=1)
    p.add_argument("--density", type=float, default=0.5)
    p.add_argument("--weight-max", type=int, default=63)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--gain", type=float, default=0.002)
    p.add_argument("--num-sends", type=int, default=1)
    p.add_argument("--event-wait", type=int, default=5)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("replay-vectors", help="replay a vector file and check the responses")
    p.add_argument("vectors", type=Path)
    p.add_argument("--backend", choices=("regs", "cosim"), default="regs",
                   help="regs: model register target (default); cosim: RTL co-simulation")
    p.add_argument("--simulator", default="verilator")
    _chip_args(p, backend=False, default_ideal=True)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("calibrate", help="calix-style calibration through a backend")
    _chip_args(p)
    p.add_argument("--out", type=Path, default=Path("out/calibration.json"))
    p.add_argument("--driver-repetitions", type=int, default=8)
    p.add_argument("--offset-repetitions", type=int, default=64)
    p.set_defaults(func=cmd_calibrate)


@_handles_backend
def cmd_characterize(args: argparse.Namespace) -> int:
    try:
        levels = [int(v) for v in str(args.levels).split(",")]
    except ValueError as exc:
        raise ValueError(f"--levels: expected comma-separated integers ({exc})") from exc
    if args.repetitions < 1:
        raise ValueError("--repetitions: expected a positive integer")
    timing = _timing(args)
    out: Path = args.out
    files = {k: out / f"characterization.{k}" for k in ("png", "npz", "csv", "json")}
    for f in files.values():
        check_writable(f, args.force)
    chip = _chip(args)
    t0 = time.perf_counter()
    backend = open_device(_kind(args), chip, args.simulator)
    print(f"hxsim characterize: backend {backend.name}, fixed_seed {chip.fixed_seed}, "
          f"noise_seed {chip.noise_seed}, levels {levels}, {args.repetitions} repetitions")
    bar = ProgressBar("characterize", args.repetitions, progress_wanted(args.progress))
    run_md: dict[str, Any] = {}
    try:
        data = charz.run(backend, timing, args.repetitions, levels, bar, _seed_md(args, chip))
    finally:
        bar.close()
        run_md = _finish("characterize", backend, t0)
    data.metadata.update(run_md)
    res = charz.analyze(data)
    data.save(files["npz"], args.force)
    data.save(files["csv"], args.force)
    charz.plot(res, files["png"], f"Characterization ({backend.name}, fixed_seed "
               f"{chip.fixed_seed})", args.force)
    files["json"].write_text(json.dumps(res.to_dict(), indent=1) + "\n")
    print(res.summary())
    print("wrote " + ", ".join(str(f) for f in files.values()))
    return 0


@_handles_backend
def cmd_measure(args: argparse.Namespace) -> int:
    check_writable(args.output, args.force)
    if args.output.suffix.lower() not in (".npz", ".csv"):
        raise ValueError(f"output: {args.output}: use a .npz or .csv file")
    if args.repetitions < 1:
        raise ValueError("--repetitions: expected a positive integer")
    timing = _timing(args)
    x, w, idx = vec.random_vmms(args.vmms, args.seed, args.density, args.matrices,
                                args.weight_max)
    chip = _chip(args)
    t0 = time.perf_counter()
    backend = open_device(_kind(args), chip, args.simulator)
    print(f"hxsim measure: backend {backend.name}, stimulus seed {args.seed}, fixed_seed "
          f"{chip.fixed_seed}, noise_seed {chip.noise_seed}")
    out = np.empty((x.shape[0], args.repetitions, TILE_COLS), dtype=np.int64)
    bar = ProgressBar("measure", args.repetitions, progress_wanted(args.progress))
    try:
        for r in range(args.repetitions):
            for m in range(w.shape[0]):
                sel = idx == m
                if sel.any():
                    out[sel, r] = backend.run_vmms(x[sel], w[m], timing).y
            bar(r + 1)
    finally:
        bar.close()
        _finish("measure", backend, t0)
    md = base_metadata(timing, "simulator", experiment="random", backend=backend.name,
                       seed=args.seed, gain_nominal=chip.params.gain, **_seed_md(args, chip))
    MeasuredData(x, w, idx, out, md).save(args.output, args.force)
    print(f"wrote {args.output} ({x.shape[0]} VMMs x {args.repetitions} repetitions)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if not args.measured.is_file():
        raise FileNotFoundError(f"measured: {args.measured}: no such file")
    data = MeasuredData.load(args.measured)
    if args.params is not None:
        if not args.params.is_file():
            raise FileNotFoundError(f"--params: {args.params}: no such file")
        params = ChipParams.load(args.params)
    else:
        params = ChipParams()
    thresholds = {k: getattr(args, k) for k in cmpmod.THRESHOLDS}
    cmp = cmpmod.compare(data, params, thresholds, args.linear_limit)
    report = cmpmod.write_report(cmp, data, args.out, str(args.measured), args.force)
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
    check_writable(args.output, args.force)
    if args.source is not None:
        data = MeasuredData.load(args.source)
        x, w, idx, timing = data.inputs, data.weights, data.weight_index, data.timing
        origin: dict[str, Any] = {"from": str(args.source)}
    else:
        timing = _timing(args)
        x, w, idx = vec.random_vmms(args.vmms, args.seed, args.density, args.matrices,
                                    args.weight_max)
        origin = {"seed": args.seed, "density": args.density, "matrices": args.matrices}
    ops = vec.build(x, w, idx, timing, args.gain, origin)
    vec.save(ops, args.output, args.force)
    writes = sum(1 for o in ops if o.get("op") == "axi_write")
    stores = sum(1 for o in ops if o.get("op") == "vstore")
    print(f"hxsim export-vectors: {x.shape[0]} VMMs, {writes} register writes, {stores} vector "
          f"stores, seed {origin.get('seed', '-')}; wrote {args.output}")
    return 0


@_handles_backend
def cmd_replay(args: argparse.Namespace) -> int:
    header, ops = vec.load(args.vectors)
    chip = _chip(args, default_ideal=True)
    device = open_device(args.backend, chip, args.simulator)
    t0 = time.perf_counter()
    try:
        res = execute_program(device, ops)
    finally:
        stats = close_device(device)
    print(f"hxsim replay-vectors: wall time {time.perf_counter() - t0:.1f} s"
          + (f" ({stats})" if stats else ""))
    print(f"hxsim replay-vectors: {res.vmms} VMMs replayed on {args.backend} "
          f"(chip fixed_seed {chip.fixed_seed}, noise_seed {chip.noise_seed}); "
          f"{len(res.mismatches)} mismatches")
    for m in res.mismatches[:10]:
        print("  " + m)
    return 1 if res.mismatches else 0


@_handles_backend
def cmd_calibrate(args: argparse.Namespace) -> int:
    check_writable(args.out, args.force)
    settings = CalibrationSettings(driver_repetitions=args.driver_repetitions,
                                   offset_repetitions=args.offset_repetitions)
    chip = _chip(args)
    t0 = time.perf_counter()
    backend = open_device(_kind(args), chip, args.simulator)
    print(f"hxsim calibrate: backend {backend.name}, fixed_seed {chip.fixed_seed}, "
          f"noise_seed {chip.noise_seed}")
    bar = ProgressBar("calibrate", 7, progress_wanted(args.progress))
    try:
        res = calibrate(backend, settings, progress=bar)
    finally:
        bar.close()
        _finish("calibrate", backend, t0)
    res.save(args.out)
    data = json.loads(args.out.read_text())
    data["chip"] = {"fixed_seed": chip.fixed_seed, "noise_seed": chip.noise_seed,
                    "backend": backend.name}
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(res.summary())
    print(f"wrote {args.out}")
    return 0
