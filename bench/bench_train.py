"""Training throughput of the torch network stack (images/s), beside the numpy stack it replaced.

Measures one epoch over the first 2000 Fashion-MNIST training images (synthetic images when the
data set is not installed), batch 200, one thread, in float and chip-in-the-loop (``model``
device, ``ChipParams()``, fixed seed 3, noise seed 4), three interleaved runs each, median.

Baseline (the numpy stack: hand-written backprop and Adam, ``hxsim.nn.train`` before the torch
rewrite), measured on main at 3a04ebe (which contains d5357d5 and 2a7d847) from main's venv,
2 shared cores under load from five other jobs, with the same settings::

    cd /work/main && nice .venv/bin/python /tmp/torch_numpy_bench.py
    (Network.mnist(default_rng(2)); train(net, 2000 images, TrainConfig(epochs=1,
    batch_size=200), mode, ModelDevice(ChipInstance(ChipParams(), 3, 4))); set_blas_threads(1))
    float images/s median 4010 (runs 4010, 4332, 3736)
    chip  images/s median  563 (runs 524, 563, 594)
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

NUMPY_BASELINE = {"float": 4010.0, "chip": 563.0}


def main() -> int:
    try:
        import torch
    except ImportError:
        print("bench_train: torch not installed (pip install -e '.[nn]'); skipped")
        return 0
    from hxsim import ChipInstance, ChipParams
    from hxsim.device import ModelDevice
    from hxsim.nn.blas import set_blas_threads
    from hxsim.nn.chip import Chip
    from hxsim.nn.data import DEFAULT_DATA_DIR, load_split, synthetic_split
    from hxsim.nn.models import attach, mnist_model
    from hxsim.nn.train import TrainConfig, train

    torch.set_num_threads(1)
    set_blas_threads(1)
    try:
        data = load_split(DEFAULT_DATA_DIR, "train").head(2000)
        source = str(DEFAULT_DATA_DIR)
    except FileNotFoundError:
        data = synthetic_split(np.random.default_rng(1), 2000)
        source = "synthetic (Fashion-MNIST not installed)"
    warm = mnist_model(seed=2)
    train(warm, data.head(200), TrainConfig(epochs=1), "float", progress=False)
    rates: dict[str, list[float]] = {"float": [], "chip": []}
    for _ in range(3):
        for mode in ("float", "chip"):
            model = mnist_model(seed=2)
            attach(model, Chip(ModelDevice(ChipInstance(ChipParams(), 3, 4))))
            t0 = time.perf_counter()
            train(model, data, TrainConfig(epochs=1, batch_size=200), mode, progress=False)
            rates[mode].append(len(data) / (time.perf_counter() - t0))
    print(f"training throughput, 1 epoch of {len(data)} images ({source}), batch 200, "
          "1 thread (noisy on a shared machine: medians of 3 interleaved runs)")
    for mode, r in rates.items():
        med = statistics.median(r)
        print(f"  {mode:5s}: torch stack {med:7.0f} images/s (runs "
              + ", ".join(f"{v:.0f}" for v in r)
              + f"); numpy stack baseline {NUMPY_BASELINE[mode]:.0f} images/s "
              f"(x{med / NUMPY_BASELINE[mode]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
