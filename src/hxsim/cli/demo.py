"""``hxsim demo``: the main job in one command (``make demo``).

Runs VMMs on a simulated hemisphere and prints them next to the golden reference: an ideal chip
(equal bit for bit), a chip with noise and fixed pattern, and the cycle-exact timing of the VMM.
Then a few VMMs run on ``--device`` (default ``cosim``: the RTL co-simulation, hx_top in tb_top,
register-level programs over AXI4-Lite and the vector port, the analog array computed by the
Python bridge): on the ideal chip they must equal the golden values bit for bit and
``CYCLES_LAST`` the golden timing, on the noisy chip the fast path of a chip instance with the
same seeds. ``--device regs`` runs the same programs on the register-level model of hx_top;
``--device model`` runs the model alone (no device section). ``--calibration FILE`` runs the
noisy chip (fast path and device) with the file's DAC offsets, column offsets and CapMem cells
(the ideal chip needs no calibration and runs without).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.calibration import CalibratedDevice, CalibrationResult
from hxsim.cli.common import (
    calibration_options,
    device_options,
    load_calibration,
    positive,
    progress_options,
    seed_options,
    wants_progress,
)
from hxsim.device import ModelDevice, VmmDevice, close_device, open_device
from hxsim.golden import ideal_vmm, vmm_timing
from hxsim.params import ChipParams
from hxsim.progress import CHUNK, ProgressDevice, bar, start_device
from hxsim.timing import CLOCK_PERIOD_NS, Timing

#: Device section titles.
TITLE = {"cosim": "Co-simulation", "regs": "Register-level model of hx_top"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="run VMMs and print them next to the golden reference",
        description=__doc__,
        parents=[seed_options("stimulus (weights and inputs)"),
                 device_options("cosim", ("model", "regs", "cosim"),
                                "where the cross-checked VMMs run (model: the model alone, no "
                                "cross-check)"),
                 progress_options(),
                 calibration_options("the noisy chip runs with its DAC offsets, column "
                                     "offsets and CapMem cells")])
    p.add_argument("--columns", type=positive, default=12, metavar="N",
                   help="columns to print (1..256)")
    p.set_defaults(func=run)


def _row(label: str, values: np.ndarray) -> str:
    return f"  {label:<22s}" + " ".join(f"{int(v):5d}" for v in values)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.columns <= 256:
        raise ValueError(f"--columns: value {args.columns} is outside the allowed range 1..256")
    cal = load_calibration(args, ChipInstance(ChipParams(), args.fixed_seed, args.noise_seed))
    if args.device != "model":  # an unavailable device fails before any output
        close_device(open_device(args.device, ChipInstance(ChipParams.ideal(), args.fixed_seed,
                                                           args.noise_seed), args.simulator))
    rng = np.random.default_rng(args.seed)
    print(f"hxsim demo: stimulus seed {args.seed}, chip fixed_seed {args.fixed_seed}, "
          f"noise_seed {args.noise_seed}"
          + (f", noisy chip calibrated by {args.calibration}" if cal is not None else ""))
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=128)
    x[rng.random(128) < 0.3] = 0  # some zero inputs: zero skipping
    timing = Timing()
    golden = ideal_vmm(x, w, gain=0.002, num_sends=timing.num_sends)
    ideal = ChipInstance(ChipParams.ideal(), args.fixed_seed, args.noise_seed).vmm(x, w, timing)
    chip = ChipInstance(ChipParams(), args.fixed_seed, args.noise_seed)
    noisy = calibrated(ModelDevice(chip), cal).run_vmms(np.stack([x] * 30), w, timing).y
    cols = slice(0, args.columns)
    print(f"\nOne 128x256 VMM, {np.count_nonzero(x)} non-zero inputs, "
          f"first {args.columns} columns:")
    print(_row("golden", golden[cols]))
    print(_row("ideal chip", ideal[cols]))
    print(_row("noisy chip, trial 0", noisy[0, cols]))
    print(_row("noisy chip, mean of 30", np.rint(noisy.mean(axis=0))[cols]))
    same = np.array_equal(ideal, golden)
    err = noisy.astype(float) - golden
    print(f"\nideal chip == golden on all 256 columns: {same}")
    print(f"noisy chip vs golden: mean error {err.mean():+.2f} LSB, trial-to-trial std "
          f"{noisy.std(axis=0).mean():.2f} LSB, fixed-pattern std {err.mean(axis=0).std():.2f} LSB")
    t = vmm_timing(timing, x)
    print(f"\nTiming ({timing.num_sends} send(s), event_wait {timing.event_wait}): "
          f"{t.num_events} events")
    for phase, start in t.phase_start.items():
        print(f"  {phase:<9s} starts at cycle {start:5d}, lasts {t.phase_length[phase]:5d}")
    total_us = t.total_cycles * CLOCK_PERIOD_NS / 1000
    print(f"  total {t.total_cycles} cycles = {total_us:.2f} us at 125 MHz")
    ok = same
    if args.device != "model":
        ok &= device_section(args, x, w, rng, cols, cal)
    return 0 if ok else 1


def calibrated(device: VmmDevice, cal: CalibrationResult | None) -> VmmDevice:
    """``device`` with the calibration's configuration (``device`` itself without one)."""
    return device if cal is None else CalibratedDevice(device, cal)


def device_section(args: argparse.Namespace, x: npt.NDArray[np.int64], w: npt.NDArray[np.int64],
                   rng: np.random.Generator, cols: slice,
                   cal: CalibrationResult | None = None) -> bool:
    """A few VMMs on ``--device``, on an ideal and a noisy chip; True if every check holds."""
    xs = np.stack([x, np.where(rng.random(128) < 0.8, 0, rng.integers(1, 32, size=128)),
                   np.full(128, 31), np.zeros(128, dtype=np.int64)])
    timing = Timing()
    golden = ideal_vmm(xs, w, gain=0.002, num_sends=timing.num_sends)
    gold_cyc = [vmm_timing(timing, v).total_cycles for v in xs]
    where = (f"the RTL co-simulation ({args.simulator}): hx_top, AXI4-Lite + vector port; analog "
             "array: the Python bridge on the chip model" if args.device == "cosim" else
             "the register-level model of hx_top")
    print(f"\n{TITLE[args.device]}: {xs.shape[0]} VMMs of the matrix above, as register-level "
          f"programs on\n{where}; on an ideal and a noisy chip:")
    t0 = time.perf_counter()
    res = {}
    stats: list[str] = []
    enabled = wants_progress(args)
    progress = bar(f"demo ({args.device})", 2 * xs.shape[0], "VMM", enabled)
    try:
        for label, params in (("ideal", ChipParams.ideal()), ("noisy", ChipParams())):
            device = open_device(args.device, ChipInstance(params, args.fixed_seed,
                                                           args.noise_seed), args.simulator)
            try:
                start_device(device, enabled)
                res[label] = ProgressDevice(calibrated(device, cal if label == "noisy" else None),
                                            progress, CHUNK[args.device]).run_vmms(xs, w, timing)
            finally:
                line = close_device(device)
                if line:
                    stats.append(f"{label}: {line}")
    finally:
        progress.close()
    wall = time.perf_counter() - t0
    fb = calibrated(ModelDevice(ChipInstance(ChipParams(), args.fixed_seed, args.noise_seed)),
                    cal).run_vmms(xs, w, timing)
    fast = (fb.baseline, fb.result, fb.y)
    ok = True
    print("  vmm  non-zero  CYCLES_LAST  golden cycles  ideal chip == golden  "
          "noisy chip == fast path")
    for n in range(xs.shape[0]):
        eq_g = int(np.count_nonzero(res["ideal"].y[n] == golden[n]))
        eq_f = int(np.count_nonzero((res["noisy"].y[n] == fast[2][n])
                                    & (res["noisy"].baseline[n] == fast[0][n])
                                    & (res["noisy"].result[n] == fast[1][n])))
        cyc = int(res["ideal"].cycles[n])
        row_ok = eq_g == 256 and eq_f == 256 and cyc == gold_cyc[n] == res["noisy"].cycles[n]
        ok &= row_ok
        print(f"  {n:3d}  {np.count_nonzero(xs[n]):8d}  {cyc:11d}  {gold_cyc[n]:13d}  "
              f"{eq_g:>12d}/256  {eq_f:>15d}/256   {'OK' if row_ok else 'MISMATCH'}")
    print(f"  VMM 0, first {cols.stop} columns:")
    print(_row("golden", golden[0, cols]))
    print(_row(f"{args.device}, ideal chip", res["ideal"].y[0, cols]))
    print(_row(f"{args.device}, noisy chip", res["noisy"].y[0, cols]))
    print(_row("fast path, noisy chip", fast[2][0, cols]))
    print(f"  wall time {wall:.1f} s for 2 device runs")
    for line in stats:
        print(f"    {line}")
    name = "co-simulation" if args.device == "cosim" else args.device
    print(f"{name}: {'all checks passed' if ok else 'MISMATCH'} (ideal chip bit-exact vs "
          "golden, CYCLES_LAST vs golden timing, noisy chip == fast path incl. raw codes)")
    return ok
