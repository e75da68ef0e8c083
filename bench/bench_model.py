"""Fast-path throughput of the analog model (issue #12): VMMs/s for one 128x256 tile with every
effect on, at batch 1, 64, 4096 and 16384, side by side with bare numpy (float32 matmul of the same
shape plus one normal draw per output) in the same run.

Three model columns: ``tile.vmm(x)`` on a tile programmed once (``chip.program(w)``: the
hardware's way, weights written once, many vectors run), and ``chip.vmm(x, w)``, which compares
``w`` with the weights of its last call on every call before it reuses the programmed tile: with
int64 weights (numpy's default integer; the compare reads the caller's 256 KiB and a 256 KiB copy)
and with int8 weights (2 x 32 KiB). The contenders run interleaved in rounds; each rate is the
median per-call time over all rounds. ``faults/call``: page faults per ``tile.vmm`` call (0 = no
fresh memory from the OS per call, so speed does not depend on the heap's history). BLAS runs on
``--threads`` threads (default 1: on a shared 2-core machine a second BLAS thread makes small GEMMs
of both sides wait for a busy core).

Targets: batch 1 >= 30,000 VMM/s (tile.vmm; chip.vmm is reported against it too); batch >= 64
within 2x of numpy.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_model.py [--seconds S] [--threads N]``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable

BATCHES = (1, 64, 4096, 16384)
TARGET_BATCH1 = 30_000.0
TARGET_RATIO = 2.0


def _number(kind: type, low: float, what: str, high: float = float("inf")
            ) -> Callable[[str], float]:
    """An argparse type: a ``kind`` >= ``low`` (hxsim.cli.common has the same checks, but
    importing hxsim imports numpy before ``--threads`` can set its BLAS threads)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not low <= value <= high or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return float(value) if kind is float else value
    return parse


positive = _number(int, 1, "a positive integer")
nonneg = _number(int, 0, "a non-negative integer")
positive_float = _number(float, 1e-9, "a positive number")
#: up to 2**20 vectors per call (the 16384 default's 64x; the model's buffers are per 64-VMM chunk,
#: but the bench's inputs and numpy's side are whole batches)
batch_size = _number(int, 1, "a batch size 1..1048576", 1 << 20)


def per_call_times(fn: Callable[[], object], seconds: float, min_calls: int = 3) -> list[float]:
    """Per-call wall times (s) of ``fn`` over about ``seconds`` (at least ``min_calls`` calls)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=positive_float, default=2.0, metavar="S",
                        help="time per contender and batch, split over the rounds (default 2)")
    parser.add_argument("--rounds", type=positive, default=16,
                        help="interleaved rounds (default 16)")
    parser.add_argument("--threads", type=positive, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--seed", type=nonneg, default=1234,
                        help="seed of the weights, inputs and chip (default 1234)")
    parser.add_argument("--batches", type=batch_size, nargs="+", default=list(BATCHES),
                        metavar="B", help="batch sizes (default 1 64 4096 16384)")
    args = parser.parse_args()
    # Before numpy loads its BLAS.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    from hxsim import ChipInstance, ChipParams, Timing

    load = os.getloadavg()
    print(f"bench_model: seed {args.seed}, {args.rounds} interleaved rounds, {args.seconds:g} s "
          f"per contender and batch, BLAS threads {args.threads}, numpy {np.__version__}, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    rng = np.random.default_rng(args.seed)
    w = rng.integers(-63, 64, (128, 256))
    w8 = w.astype(np.int8)
    wf = w.astype(np.float32)
    chip = ChipInstance(ChipParams(), fixed_seed=args.seed, noise_seed=args.seed + 1)
    tile = chip.program(w)
    timing = Timing()
    noise = np.random.default_rng(args.seed + 2)
    print(f"{'batch':>6} {'tile.vmm VMM/s':>15} {'chip.vmm i64':>15} {'chip.vmm i8':>12} "
          f"{'numpy VMM/s':>12} {'numpy/tile':>10} {'numpy/chip':>10} {'faults/call':>11}")
    results: dict[int, dict[str, float]] = {}
    for batch in args.batches:
        x = rng.integers(0, 32, (batch, 128))
        xf = x.astype(np.float32)

        def model_tile(x: np.ndarray = x) -> object:
            return tile.vmm(x, timing)

        def model_chip(x: np.ndarray = x) -> object:
            return chip.vmm(x, w, timing)

        def model_chip8(x: np.ndarray = x) -> object:
            return chip.vmm(x, w8, timing)

        def baseline(xf: np.ndarray = xf, batch: int = batch) -> object:
            return xf @ wf + noise.standard_normal((batch, 256), dtype=np.float32)

        contenders: dict[str, Callable[[], object]] = {
            "tile": model_tile, "chip": model_chip, "chip8": model_chip8, "numpy": baseline}
        times: dict[str, list[float]] = {k: [] for k in contenders}
        for fn in contenders.values():
            fn()  # warm up (work arrays, caches)
        faults = calls = 0
        block = args.seconds / args.rounds
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                got = per_call_times(fn, block)
                if name == "tile":
                    faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
                    calls += len(got)
                times[name] += got
        rate = {k: batch / statistics.median(v) for k, v in times.items()}
        results[batch] = rate
        print(f"{batch:>6} {rate['tile']:>15,.0f} {rate['chip']:>15,.0f} {rate['chip8']:>12,.0f} "
              f"{rate['numpy']:>12,.0f} {rate['numpy'] / rate['tile']:>9.2f}x "
              f"{rate['numpy'] / rate['chip']:>9.2f}x {faults / calls:>11.1f}", flush=True)
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    def verdict(r: float) -> str:
        return "meets" if r >= TARGET_BATCH1 else "MISSES"

    for batch, rate in results.items():
        r_tile, r_np = rate["tile"], rate["numpy"]
        if batch == 1:
            print(f"batch 1: tile.vmm {r_tile:,.0f} VMM/s ({verdict(r_tile)} the "
                  f"{TARGET_BATCH1:,.0f} VMM/s target), chip.vmm {rate['chip']:,.0f} VMM/s with "
                  f"int64 weights ({verdict(rate['chip'])}), {rate['chip8']:,.0f} VMM/s with int8 "
                  f"weights ({verdict(rate['chip8'])})")
        else:
            ratio = r_np / r_tile
            met = "meets" if ratio <= TARGET_RATIO else "MISSES"
            print(f"batch {batch}: tile.vmm is {ratio:.2f}x slower than numpy ({met} the "
                  f"{TARGET_RATIO:g}x target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
