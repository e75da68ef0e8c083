"""hxtorch's MNIST network on the simulated chip: forward on a device or in float, and the
backward pass through the gain-scaled linear model (hxtorch's hardware-in-the-loop method).

Network (bss2-facts.md section 5): input 28 x 28 scaled to 0..31, zero padding 1,
Conv2d(1 -> 20, kernel 10, stride 5) -> 20 x 5 x 5 = 500, ConvertingReLU(shift 1),
Linear(500 -> 128), ConvertingReLU(shift 1), Linear(128 -> 10); no biases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hxsim.checks import read_npz, require_file
from hxsim.device import VmmDevice, device_matmul
from hxsim.golden import X_MAX
from hxsim.nn.layers import (
    DEFAULT_GAIN,
    Conv2d,
    Linear,
    MacLayer,
    converting_relu_backward,
    converting_relu_chip,
    converting_relu_float,
    quantize_weight,
    scale_input,
    select_num_sends,
    truncated_normal,
)
from hxsim.outputs import atomic_path
from hxsim.types import F64, I64

FORMAT_VERSION = 1
MODES = ("chip", "float")


@dataclass
class Cache:
    """What the backward pass needs: per layer the VMM input rows and the pre-activation output."""

    rows: list[npt.NDArray[np.generic]] = field(default_factory=list)
    outputs: list[F64] = field(default_factory=list)


@dataclass
class Network:
    """A chain of MAC layers with ConvertingReLU between them (none after the last).

    Attributes:
        layers: the MAC layers; only the first may be a ``Conv2d``.
        gain: the analog gain the linear model assumes (LSB per unit x*w per send).
        relu_shift: the ConvertingReLU shift.
        event_wait: cycles between events on the chip (hxtorch's MNIST uses 2).
        meta: free-form metadata saved with the weights (seeds, training settings, results).
    """

    layers: list[MacLayer]
    gain: float = DEFAULT_GAIN
    relu_shift: int = 1
    event_wait: int = 2
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for layer in self.layers[1:]:
            if isinstance(layer, Conv2d):
                raise ValueError(f"layer {layer.name}: a Conv2d is supported only as first layer")

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def mnist(cls, rng: np.random.Generator, *, channels: int = 20, hidden: int = 128,
              classes: int = 10, in_hw: tuple[int, int] = (28, 28), gain: float = DEFAULT_GAIN,
              relu_shift: int = 1, event_wait: int = 2,
              num_sends: tuple[int | None, int | None, int | None] = (None, None, None)
              ) -> Network:
        """hxtorch's MNIST network with hxtorch's init: ``num_sends`` chosen per layer by
        ``select_num_sends`` unless given, weights truncated-normal within +-63."""
        conv = Conv2d("conv", np.zeros((100, channels)), 1, in_channels=1, kernel=10, stride=5,
                      pad=1, in_hw=in_hw)
        conv.w = np.zeros((conv.in_channels * conv.kernel**2, channels))
        fc1 = Linear("fc1", np.zeros((channels * conv.positions, hidden)), 1)
        fc2 = Linear("fc2", np.zeros((hidden, classes)), 1)
        layers: list[MacLayer] = [conv, fc1, fc2]
        for layer, ns in zip(layers, num_sends, strict=True):
            auto_ns, std = select_num_sends(layer.fan_in, relu_shift, gain)
            layer.num_sends = auto_ns if ns is None else int(ns)
            std = std * auto_ns / layer.num_sends
            layer.w = truncated_normal(rng, layer.w.shape, std)
        return cls(layers, gain=gain, relu_shift=relu_shift, event_wait=event_wait)

    def copy(self) -> Network:
        layers = [type(la)(**{**la.__dict__, "w": la.w.copy()}) for la in self.layers]
        return Network(layers, self.gain, self.relu_shift, self.event_wait, dict(self.meta))

    @property
    def weights(self) -> dict[str, F64]:
        return {la.name: la.w for la in self.layers}

    def vmms_per_example(self) -> int:
        """Tile VMMs one example needs on the chip."""
        return sum(la.vmms_per_example() for la in self.layers)

    # ---- forward / backward ------------------------------------------------------------------
    def inputs(self, images: npt.NDArray[np.generic], mode: str) -> npt.NDArray[np.generic]:
        """Images (uint8 0..255) -> first-layer inputs: integers 0..31 on the chip, the same
        scale without rounding in float."""
        if mode == "chip":
            return scale_input(images)
        return np.asarray(images, dtype=np.float64) * (X_MAX / 255.0)

    def forward(self, images: npt.NDArray[np.generic], mode: str,
                device: VmmDevice | None = None) -> tuple[F64, Cache]:
        """Logits ``[B, classes]`` (int8 values as float on the chip) and the cache for backward.

        ``mode`` ``chip``: every layer as tile VMMs on ``device`` (``hxsim.device.VmmDevice``)
        with the quantized weights; ``float``: the gain-scaled linear model with float
        activations (the software network). Raises ``ValueError`` for an unknown mode or a
        missing device.
        """
        if mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
        if mode == "chip" and device is None:
            raise ValueError("forward: mode 'chip' needs a device")
        b = images.shape[0]
        a = self.inputs(images, mode)
        cache = Cache()
        out: F64 = np.zeros((b, 0))
        for i, layer in enumerate(self.layers):
            xr = layer.rows(a)
            if mode == "chip":
                assert device is not None
                y = device_matmul(device, xr.astype(np.int64), quantize_weight(layer.w),
                                  layer.timing(self.event_wait)).astype(np.float64)
            else:
                xf = np.asarray(xr, dtype=np.float64)
                y = (self.gain * layer.num_sends) * (xf @ np.clip(layer.w, -63.0, 63.0))
            out = np.asarray(layer.unrows(y, b), dtype=np.float64)
            cache.rows.append(xr)
            cache.outputs.append(out)
            if i + 1 < len(self.layers):
                a = (converting_relu_chip(out.astype(np.int64), self.relu_shift)
                     if mode == "chip" else converting_relu_float(out, self.relu_shift))
        return out, cache

    def backward(self, cache: Cache, grad_out: F64, exact_relu: bool = False) -> dict[str, F64]:
        """Gradients of the shadow weights through the linear model (straight-through):
        ``grad_W = g n x^T grad_y``, ``grad_x = g n grad_y W^T``, ConvertingReLU backward
        ``grad (y > 0) / 2**shift`` (``exact_relu``: also zero where the float forward clips)."""
        grads: dict[str, F64] = {}
        g = grad_out
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            s = self.gain * layer.num_sends
            gr = layer.rows_grad(g) if isinstance(layer, Conv2d) else g
            xr = np.asarray(cache.rows[i], dtype=np.float64)
            grads[layer.name] = s * (xr.T @ gr)
            if i > 0:
                gx = s * (gr @ np.clip(layer.w, -63.0, 63.0).T)
                g = converting_relu_backward(gx.reshape(cache.outputs[i - 1].shape),
                                             cache.outputs[i - 1], self.relu_shift, exact_relu)
        return grads

    # ---- save / load ---------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        layers = []
        for la in self.layers:
            d: dict[str, Any] = {"name": la.name, "type": type(la).__name__,
                                 "shape": list(la.w.shape), "num_sends": la.num_sends}
            if isinstance(la, Conv2d):
                d.update(in_channels=la.in_channels, kernel=la.kernel, stride=la.stride,
                         pad=la.pad, in_hw=list(la.in_hw))
            layers.append(d)
        return {"format": FORMAT_VERSION, "gain": self.gain, "relu_shift": self.relu_shift,
                "event_wait": self.event_wait, "layers": layers}

    def save(self, path: str | Path) -> None:
        """Weights and metadata in one ``.npz`` (no pickles)."""
        arch = self.describe()
        blob = json.dumps({"arch": arch, "meta": self.meta})
        arrays: dict[str, Any] = {la.name: la.w for la in self.layers}
        with atomic_path(path) as tmp, tmp.open("wb") as f:  # temporary file, then renamed
            np.savez(f, __json__=np.array(blob), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        p = Path(path)
        require_file(p, "weights file")
        z = read_npz(p)  # NpzError (a ValueError) naming the file
        try:
            blob = json.loads(str(z.pop("__json__")))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{p}: not a weights file written by `hxsim train` (no readable "
                             "__json__ member)") from exc
        try:
            return cls._from_blob(p, blob, z)
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise ValueError(f"{p}: not a weights file written by `hxsim train` (architecture "
                             f"field {exc!s} missing or of the wrong type)") from exc

    @classmethod
    def _from_blob(cls, p: Path, blob: Any, arrays: dict[str, Any]) -> Network:
        arch = blob["arch"]
        if arch.get("format") != FORMAT_VERSION:
            raise ValueError(f"{p}: format: expected {FORMAT_VERSION}, got {arch.get('format')}")
        layers: list[MacLayer] = []
        for d in arch["layers"]:
            w = np.asarray(arrays[d["name"]], dtype=np.float64)
            if list(w.shape) != d["shape"]:
                raise ValueError(f"{p}: {d['name']}: weight shape {w.shape} != {d['shape']}")
            if d["type"] == "Conv2d":
                layers.append(Conv2d(d["name"], w, int(d["num_sends"]),
                                     in_channels=int(d["in_channels"]), kernel=int(d["kernel"]),
                                     stride=int(d["stride"]), pad=int(d["pad"]),
                                     in_hw=(int(d["in_hw"][0]), int(d["in_hw"][1]))))
            elif d["type"] == "Linear":
                layers.append(Linear(d["name"], w, int(d["num_sends"])))
            else:
                raise ValueError(f"{p}: {d['name']}: unknown layer type {d['type']!r}")
        return cls(layers, gain=float(arch["gain"]), relu_shift=int(arch["relu_shift"]),
                   event_wait=int(arch["event_wait"]), meta=blob.get("meta", {}))


def softmax_xent(logits: F64, labels: I64, scale: float) -> tuple[float, F64]:
    """Mean cross-entropy of ``softmax(scale * logits)`` and its gradient w.r.t. ``logits``."""
    z = scale * logits
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = float(-np.log(p[np.arange(n), labels] + 1e-12).mean())
    p[np.arange(n), labels] -= 1.0
    return loss, p * (scale / n)
