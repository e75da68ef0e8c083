"""Training in numpy: plain float (the software reference) and chip-in-the-loop.

Chip-in-the-loop (hxtorch's method): the forward pass runs on an ``hxsim.device.VmmDevice`` (e.g.
the fast path of a chip instance, noise and fixed pattern on) with the shadow weights rounded and
clamped to +-63; the backward pass goes through the gain-scaled linear model
(``Network.backward``); Adam updates the float shadow weights, which are clamped to +-63 after
every step (hxtorch's ``clamp_weight_``).

Every source of randomness is a numpy ``Generator`` created from a recorded seed: data shuffling
(``shuffle_seed``), weight init (``init_seed``), the chip's fixed pattern (``fixed_seed``) and its
trial noise (``noise_seed``). Same seeds, same data and same settings give the same run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from hxsim.device import VmmDevice
from hxsim.golden import W_MAX
from hxsim.nn.data import Split
from hxsim.nn.network import Network, softmax_xent
from hxsim.progress import Progress
from hxsim.types import F64, I64


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run.

    Attributes:
        epochs: passes over the training set.
        batch_size: examples per step.
        lr: Adam step size in weight units (the weights live in -63..63).
        lr_final: the step size at the end (cosine decay from ``lr``).
        logit_scale: the loss is the cross-entropy of ``softmax(logit_scale * logits)``; logits are
            in CADC LSB (int8 on the chip).
        shuffle_seed: seed of the example order.
        exact_relu: use the exact float ReLU derivative (float training) instead of hxtorch's.
    """

    epochs: int = 10
    batch_size: int = 200
    lr: float = 1.0
    lr_final: float = 0.05
    logit_scale: float = 0.125
    shuffle_seed: int = 1
    exact_relu: bool = False

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_size < 1:
            raise ValueError(f"epochs/batch_size: expected >= 0 / >= 1, got "
                             f"{self.epochs}/{self.batch_size}")
        if not (self.lr > 0 and self.lr_final > 0 and self.logit_scale > 0):
            raise ValueError("lr, lr_final and logit_scale must be positive")


@dataclass
class Adam:
    """Adam on a dict of arrays (in place)."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0
    m: dict[str, F64] = field(default_factory=dict)
    v: dict[str, F64] = field(default_factory=dict)

    def step(self, params: dict[str, F64], grads: dict[str, F64], lr: float) -> None:
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            params[k] -= lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class EpochLog:
    epoch: int
    loss: float
    train_acc: float
    seconds: float
    vmms: int


def _lr(cfg: TrainConfig, step: int, total: int) -> float:
    if total <= 1:
        return cfg.lr
    c = 0.5 * (1.0 + math.cos(math.pi * step / (total - 1)))
    return cfg.lr_final + (cfg.lr - cfg.lr_final) * c


def train(net: Network, data: Split, cfg: TrainConfig, mode: str,
          device: VmmDevice | None = None, *, progress: bool = True,
          log: Callable[[str], None] | None = None) -> list[EpochLog]:
    """Train ``net`` in place (``mode`` ``float``, or ``chip`` with the forward pass on
    ``device``); returns one log per epoch (``vmms``: the device's VMMs in that epoch)."""
    rng = np.random.Generator(np.random.PCG64(cfg.shuffle_seed))
    n = len(data)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    opt = Adam()
    params = net.weights
    history: list[EpochLog] = []
    step = 0
    exact = cfg.exact_relu and mode == "float"
    for epoch in range(cfg.epochs):
        order = rng.permutation(n)
        t0 = time.perf_counter()
        v0 = device.vmms if device is not None else 0
        loss_sum = 0.0
        correct = 0
        with Progress(f"{mode} epoch {epoch + 1}/{cfg.epochs}", n, enabled=progress,
                      unit="img") as bar:
            for s0 in range(0, n, cfg.batch_size):
                idx = order[s0:s0 + cfg.batch_size]
                logits, cache = net.forward(data.images[idx], mode, device)
                loss, grad = softmax_xent(logits, data.labels[idx], cfg.logit_scale)
                grads = net.backward(cache, grad, exact_relu=exact)
                opt.step(params, grads, _lr(cfg, step, total))
                for w in params.values():
                    np.clip(w, -W_MAX, W_MAX, out=w)
                step += 1
                loss_sum += loss * idx.size
                correct += int((logits.argmax(axis=1) == data.labels[idx]).sum())
                bar.update(idx.size, loss=loss_sum / (s0 + idx.size),
                           acc=correct / (s0 + idx.size))
        rec = EpochLog(epoch + 1, loss_sum / n, correct / n, time.perf_counter() - t0,
                       (device.vmms if device is not None else 0) - v0)
        history.append(rec)
        if log is not None:
            log(f"{mode} epoch {rec.epoch}: loss {rec.loss:.4f}, train acc {rec.train_acc:.4f}, "
                f"{rec.seconds:.1f} s")
    return history


def predict(net: Network, images: np.ndarray, mode: str, device: VmmDevice | None = None,
            batch_size: int = 500, progress: bool = False, label: str = "eval") -> I64:
    """Predicted classes for ``images`` (argmax of the logits; ties go to the lowest class)."""
    out = np.empty(images.shape[0], dtype=np.int64)
    with Progress(label, images.shape[0], enabled=progress, unit="img") as bar:
        for s0 in range(0, images.shape[0], batch_size):
            logits, _ = net.forward(images[s0:s0 + batch_size], mode, device)
            out[s0:s0 + batch_size] = logits.argmax(axis=1)
            bar.update(logits.shape[0])
    return out


def accuracy(net: Network, data: Split, mode: str, device: VmmDevice | None = None,
             batch_size: int = 500, progress: bool = False, label: str = "eval") -> float:
    pred = predict(net, data.images, mode, device, batch_size, progress, label)
    return float((pred == data.labels).mean())


def config_dict(cfg: TrainConfig) -> dict[str, Any]:
    return asdict(cfg)
