"""Fashion-MNIST through the RTL co-simulation, bit-exact against the model's fast path
(``make regress-fmnist``).

The network is a fixed small one defined here with numpy (it does not depend on ``hxsim.nn``):
images quantized to 5 bit (``x = pixel >> 3``, 0..31), zero-padded to 30 x 30; a convolution
1 -> 20 channels, 10 x 10 kernel, stride 5, run as patches (25 positions x 100 pixels); dense
500 -> 128; dense 128 -> 10. Weights are seeded random integers in -63..63 (``--seed``). Between
layers: ReLU of the int8 result, saturated to the 5-bit input range (``min(max(y, 0), 31)``).
Every layer is a matrix product on the device through ``hxsim.device.device_matmul`` (128-row x
256-column tiles, one ``run_vmms`` batch per tile): per image 25 + 4 + 1 = 30 VMMs, 300,000 for
the 10,000 test images.

The check: each batch of images goes through the network on the fast path
(``hxsim.device.ModelDevice`` wrapped in a ``RecordingDevice``), which records every ``run_vmms``
call (x, w, timing and the results); the same calls are then run, in the same order, on the
co-simulation device (``open_device("cosim", chip, simulator)``) of a second ``ChipInstance`` with
the same seeds, and baseline codes, result codes, int8 results and cycle counts are compared bit
for bit. Both chips draw their trial noise in the same order, so a noisy chip (the default,
``ChipParams()``) is compared exactly too.

Only the device protocol (``run_vmms``) is used; ``forward_calls`` is the one network-dependent
function (a network of ``hxsim.nn`` could record its forward pass the same way).

Usage: python -m hxtb.verif.fmnist [--data DIR] [--limit N] [--batch N] [--simulator S]
                                   [--seed N] [--fixed-seed N] [--noise-seed N] [--ideal]
Exit status: 0 all VMMs bit-identical, 1 a mismatch, 2 bad input (e.g. no data set), 130
interrupted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.cli.common import (
    HxParser,
    chip_options,
    chip_params,
    device_options,
    positive,
    progress_options,
    seed_options,
    wants_progress,
)
from hxsim.device import (
    DeviceUnavailable,
    ModelDevice,
    RecordingDevice,
    VmmBatch,
    VmmDevice,
    device_matmul,
    open_device,
)
from hxsim.nn.data import DEFAULT_DATA_DIR, load_split
from hxsim.progress import bar, start_device, write
from hxsim.timing import Timing
from hxsim.types import I64

#: Input quantization: 8-bit pixels -> 5-bit inputs (0..31).
PIXEL_SHIFT = 3
#: Convolution: kernel size, stride and output channels; images are zero-padded by PAD.
KERNEL, STRIDE, CHANNELS, PAD = 10, 5, 20, 1
HIDDEN, CLASSES = 128, 10
#: Largest input value (5 bit): the activation between layers saturates there.
X_MAX = 31
W_LIMIT = 63


@dataclass(frozen=True)
class FixedNet:
    """The three weight matrices ``conv[100, 20]``, ``dense1[500, 128]``, ``dense2[128, 10]``
    (integers -63..63)."""

    conv: I64
    dense1: I64
    dense2: I64

    @classmethod
    def seeded(cls, seed: int) -> FixedNet:
        rng = np.random.default_rng(seed)
        positions = ((28 + 2 * PAD - KERNEL) // STRIDE + 1) ** 2
        return cls(conv=rng.integers(-W_LIMIT, W_LIMIT + 1, size=(KERNEL * KERNEL, CHANNELS)),
                   dense1=rng.integers(-W_LIMIT, W_LIMIT + 1, size=(positions * CHANNELS, HIDDEN)),
                   dense2=rng.integers(-W_LIMIT, W_LIMIT + 1, size=(HIDDEN, CLASSES)))


def patches(images: npt.NDArray[np.uint8]) -> I64:
    """``images[B, 28, 28]`` (uint8) -> 5-bit patches ``[B * 25, 100]`` (image-major, then
    row-major positions of the padded 30 x 30 image)."""
    x = np.pad(images.astype(np.int64) >> PIXEL_SHIFT, ((0, 0), (PAD, PAD), (PAD, PAD)))
    win = np.lib.stride_tricks.sliding_window_view(x, (KERNEL, KERNEL), axis=(1, 2))
    win = win[:, ::STRIDE, ::STRIDE]
    return np.ascontiguousarray(win).reshape(-1, KERNEL * KERNEL)


def activation(y: npt.NDArray[np.int8]) -> I64:
    """ReLU of int8 results, saturated to 5-bit inputs (0..31)."""
    return np.minimum(np.maximum(y.astype(np.int64), 0), X_MAX)


def forward_calls(net: FixedNet, images: npt.NDArray[np.uint8], device: VmmDevice,
                  timing: Timing) -> npt.NDArray[np.int8]:
    """The network's forward pass on ``device`` (every layer through ``device_matmul``);
    returns the int8 class scores ``[B, 10]``. The network-dependent part of the check: the
    VMMs it runs are whatever ``device.run_vmms`` is called with."""
    b = images.shape[0]
    conv = activation(device_matmul(device, patches(images), net.conv, timing)).reshape(b, -1)
    hidden = activation(device_matmul(device, conv, net.dense1, timing))
    return device_matmul(device, hidden, net.dense2, timing)


@dataclass
class Summary:
    """What a check run did: images, ``run_vmms`` calls, VMMs, mismatching VMMs and the first
    mismatch messages, wall time in seconds."""

    images: int = 0
    calls: int = 0
    vmms: int = 0
    mismatches: int = 0
    first: list[str] | None = None
    wall_s: float = 0.0
    device: str = "the device"

    def line(self) -> str:
        rate = self.vmms / self.wall_s if self.wall_s > 0 else 0.0
        return (f"fmnist: {self.images} images, {self.calls} batches, {self.vmms} VMMs, "
                f"{self.mismatches} mismatches, {self.wall_s:.1f} s, {rate:.0f} VMM/s on "
                f"{self.device}: {'bit-identical' if self.mismatches == 0 else 'MISMATCH'}")


def compare(fast: VmmBatch, slow: VmmBatch, where: str) -> tuple[int, str | None]:
    """Number of VMMs of a batch whose baseline, result, y or cycles differ, and a message for
    the first of them."""
    bad = ((fast.baseline != slow.baseline).any(axis=1) | (fast.result != slow.result).any(axis=1)
           | (fast.y != slow.y).any(axis=1) | (fast.cycles != slow.cycles))
    n = int(np.count_nonzero(bad))
    if n == 0:
        return 0, None
    k = int(np.flatnonzero(bad)[0])
    cols = np.flatnonzero(fast.y[k] != slow.y[k])[:4].tolist()
    return n, (f"{where}, VMM {k}: y differs in {int(np.count_nonzero(fast.y[k] != slow.y[k]))} "
               f"columns (first {cols}), cycles {int(fast.cycles[k])} vs {int(slow.cycles[k])}")


def check(images: npt.NDArray[np.uint8], net: FixedNet, fast_chip: ChipInstance,
          device: VmmDevice, *, batch: int = 100, timing: Timing | None = None,
          corrupt: Callable[[VmmBatch], VmmBatch] | None = None,
          progress: bool = False) -> Summary:
    """Run ``images`` (``[N, 28, 28]`` uint8) through ``net``: per ``batch`` images on the fast
    path of ``fast_chip`` (recorded), then the recorded calls on ``device``; compares every VMM.
    ``corrupt`` (tests only) alters the device's result of the first call before the
    comparison, to show that a differing result is reported."""
    t = timing if timing is not None else Timing()
    s = Summary(first=[], device=str(getattr(device, "name", "the device")))
    t0 = time.perf_counter()
    rec = RecordingDevice(ModelDevice(fast_chip))
    with bar("fmnist", images.shape[0], "img", progress) as pbar:
        for i in range(0, images.shape[0], batch):
            part = images[i:i + batch]
            rec.calls.clear()
            forward_calls(net, part, rec, t)
            for x, w, tm, fast in rec.calls:
                slow = device.run_vmms(x, w, tm)
                if corrupt is not None and s.calls == 0:
                    slow = corrupt(slow)
                n, msg = compare(fast, slow, f"images {i}..{i + part.shape[0] - 1}, "
                                             f"batch {s.calls}")
                s.calls += 1
                s.vmms += x.shape[0]
                s.mismatches += n
                if msg is not None and s.first is not None and len(s.first) < 5:
                    s.first.append(msg)
                    write(f"MISMATCH {msg}")
            s.images += part.shape[0]
            pbar.update(part.shape[0])
            pbar.set_postfix(vmms=s.vmms, bad=s.mismatches)
    s.wall_s = time.perf_counter() - t0
    return s


def _flip_one(b: VmmBatch) -> VmmBatch:
    y = b.y.copy()
    y[0, 0] = y[0, 0] ^ 1
    return VmmBatch(b.baseline, b.result, y, b.cycles)


def main(argv: Sequence[str] | None = None) -> int:
    ap = HxParser(prog="python -m hxtb.verif.fmnist", description=__doc__,
                  parents=[device_options("cosim", ("cosim", "regs", "model"),
                                          "the device checked against the fast path"),
                           seed_options("network's weights"), chip_options(),
                           progress_options()])
    ap.add_argument("--data", default=str(DEFAULT_DATA_DIR), metavar="DIR",
                    help=f"Fashion-MNIST IDX files (default {DEFAULT_DATA_DIR})")
    ap.add_argument("--limit", type=positive, default=None, metavar="N",
                    help="only the first N test images (default: all 10,000)")
    ap.add_argument("--batch", type=positive, default=100, metavar="N",
                    help="images per forward pass (one run_vmms batch per layer tile)")
    ap.add_argument("--inject-mismatch", action="store_true",
                    help="self-test of the check: flip one bit of the device's first result "
                         "(the run must then fail, exit 1)")
    args = ap.parse_args(argv)
    try:
        params = chip_params(args)
        split = load_split(args.data, "test").head(args.limit)
    except (OSError, ValueError) as exc:
        print(f"python -m hxtb.verif.fmnist: {exc}", file=sys.stderr)
        return 2
    net = FixedNet.seeded(args.seed)
    print(f"fmnist: {len(split)} test images from {args.data}; network seed {args.seed}, "
          f"fixed_seed {args.fixed_seed}, noise_seed {args.noise_seed}; device {args.device} "
          f"({args.simulator}) (reproduce: python -m hxtb.verif.fmnist --seed {args.seed} "
          f"--fixed-seed {args.fixed_seed} --noise-seed {args.noise_seed}"
          f"{f' --limit {args.limit}' if args.limit else ''})", flush=True)
    device: VmmDevice | None = None
    try:
        device = open_device(args.device, ChipInstance(params, args.fixed_seed,
                                                       args.noise_seed), args.simulator)
        start_device(device, wants_progress(args))
        s = check(split.images, net, ChipInstance(params, args.fixed_seed, args.noise_seed),
                  device, batch=args.batch, progress=wants_progress(args),
                  corrupt=_flip_one if args.inject_mismatch else None)
    except DeviceUnavailable as exc:
        print(f"python -m hxtb.verif.fmnist: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("python -m hxtb.verif.fmnist: interrupted", file=sys.stderr)
        return 130
    finally:
        if device is not None:
            device.close()
    for msg in s.first or []:
        print(f"  {msg}")
    print(s.line())
    return 0 if s.mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
