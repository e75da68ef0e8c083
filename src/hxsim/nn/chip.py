"""Where the multiply-accumulate layers run: ``Chip`` (a device, calibrated or not, the mock
parameters the backward pass uses) and ``measure_mock_parameter`` (hxtorch's gain and noise
measurement, on any ``hxsim.device.VmmDevice``).

hxtorch keeps the connection and the mock parameters in global state (``hxtorch.init_hardware``,
``set_mock_parameter``); here they live in a ``Chip`` object that the layers hold (``attach``),
so two networks can run on two chips in one process.

The VMMs of a layer run as ``hxsim.array.tiled_matmul`` splits them: 128-row x 256-column tiles
(zero-padded), column tiles outer, row tiles inner, one ``run_vmms`` batch per tile with the
batch's vectors in order; the row tiles' int8 results are added digitally and saturated once at
the end. A calibration (``hxsim calibrate``'s output) applies to every layer through the device
itself: ``Chip(hxsim.calibration.CalibratedDevice(device, calibration))`` runs every tile with the
calibration's DAC offsets, digital column offsets and CapMem cells (the one path every command
uses; ``hxsim train/infer/twin --calibration`` build it so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hxsim.array import tiled_matmul
from hxsim.device import VmmDevice
from hxsim.golden import TILE_COLS, TILE_ROWS, W_MAX, X_MAX, check_gain
from hxsim.timing import Timing
from hxsim.types import I64

#: hxtorch's defaults (``include/hxtorch/perceptron/constants.h``, bss2-facts.md section 6) [V].
DEFAULT_GAIN = 0.002
DEFAULT_NOISE_STD = 2.0
DEFAULT_WAIT_BETWEEN_EVENTS = 5


@dataclass(frozen=True)
class MockParameter:
    """hxtorch's ``MockParameter``: the analog gain (LSB per unit x*w per send, (0, 1]) and the
    Gaussian noise of every chunk's result (LSB std, >= 0). Defaults [V]: 0.002 and 2.0."""

    gain: float = DEFAULT_GAIN
    noise_std: float = DEFAULT_NOISE_STD

    def __post_init__(self) -> None:
        check_gain(self.gain)
        if not (math.isfinite(self.noise_std) and self.noise_std >= 0):
            raise ValueError(f"noise_std: expected a finite number >= 0, got {self.noise_std!r}")


@dataclass
class Chip:
    """A device and its measured mock parameters.

    Attributes:
        device: where chip-mode VMMs run (``hxsim.device.open_device``: ``model``, ``golden``,
            ``regs``, ``cosim``, or a twin's ``ModelDevice``), wrapped in
            ``hxsim.calibration.CalibratedDevice`` to run with a calibration (DAC offsets,
            column offsets, CapMem cells; without one: the reset values); None for a
            mock-only chip.
        mock: gain and noise of the mock formula, and the gain of the backward pass (hxtorch's
            ``MAC::backward`` scales with ``gain * num_sends``); ``measure_mock_parameter``
            replaces the default by the device's measured values.
        seed: seed of the mock noise generator (``generator``), recorded with the run.
        vmms: tile VMMs this chip ran for the layers.
    """

    device: VmmDevice | None = None
    mock: MockParameter = field(default_factory=MockParameter)
    seed: int = 0
    vmms: int = 0

    def __post_init__(self) -> None:
        import torch

        self.generator = torch.Generator().manual_seed(int(self.seed))

    def matmul(self, x: I64, w: I64, timing: Timing) -> npt.NDArray[np.int8]:
        """``x[B, K]`` (0..31) times ``w[K, N]`` (-63..63) on the device -> int8 ``[B, N]``
        (tiled; the device's configuration, e.g. a ``CalibratedDevice``'s). Raises
        ``ValueError`` without a device."""
        dev = self.device
        if dev is None:
            raise ValueError("chip: no device (this Chip runs only mock layers; pass "
                             "device=open_device(...) for chip mode)")
        def tile(xt: I64, wt: I64) -> I64:
            return dev.run_vmms(xt, wt, timing).y

        out = tiled_matmul(tile, x, w)
        self.vmms += x.shape[0] * tile_count(x.shape[1], w.shape[1])
        return out


def tile_count(k: int, n: int) -> int:
    """Tile VMMs one input vector of a ``K x N`` product needs (128-row x 256-column tiles)."""
    return math.ceil(k / TILE_ROWS) * math.ceil(n / TILE_COLS)


@dataclass(frozen=True)
class MockMeasurement:
    """What ``measure_mock_parameter`` found: the parameters, the chosen masking step and the
    number of VMMs it ran."""

    parameter: MockParameter
    keep_fraction: float
    median_output: float
    vmms: int


def measure_mock_parameter(chip: Chip, seed: int = 0, samples: int = 50,
                           timing: Timing | None = None) -> MockMeasurement:
    """hxtorch's ``measure_mock_parameter`` on ``chip.device`` (procedure from
    bss2-facts.md section 6 [V], own implementation): weights 21 (= 63/3) on a 256 x 128
    matrix, inputs 16 (= round(31/2)) kept with probability 0.85**i for i in 0..19; the step
    whose median output is closest to 127/2 is used; gain = median(y / (x @ w)) over the outputs
    with a non-zero ideal sum; noise = median over columns of the std over ``samples``
    repetitions of ``y - gain * x @ w``. num_sends 1, wait 5 (hxtorch's settings).

    Sets ``chip.mock`` to the result and returns the measurement. Raises ``ValueError`` when the
    chip has no device or no step gives a usable output."""
    if chip.device is None:
        raise ValueError("chip: measure_mock_parameter needs a device")
    t = timing if timing is not None else Timing(num_sends=1, event_wait=5)
    rng = np.random.Generator(np.random.PCG64(seed))
    rows, cols = 2 * TILE_ROWS, TILE_COLS // 2
    w = np.full((rows, cols), W_MAX // 3, dtype=np.int64)
    v0 = chip.vmms
    best: tuple[float, float, I64] | None = None
    for i in range(20):
        p = 0.85**i
        x = np.where(rng.random((1, rows)) < p, round(X_MAX / 2), 0).astype(np.int64)
        y = chip.matmul(x, w, t).astype(np.float64)
        med = float(np.median(y))
        if best is None or abs(med - 127 / 2) < abs(best[1] - 127 / 2):
            best = (p, med, x)
    assert best is not None
    p, med, x = best
    xs = np.repeat(x, samples, axis=0)
    y = chip.matmul(xs, w, t).astype(np.float64)
    ideal = (xs @ w).astype(np.float64)
    ok = ideal != 0
    if not ok.any():
        raise ValueError("measure_mock_parameter: no step gave a non-zero input")
    gain = float(np.median(y[ok] / ideal[ok]))
    noise = float(np.median(np.std(y - gain * ideal, axis=0)))
    param = MockParameter(gain=float(np.clip(gain, 1e-6, 1.0)), noise_std=noise)
    chip.mock = param
    return MockMeasurement(param, p, med, chip.vmms - v0)
