"""hxtorch's MNIST network (bss2-facts.md section 5), mapping strategies, and the helpers that put
a model on a chip: ``attach`` (the ``Chip`` of every layer), ``set_mode`` (chip / mock / float),
``vmms_per_example``, checkpoints (``save_checkpoint``/``load_checkpoint``: ``state_dict`` plus
the architecture and metadata, read back with ``weights_only=True``).

Network: ``InputScale`` (pixels 0..255 -> 0..31), ``Conv2d(1 -> 20, kernel 10, stride 5,
padding 1)`` -> 20 x 5 x 5 = 500, ``ConvertingReLU(1)``, ``Linear(500 -> 128)``,
``ConvertingReLU(1)``, ``Linear(128 -> 10)``, no biases, ``wait_between_events`` 2.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import torch

from hxsim.checks import require_file
from hxsim.golden import TILE_COLS, TILE_ROWS
from hxsim.nn.chip import Chip, MockParameter
from hxsim.nn.layers import (
    SIGNED,
    Conv1d,
    Conv2d,
    ConvertingReLU,
    ExpandedConv1d,
    InputScale,
    Layer,
    Linear,
    MACLayer,
)
from hxsim.outputs import atomic_path

FORMAT = "hxsim-nn-checkpoint"
VERSION = 2


@dataclass(frozen=True)
class Mapping:
    """How the dense layers are put on the chip (docs/nn.md, "Mapping strategies").

    Attributes:
        name: the strategy's name in reports.
        num_sends: per MAC layer (conv, fc1, fc2): a count, or None for hxtorch's automatic
            choice (``MACLayer.reset_parameters``); "plain" uses 1.
        row_repeat: each input of the dense layers on k rows.
        avg: each output of the dense layers on ``avg`` columns, averaged.
        signed: ``"synapse"`` or ``"rows"`` (see ``hxsim.nn.layers``).
    """

    name: str = "sends"
    num_sends: tuple[int | None, int | None, int | None] = (None, None, None)
    row_repeat: int = 1
    avg: int = 1
    signed: str = "synapse"

    def __post_init__(self) -> None:
        if self.row_repeat < 1 or self.avg < 1 or self.signed not in SIGNED:
            raise ValueError(f"mapping {self.name}: row_repeat and avg must be >= 1 and signed "
                             f"one of {', '.join(SIGNED)}")


#: The strategies of the mapping report (``hxsim train --mapping``).
MAPPINGS: dict[str, Mapping] = {
    "plain": Mapping("plain", num_sends=(1, 1, 1)),
    "sends": Mapping("sends"),
    "rows2": Mapping("rows2", row_repeat=2),
    "avg2": Mapping("avg2", avg=2),
    "signed-rows": Mapping("signed-rows", signed="rows"),
}


@dataclass(frozen=True)
class NetConfig:
    """Architecture of the MNIST network: sizes, ``relu_shift``, ``wait_between_events`` and the
    mapping. Saved in checkpoints."""

    channels: int = 20
    hidden: int = 128
    classes: int = 10
    in_hw: tuple[int, int] = (28, 28)
    kernel: int = 10
    stride: int = 5
    padding: int = 1
    relu_shift: int = 1
    wait_between_events: int = 2
    mapping: Mapping = field(default_factory=Mapping)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetConfig:
        m = dict(d["mapping"])
        mapping = Mapping(m["name"], tuple(m["num_sends"]),
                          int(m["row_repeat"]), int(m["avg"]), str(m["signed"]))
        return cls(int(d["channels"]), int(d["hidden"]), int(d["classes"]),
                   (int(d["in_hw"][0]), int(d["in_hw"][1])), int(d["kernel"]), int(d["stride"]),
                   int(d["padding"]), int(d["relu_shift"]), int(d["wait_between_events"]),
                   mapping)


def mnist_model(config: NetConfig | None = None, *, seed: int = 0,
                mock_parameter: MockParameter | None = None) -> torch.nn.Sequential:
    """The network of ``config`` with hxtorch's init (``reset_parameters``: ``num_sends`` chosen
    where None, truncated-normal weights); the init draws come from torch's generator seeded
    with ``seed`` (its previous state restored). ``mock_parameter``: the gain the
    init assumes (hxtorch measures it first; default 0.002)."""
    c = config if config is not None else NetConfig()
    m = c.mapping
    p = mock_parameter if mock_parameter is not None else MockParameter()
    gen_state = torch.random.get_rng_state()  # the layers' constructors draw a first init
    oh = (c.in_hw[0] + 2 * c.padding - c.kernel) // c.stride + 1
    ow = (c.in_hw[1] + 2 * c.padding - c.kernel) // c.stride + 1
    conv = Conv2d(1, c.channels, c.kernel, c.stride, c.padding, bias=False,
                  num_sends=m.num_sends[0], wait_between_events=c.wait_between_events,
                  mock_parameter=p)
    fc1 = Linear(c.channels * oh * ow, c.hidden, bias=False, num_sends=m.num_sends[1],
                 wait_between_events=c.wait_between_events, avg=m.avg,
                 row_repeat=m.row_repeat, signed=m.signed, mock_parameter=p)
    fc2 = Linear(c.hidden, c.classes, bias=False, num_sends=m.num_sends[2],
                 wait_between_events=c.wait_between_events, avg=m.avg,
                 row_repeat=m.row_repeat, signed=m.signed, mock_parameter=p)
    try:
        torch.manual_seed(seed)
        for layer, ns in zip((conv, fc1, fc2), m.num_sends, strict=True):
            layer.num_sends = ns
            layer.reset_parameters(relu_shift=c.relu_shift)
            n = layer.num_sends or 1
            if ns is None and layer.row_repeat > 1:
                # k rows carry k times the signal: fewer sends, weights rescaled to match
                fewer = max(1, math.ceil(n / layer.row_repeat))
                with torch.no_grad():
                    layer.weight.mul_(n / (fewer * layer.row_repeat))
                layer.num_sends = fewer
            layer.mock_parameter = None
    finally:
        torch.random.set_rng_state(gen_state)
    return torch.nn.Sequential(InputScale(), conv, ConvertingReLU(c.relu_shift),
                               torch.nn.Flatten(), fc1, ConvertingReLU(c.relu_shift), fc2)


def layers(model: torch.nn.Module) -> list[Layer]:
    return [m for m in model.modules() if isinstance(m, Layer)]


def mac_layers(model: torch.nn.Module) -> list[MACLayer]:
    return [m for m in model.modules() if isinstance(m, MACLayer)]


def attach(model: torch.nn.Module, chip: Chip | None) -> torch.nn.Module:
    """Every layer of ``model`` runs on ``chip`` (its device, calibration, mock parameters)."""
    for la in layers(model):
        la.chip = chip
    return model


def set_mode(model: torch.nn.Module, mode: str | None) -> torch.nn.Module:
    """Every layer of ``model`` in ``mode`` (``chip``, ``mock``, ``float``; None: each layer's
    ``mock`` flag decides, as in hxtorch)."""
    from hxsim.nn.functional import resolve_mode

    if mode is not None:
        resolve_mode(False, mode)
    for la in layers(model):
        la.mode = mode
    return model


def vmms_per_example(model: torch.nn.Module, example_shape: tuple[int, ...]) -> int:
    """Tile VMMs one example of ``example_shape`` needs in chip mode (a dry run in float mode
    counts the VMM rows each MAC layer issues)."""
    counts: list[int] = []

    def hook(mod: torch.nn.Module, args: tuple[Any, ...], out: torch.Tensor) -> None:
        assert isinstance(mod, MACLayer)
        rows = mod.vmm_rows()
        cols = mod.vmm_cols() if isinstance(mod, Linear) else mod.weight.shape[0]
        if isinstance(mod, ExpandedConv1d):
            cols *= mod.num_expansions
            rows = mod.weight.shape[1] * ((mod.num_expansions - 1) * mod.stride[0]
                                          + mod.kernel_size[0])
            vectors = math.ceil(out.shape[-1] / mod.num_expansions)
        elif isinstance(mod, Conv1d | Conv2d):
            vectors = math.prod(out.shape[2:])
        else:
            vectors = math.prod(out.shape[1:-1]) if out.dim() > 2 else 1
        counts.append(vectors * math.ceil(rows / TILE_ROWS) * math.ceil(cols / TILE_COLS))

    modes = [la.mode for la in layers(model)]
    set_mode(model, "float")
    handles = [cast(torch.nn.Module, m).register_forward_hook(hook) for m in mac_layers(model)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *example_shape))
    finally:
        for h in handles:
            h.remove()
        for la, md in zip(layers(model), modes, strict=True):
            la.mode = md
    return sum(counts)


def save_checkpoint(path: str | Path, model: torch.nn.Module, config: NetConfig,
                    meta: dict[str, Any]) -> None:
    """``model.state_dict()``, the architecture (``config``, ``num_sends`` per layer) and
    ``meta`` (seeds, settings, results) in one file, written atomically."""
    blob = {"format": FORMAT, "version": VERSION, "config": config.to_dict(),
            "num_sends": [la.num_sends for la in mac_layers(model)],
            "state_dict": model.state_dict(), "meta": meta}
    with atomic_path(path) as tmp:
        torch.save(blob, tmp)


def load_checkpoint(path: str | Path) -> tuple[torch.nn.Sequential, NetConfig, dict[str, Any]]:
    """Read a checkpoint of ``save_checkpoint``: (model, config, meta). Raises
    ``FileNotFoundError`` for a missing file, a directory or a special file
    (``hxsim.checks.require_file``) and ``ValueError`` naming the file otherwise."""
    p = require_file(path, "weights file")
    try:
        blob = torch.load(p, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises several types for a bad file
        raise ValueError(f"{p}: not a checkpoint written by `hxsim train` (torch.load: "
                         f"{type(exc).__name__})") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(f"{p}: format: expected {FORMAT!r} (a checkpoint of `hxsim train`)")
    if blob.get("version") != VERSION:
        raise ValueError(f"{p}: version: expected {VERSION}, got {blob.get('version')}")
    try:
        config = NetConfig.from_dict(blob["config"])
        ns = [int(n) for n in blob["num_sends"]]
        mapping = replace(config.mapping, num_sends=(ns[0], ns[1], ns[2]))
        model = mnist_model(replace(config, mapping=mapping))
        model.load_state_dict(blob["state_dict"])
    except (KeyError, TypeError, IndexError, RuntimeError) as exc:
        raise ValueError(f"{p}: architecture or weights unreadable ({exc})") from exc
    return model, config, dict(blob.get("meta", {}))
