"""Layers with the chip's semantics (hxtorch's ``hxtorch.perceptron.nn``; SPEC.md section 5).

Every multiply-accumulate layer has two forwards that share one set of float "shadow" weights:

* ``chip``: inputs are integers 0..31, weights are the shadow weights rounded and clamped to
  -63..63; the product runs as tile VMMs on an ``hxsim.device.VmmDevice`` (a chip instance's
  fast path, the golden reference, the register model or the co-simulation). Matrices are split
  into 128-row x 256-column tiles and the row tiles' int8 results are added digitally with
  saturation to -128..127 (``hxsim.device.device_matmul``).
* ``float``: the gain-scaled linear model ``y = gain * num_sends * x @ W`` in float64: the plain
  software network, and the model whose gradient the backward pass uses in both modes
  (hxtorch's ``MAC::backward``: ``grad_x = g n grad_y W^T``, ``grad_W = g n x^T grad_y``).

Between layers, ``ConvertingReLU`` maps int8 to 5 bit: ``min(max(y, 0) >> shift, 31)`` on the
chip, ``clip(y / 2**shift, 0, 31)`` in float; backward ``grad * (y > 0) / 2**shift`` (hxtorch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hxsim.golden import TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.timing import Timing
from hxsim.types import F64, I64

#: The chip's analog gain in LSB per unit x*w per send (hxtorch's default mock gain).
DEFAULT_GAIN = 0.002
#: hxtorch's ``MACLayer.reset_parameters``: num_sends so that the init std stays below 63/3.
INIT_STD_LIMIT = W_MAX / 3.0


def tile_count(k: int, n: int) -> int:
    """Tile VMMs one input vector of a ``K x N`` matrix product needs."""
    return math.ceil(k / TILE_ROWS) * math.ceil(n / TILE_COLS)


# ---- scaling helpers (hxtorch's scale_input / scale_weight / clamp_weight_) -------------------
def scale_input(images: npt.NDArray[np.generic], full_scale: float = 255.0) -> I64:
    """Pixels ``0..full_scale`` -> chip inputs 0..31: ``round(p * 31 / full_scale)``, clipped."""
    v = np.rint(np.asarray(images, dtype=np.float64) * (X_MAX / full_scale))
    return np.clip(v, 0, X_MAX).astype(np.int64)


def scale_weight(w: F64) -> F64:
    """Scale a float matrix so that its largest magnitude is 63 (hxtorch's ``scale_weight``)."""
    m = float(np.abs(w).max(initial=0.0))
    return w * (W_MAX / m) if m > 0 else w.copy()


def quantize_weight(w: F64) -> I64:
    """Shadow weights -> chip weights: rounded to integers and clamped to -63..63."""
    return np.clip(np.rint(w), -W_MAX, W_MAX).astype(np.int64)


def select_num_sends(fan_in: int, relu_shift: int = 1,
                     gain: float = DEFAULT_GAIN) -> tuple[int, float]:
    """hxtorch's automatic ``num_sends`` and the init std of the weights for a layer.

    The std a layer needs to keep unit variance through ReLUs, in chip units, is
    ``2**shift * sqrt(2) / gain / sqrt(fan_in)``; repeating the input ``num_sends`` times divides
    it by ``num_sends``; ``num_sends`` is the smallest that brings it to at most 63/3.
    Returns ``(num_sends, std)``.
    """
    if fan_in < 1:
        raise ValueError(f"fan_in: expected a positive integer, got {fan_in}")
    std = 2.0**relu_shift * math.sqrt(2.0) / gain / math.sqrt(fan_in)
    n = max(1, math.ceil(std / INIT_STD_LIMIT))
    return n, std / n


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float,
                     bound: float = W_MAX) -> F64:
    """Normal(0, std) draws, redrawn until inside ``-bound..bound``."""
    out = rng.normal(0.0, std, shape)
    bad = np.abs(out) > bound
    while bad.any():
        out[bad] = rng.normal(0.0, std, int(bad.sum()))
        bad = np.abs(out) > bound
    return out


# ---- ConvertingReLU --------------------------------------------------------------------------
def converting_relu_chip(y: npt.NDArray[np.integer], shift: int) -> I64:
    """int8 -> UInt5: ``min(max(y, 0) >> shift, 31)`` (grenade's ConvertingReLU)."""
    return np.minimum(np.maximum(y.astype(np.int64), 0) >> shift, X_MAX)


def converting_relu_float(y: F64, shift: int) -> F64:
    """Float version without the floor: ``clip(y / 2**shift, 0, 31)``."""
    return np.clip(y / 2.0**shift, 0.0, float(X_MAX))


def converting_relu_backward(grad: F64, y: F64, shift: int, exact: bool = False) -> F64:
    """hxtorch's backward ``grad * (y > 0) / 2**shift``; ``exact`` also zeroes the gradient
    where the float forward clips at 31 (the exact derivative of ``converting_relu_float``)."""
    mask = y > 0
    if exact:
        mask &= y < X_MAX * 2.0**shift
    return grad * mask / 2.0**shift


# ---- patches for the convolution -------------------------------------------------------------
def conv_output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    out = (size + 2 * pad - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"conv: kernel {kernel} larger than the padded input {size + 2 * pad}")
    return out


def im2col(x: npt.NDArray[np.generic], kernel: int, stride: int,
           pad: int) -> npt.NDArray[np.generic]:
    """``x[B, C, H, W]`` -> patches ``[B * OH * OW, C * kernel * kernel]`` (zero padding),
    patch order row-major over (OH, OW), features ordered (C, kh, kw)."""
    b, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kernel, kernel), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]  # [B, C, OH, OW, k, k]
    oh, ow = win.shape[2], win.shape[3]
    patches = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5))
    return patches.reshape(b * oh * ow, c * kernel * kernel)


# ---- layers ----------------------------------------------------------------------------------
@dataclass
class MacLayer:
    """A multiply-accumulate layer: shadow weights ``w[K, N]`` (float, chip units) and the
    ``num_sends`` it runs with. ``in_shape``: the layer's input per example."""

    name: str
    w: F64
    num_sends: int

    @property
    def fan_in(self) -> int:
        return int(self.w.shape[0])

    def timing(self, event_wait: int) -> Timing:
        return Timing(num_sends=self.num_sends, event_wait=event_wait)

    def rows(self, x: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """Input ``[B, ...]`` -> the matrix whose rows are the VMM input vectors."""
        return x.reshape(x.shape[0], -1)

    def unrows(self, y: npt.NDArray[np.generic], batch: int) -> npt.NDArray[np.generic]:
        """VMM outputs ``[rows, N]`` -> the layer output ``[B, ...]`` (flattened)."""
        return y.reshape(batch, -1)

    def vmms_per_example(self) -> int:
        return tile_count(*self.w.shape)


@dataclass
class Linear(MacLayer):
    """Dense layer without bias: ``x[B, K] -> y[B, N]``."""


@dataclass
class Conv2d(MacLayer):
    """2-D convolution without bias, run as one VMM per output position (patch).

    ``w[C * k * k, out_channels]``; input ``[B, C, H, W]``; output flattened ``[B, out * OH * OW]``
    in (channel, row, column) order (torch's ``flatten`` of ``[B, out, OH, OW]``).
    """

    in_channels: int = 1
    kernel: int = 10
    stride: int = 5
    pad: int = 1
    in_hw: tuple[int, int] = (28, 28)

    @property
    def out_hw(self) -> tuple[int, int]:
        return (conv_output_size(self.in_hw[0], self.kernel, self.stride, self.pad),
                conv_output_size(self.in_hw[1], self.kernel, self.stride, self.pad))

    @property
    def positions(self) -> int:
        oh, ow = self.out_hw
        return oh * ow

    def rows(self, x: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        b = x.shape[0]
        x4 = x.reshape(b, self.in_channels, *self.in_hw)
        return im2col(x4, self.kernel, self.stride, self.pad)

    def unrows(self, y: npt.NDArray[np.generic], batch: int) -> npt.NDArray[np.generic]:
        n = y.shape[1]
        return np.ascontiguousarray(y.reshape(batch, self.positions, n).transpose(0, 2, 1)
                                    ).reshape(batch, n * self.positions)

    def rows_grad(self, g: F64) -> F64:
        """Gradient w.r.t. the flattened output ``[B, out * P]`` -> per-patch ``[B * P, out]``."""
        b = g.shape[0]
        n = self.w.shape[1]
        return np.ascontiguousarray(g.reshape(b, n, self.positions).transpose(0, 2, 1)
                                    ).reshape(b * self.positions, n)

    def vmms_per_example(self) -> int:
        return self.positions * tile_count(*self.w.shape)
