"""Training and evaluation with torch optimizers and ``torch.utils.data``.

* Float training: every layer in ``float`` mode (the gain-scaled linear model, exact gradients).
* Chip in the loop (hxtorch's method): the layers in ``chip`` mode, forward on the chip's device
  (noise and fixed pattern on), backward through the linear model scaled by the chip's measured
  gain (``hxsim.nn.functional._Mac``, straight-through); the weights are clamped to -63..63 in
  every forward (``clamp_weight_``) and after every step.

Adam on the float weights (step size in weight units), cosine decay from ``lr`` to ``lr_final``
per step, loss = cross-entropy of ``softmax(logit_scale * logits)``. Randomness: the data order
comes from a ``torch.Generator`` seeded with ``shuffle_seed``; the chip's noise from its own
seeds; same seeds, data and settings give the same run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch.utils.data import DataLoader, TensorDataset

from hxsim.checks import check_int, check_seed
from hxsim.golden import W_MAX
from hxsim.nn.data import Split
from hxsim.nn.models import mac_layers, set_mode
from hxsim.progress import Progress


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run (see the module docstring)."""

    epochs: int = 10
    batch_size: int = 200
    lr: float = 0.5
    lr_final: float = 0.025
    logit_scale: float = 0.125
    shuffle_seed: int = 1

    def __post_init__(self) -> None:
        # numpy scalars are taken and stored as Python numbers (the config goes to JSON)
        object.__setattr__(self, "epochs", check_int(self.epochs, "TrainConfig.epochs", 0,
                                                     1_000_000))
        object.__setattr__(self, "batch_size", check_int(self.batch_size,
                                                         "TrainConfig.batch_size", 1, 10_000_000))
        check_seed(self.shuffle_seed, "TrainConfig.shuffle_seed")
        # torch.Generator.manual_seed takes a signed 64-bit seed
        object.__setattr__(self, "shuffle_seed", check_int(
            self.shuffle_seed, "TrainConfig.shuffle_seed", 0, 2**63 - 1))
        for name in ("lr", "lr_final", "logit_scale"):
            v = getattr(self, name)
            if (isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number)
                    or not (math.isfinite(v) and v > 0)):
                raise ValueError(f"TrainConfig.{name}: expected a finite number > 0, got {v!r}")
            object.__setattr__(self, name, float(v))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EpochLog:
    epoch: int
    loss: float
    train_acc: float
    seconds: float


def dataset(split: Split) -> TensorDataset:
    """Images as float32 ``[N, 1, H, W]`` (pixel values 0..255) and int64 labels."""
    images = torch.from_numpy(split.images).unsqueeze(1).to(torch.float32)
    return TensorDataset(images, torch.from_numpy(split.labels))


def loader(split: Split, batch_size: int, seed: int | None) -> DataLoader:
    """Batches of ``split``; shuffled with a generator seeded ``seed`` (None: in order)."""
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    return DataLoader(dataset(split), batch_size=batch_size, shuffle=seed is not None,
                      generator=gen)


def clamp_weights(model: torch.nn.Module) -> None:
    with torch.no_grad():
        for la in mac_layers(model):
            la.weight.clamp_(-W_MAX, W_MAX)


def train(model: torch.nn.Module, data: Split, cfg: TrainConfig, mode: str, *,
          progress: bool = True, log: Callable[[str], None] | None = None) -> list[EpochLog]:
    """Train ``model`` in place in ``mode`` (``float``, ``mock`` or ``chip``: the layers' chip must
    be attached). Returns one log per epoch."""
    set_mode(model, mode)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    total = max(1, math.ceil(len(data) / cfg.batch_size) * cfg.epochs)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, total - 1),
                                                       eta_min=cfg.lr_final)
    history: list[EpochLog] = []
    batches = loader(data, cfg.batch_size, cfg.shuffle_seed)
    for epoch in range(cfg.epochs):
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        with Progress(f"{mode} epoch {epoch + 1}/{cfg.epochs}", len(data), enabled=progress,
                      unit="img") as bar:
            for images, labels in batches:
                logits = model(images)
                loss = torch.nn.functional.cross_entropy(cfg.logit_scale * logits, labels)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                clamp_weights(model)
                n = int(labels.shape[0])
                seen += n
                loss_sum += float(loss.detach()) * n
                correct += int((logits.argmax(1) == labels).sum())
                bar.update(n, loss=loss_sum / seen, acc=correct / seen)
        rec = EpochLog(epoch + 1, loss_sum / max(seen, 1), correct / max(seen, 1),
                       time.perf_counter() - t0)
        history.append(rec)
        if log is not None:
            log(f"{mode} epoch {rec.epoch}: loss {rec.loss:.4f}, train acc {rec.train_acc:.4f}, "
                f"{rec.seconds:.1f} s")
    return history


def predict(model: torch.nn.Module, data: Split, mode: str, batch_size: int = 500,
            progress: bool = False, label: str = "eval") -> npt.NDArray[np.int64]:
    """Predicted classes (argmax; ties to the lowest class) of ``data``'s images in ``mode``."""
    set_mode(model, mode)
    model.eval()
    out = np.empty(len(data), dtype=np.int64)
    pos = 0
    with torch.no_grad(), Progress(label, len(data), enabled=progress, unit="img") as bar:
        for images, _ in loader(data, batch_size, None):
            pred = model(images).argmax(1).numpy()
            out[pos:pos + pred.size] = pred
            pos += pred.size
            bar.update(pred.size)
    return out


def accuracy(model: torch.nn.Module, data: Split, mode: str, batch_size: int = 500,
             progress: bool = False, label: str = "eval") -> float:
    return float((predict(model, data, mode, batch_size, progress, label) == data.labels).mean())
