"""``hxsim demo``: the main job in one command (``make demo``).

Runs VMMs on a simulated hemisphere and prints them next to the golden reference: an ideal chip
(equal bit for bit), a chip with noise and fixed pattern before and after calibration-free use,
and the cycle-exact timing of the VMM.
"""

from __future__ import annotations

import argparse

import numpy as np

from hxsim.array import ChipInstance
from hxsim.golden import ideal_vmm, vmm_timing
from hxsim.params import ChipParams
from hxsim.timing import CLOCK_PERIOD_NS, Timing


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run VMMs and print them next to the golden reference")
    p.add_argument("--seed", type=int, default=2026, help="stimulus seed (default 2026)")
    p.add_argument("--fixed-seed", type=int, default=1, help="chip instance (fixed pattern) seed")
    p.add_argument("--noise-seed", type=int, default=2, help="trial-noise seed")
    p.add_argument("--columns", type=int, default=12, help="columns to print (default 12)")
    p.set_defaults(func=run)


def _row(label: str, values: np.ndarray) -> str:
    return f"  {label:<22s}" + " ".join(f"{int(v):5d}" for v in values)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.columns <= 256:
        raise ValueError(f"--columns: value {args.columns} is outside the allowed range 1..256")
    rng = np.random.default_rng(args.seed)
    print(f"hxsim demo: stimulus seed {args.seed}, chip fixed_seed {args.fixed_seed}, "
          f"noise_seed {args.noise_seed}")
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=128)
    x[rng.random(128) < 0.3] = 0  # some zero inputs: zero skipping
    timing = Timing()
    golden = ideal_vmm(x, w, gain=0.002, num_sends=timing.num_sends)
    ideal = ChipInstance(ChipParams.ideal(), args.fixed_seed, args.noise_seed).vmm(x, w, timing)
    chip = ChipInstance(ChipParams(), args.fixed_seed, args.noise_seed)
    noisy = chip.vmm(np.stack([x] * 30), w, timing)
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
    return 0 if same else 1
