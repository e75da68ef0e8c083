"""Layers as ``torch.nn.Module``s with hxtorch's names and semantics (``hxtorch.perceptron.nn``):
``Linear``, ``Conv1d``, ``ExpandedConv1d``, ``Conv2d``, ``ReLU``, ``ConvertingReLU``, plus
``InputScale`` and ``OutputScale``.

As in hxtorch, a MAC layer has ``num_sends`` (None: chosen by ``reset_parameters``),
``wait_between_events``, ``mock``, ``input_transform`` and ``weight_transform`` (default
``clamp_weight_``: the weights clamped in place to -63..63 before every forward), ``Linear`` has
``avg`` (each output computed on ``avg`` columns with the same weights and averaged), biases are
added digitally (hxtorch's ``add``) unless ``bias_row`` puts them on the chip as a constant input
row (31 on one extra row, its weights ``bias / (31 * gain * num_sends)``). Beyond hxtorch
(mapping strategies, docs/nn.md): ``row_repeat`` (each input on k rows: k times the signal,
driver mismatch averaged) and ``signed`` (``"synapse"``: the signed weight on one logical row,
i.e. the exc/inh synapse pair the chip model gives every logical row; ``"rows"``: the positive
and negative parts on two adjacent logical rows with the input on both, ``encode_rows``).

Where a layer runs: ``mode`` (``"chip"``, ``"mock"``, ``"float"``; None follows ``mock``), its
``chip`` (``hxsim.nn.Chip``, set by ``hxsim.nn.attach``) and optionally its own
``mock_parameter`` (per-layer gain and noise for the mock formula and the backward pass).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from hxsim.golden import W_MAX, X_MAX
from hxsim.nn import functional as hf
from hxsim.nn.chip import DEFAULT_WAIT_BETWEEN_EVENTS, Chip, MockParameter

Transform = Callable[[torch.Tensor], torch.Tensor]
SIGNED = ("synapse", "rows")


def scale_input(x: torch.Tensor) -> torch.Tensor:
    """hxtorch's ``scale_input``: scaled so that the largest value is 31."""
    with torch.no_grad():
        m = torch.max(x)
        factor = X_MAX / m if m > 0 else 1.0
    return x * factor


def scale_weight(w: torch.Tensor) -> torch.Tensor:
    """hxtorch's ``scale_weight``: scaled so that the largest magnitude is 63."""
    with torch.no_grad():
        m = torch.max(torch.abs(w))
        factor = W_MAX / m if m > 0 else 1.0
    return w * factor


def clamp_weight_(w: torch.Tensor) -> torch.Tensor:
    """hxtorch's ``clamp_weight_``: ``w`` clamped in place to -63..63 (and returned)."""
    with torch.no_grad():
        torch.clamp(w, -W_MAX, W_MAX, out=w)
    return w


def encode_rows(x: torch.Tensor, w: torch.Tensor, row_repeat: int = 1,
                signed: str = "synapse") -> tuple[torch.Tensor, torch.Tensor]:
    """The logical rows of ``x[..., K] @ w[K, N]`` on the chip: ``row_repeat`` copies of every
    input row next to each other, then, for ``signed="rows"``, each row split into its positive
    part ``relu(w)`` and its negative part ``w - relu(w)`` on two adjacent rows that get the same
    input. Returns ``(x[..., K'], w[K', N])`` with ``K' = K * row_repeat * (2 if rows else 1)``;
    ``x' @ w'`` is ``row_repeat * x @ w`` (exact for integer values; float sums in another order)
    with the same gradients with respect to ``x`` and ``w``.

    The signed parts of one input sit on adjacent rows (as the chip's excitatory/inhibitory
    synapse rows, bss2-facts.md section 1), so every 128-row tile holds both parts of whole
    inputs and its partial sum is a signed sum (over 64 inputs at ``row_repeat`` 1). The earlier
    layout, all positive parts first and all negative parts after them, made whole tiles
    one-signed: their partial sums ran into the CADC's rails (a tile's result floors at about
    minus the baseline, -99 LSB on the calibrated chip, and is compressed beyond about -70 LSB),
    which the linear backward does not see, and chip-in-the-loop training diverged (docs/nn.md,
    "Results"). Raises ``ValueError`` for ``row_repeat < 1`` or an unknown ``signed``."""
    if int(row_repeat) < 1:
        raise ValueError(f"row_repeat: expected >= 1, got {row_repeat}")
    if signed not in SIGNED:
        raise ValueError(f"signed: expected one of {', '.join(SIGNED)}, got {signed!r}")
    if row_repeat > 1:
        x = x.repeat_interleave(int(row_repeat), -1)
        w = w.repeat_interleave(int(row_repeat), 0)
    if signed == "rows":
        pos = torch.relu(w)
        x = x.repeat_interleave(2, -1)
        w = torch.stack([pos, w - pos], 1).reshape(2 * w.shape[0], w.shape[1])
    return x, w


class Layer:
    """Base of every layer: ``mock`` (hxtorch), ``mode`` and the ``chip`` it runs on."""

    def __init__(self, mock: bool = False) -> None:
        self.mock = mock
        self.mode: str | None = None
        self.chip: Chip | None = None

    @property
    def run_mode(self) -> str:
        return hf.resolve_mode(self.mock, self.mode)


class MACLayer(Layer):
    """A multiply-accumulate layer (see the module docstring for the options)."""

    weight: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, num_sends: int | None = None,
                 wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
                 input_transform: Transform | None = None,
                 weight_transform: Transform | None = clamp_weight_,
                 row_repeat: int = 1, signed: str = "synapse", bias_row: bool = False,
                 mock_parameter: MockParameter | None = None) -> None:
        super().__init__(mock)
        if num_sends is not None and not 1 <= int(num_sends) <= 63:
            raise ValueError(f"num_sends: expected 1..63 or None, got {num_sends}")
        if not 1 <= int(wait_between_events) <= 255:
            raise ValueError(f"wait_between_events: expected 1..255, got {wait_between_events}")
        if int(row_repeat) < 1:
            raise ValueError(f"row_repeat: expected >= 1, got {row_repeat}")
        if signed not in SIGNED:
            raise ValueError(f"signed: expected one of {', '.join(SIGNED)}, got {signed!r}")
        self.num_sends = num_sends
        self.wait_between_events = int(wait_between_events)
        self.input_transform = input_transform
        self.weight_transform = weight_transform
        self.row_repeat = int(row_repeat)
        self.signed = signed
        self.bias_row = bool(bias_row)
        self.mock_parameter = mock_parameter

    def parameter(self) -> MockParameter:
        """The gain and noise this layer's mock formula and backward pass use."""
        if self.mock_parameter is not None:
            return self.mock_parameter
        return self.chip.mock if self.chip is not None else MockParameter()

    def reset_parameters(self, weight_mean: float = 0.0, relu_shift: int = 1) -> None:
        """hxtorch's init (He et al. 2015 for the chip's units): ``std = 2**relu_shift * sqrt(2) /
        gain / sqrt(fan_in)``; ``num_sends`` (if None) the smallest with ``std / num_sends <= 21``
        (63/3); weights truncated normal ``N(mean, std / num_sends)`` within -63..63; the bias
        uniform within ``+-std / sqrt(fan_in)... / (31 / sqrt(3))`` (hxtorch's bound)."""
        fan_in = self.weight[0].numel()
        gain_tot = 2.0**relu_shift * math.sqrt(2.0) / self.parameter().gain
        std = gain_tot / math.sqrt(fan_in)
        if self.num_sends is None:
            self.num_sends = max(1, math.ceil(std / (W_MAX / 3)))
        std /= self.num_sends
        torch.nn.init.trunc_normal_(self.weight, mean=weight_mean, std=std, a=-W_MAX, b=W_MAX)
        if self.bias is not None:
            bound = gain_tot / math.sqrt(fan_in) / (X_MAX / math.sqrt(3.0))
            with torch.no_grad():
                self.bias.uniform_(-bound, bound)

    def mapped_matmul(self, x: torch.Tensor, w: torch.Tensor, avg: int = 1) -> torch.Tensor:
        """``x[..., K] @ w[K, N]`` with this layer's mapping (row repetition and signed encoding
        by ``encode_rows``, column duplication ``avg``) in its mode."""
        x, w = encode_rows(x, w, self.row_repeat, self.signed)
        if avg > 1:
            w = w.repeat_interleave(avg, -1)
        y = hf.matmul(x, w, self.num_sends, self.wait_between_events, self.mock,
                      mode=self.mode, chip=self.chip, mock_parameter=self.mock_parameter)
        if avg > 1:
            y = F.avg_pool1d(y.reshape(-1, 1, y.shape[-1]), avg).reshape(*y.shape[:-1], -1)
        return y

    def bias_weights(self, bias: torch.Tensor) -> torch.Tensor:
        """The weights of the constant bias row (input 31) for ``bias`` in output units."""
        return bias / (X_MAX * self.parameter().gain * (self.num_sends or 1) * self.row_repeat)

    def vmm_rows(self) -> int:
        """Logical rows one VMM of this layer uses (before tiling)."""
        k = self.weight[0].numel() * self.row_repeat
        k = 2 * k if self.signed == "rows" else k
        return k + (self.row_repeat if self.bias_row and self.bias is not None else 0)


class Linear(MACLayer, torch.nn.Linear):  # type: ignore[misc]
    """hxtorch's ``Linear(in_features, out_features, bias, num_sends, wait_between_events, mock,
    *, avg, input_transform, weight_transform)``; ``weight[out, in]`` as torch's."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 num_sends: int | None = None,
                 wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
                 avg: int = 1, input_transform: Transform | None = None,
                 weight_transform: Transform | None = clamp_weight_, row_repeat: int = 1,
                 signed: str = "synapse", bias_row: bool = False,
                 mock_parameter: MockParameter | None = None) -> None:
        MACLayer.__init__(self, num_sends, wait_between_events, mock,
                          input_transform=input_transform, weight_transform=weight_transform,
                          row_repeat=row_repeat, signed=signed, bias_row=bias_row,
                          mock_parameter=mock_parameter)
        if int(avg) < 1:
            raise ValueError(f"avg: expected >= 1, got {avg}")
        self.avg = int(avg)
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if int(v) < 1:
                raise ValueError(f"{name}: expected >= 1, got {v}")
        torch.nn.Linear.__init__(self, in_features, out_features, bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        weight, bias = self.weight, self.bias
        if self.weight_transform is not None:
            weight = self.weight_transform(weight)
        if self.input_transform is not None:
            input = self.input_transform(input)
        w = weight.t()
        if bias is not None and self.bias_row:
            w = torch.cat([w, self.bias_weights(bias)[None, :]], 0)
            input = torch.cat([input, torch.full_like(input[..., :1], float(X_MAX))], -1)
        out = self.mapped_matmul(input, w, self.avg)
        if bias is not None and not self.bias_row:
            out = hf.add(out, bias, self.mock, mode=self.mode)
        return out

    def vmm_cols(self) -> int:
        return self.out_features * self.avg


class _ConvNd(MACLayer):
    """Shared forward of the convolutions: padding as hxtorch (before the transforms), then the
    functional convolution. Dilation and groups other than 1 are refused, as in hxtorch."""

    padding: tuple[int, ...]
    padding_mode: str
    dilation: tuple[int, ...]
    groups: int
    stride: tuple[int, ...]

    def _prepare(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if any(d != 1 for d in self.dilation):
            raise ValueError("dilation: values other than 1 are not supported")
        if self.groups != 1:
            raise ValueError("groups: values other than 1 are not supported")
        if self.signed != "synapse" or self.row_repeat != 1 or self.bias_row:
            raise ValueError("convolutions support only signed='synapse', row_repeat=1, "
                             "bias_row=False")
        if any(self.padding):
            pads: list[int] = []
            for p in self.padding[::-1]:
                pads += [p, p]
            mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
            input = F.pad(input, tuple(pads), mode)
        weight = self.weight
        if self.weight_transform is not None:
            weight = self.weight_transform(weight)
        if self.input_transform is not None:
            input = self.input_transform(input)
        return input, weight

    def _kw(self) -> dict[str, Any]:
        return {"num_sends": self.num_sends, "wait_between_events": self.wait_between_events,
                "mock": self.mock, "mode": self.mode, "chip": self.chip,
                "mock_parameter": self.mock_parameter}


class Conv1d(_ConvNd, torch.nn.Conv1d):  # type: ignore[misc]
    """hxtorch's ``Conv1d``: one VMM row per output position."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", num_sends: int | None = None,
                 wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
                 input_transform: Transform | None = None,
                 weight_transform: Transform | None = clamp_weight_,
                 mock_parameter: MockParameter | None = None) -> None:
        MACLayer.__init__(self, num_sends, wait_between_events, mock,
                          input_transform=input_transform, weight_transform=weight_transform,
                          mock_parameter=mock_parameter)
        torch.nn.Conv1d.__init__(self, in_channels, out_channels, kernel_size, stride, padding,
                                 dilation, groups, bias, padding_mode)  # type: ignore[arg-type]

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x, w = self._prepare(input)
        return hf.conv1d(x, w, self.bias, self.stride[0], **self._kw())


class ExpandedConv1d(Conv1d):
    """hxtorch's ``ExpandedConv1d``: ``num_expansions`` output positions per VMM (the kernel
    unrolled into a banded matrix; default ``functional.default_expansions``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", num_sends: int | None = None,
                 wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
                 input_transform: Transform | None = None,
                 weight_transform: Transform | None = clamp_weight_,
                 num_expansions: int | None = None,
                 mock_parameter: MockParameter | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, num_sends, wait_between_events, mock,
                         input_transform=input_transform, weight_transform=weight_transform,
                         mock_parameter=mock_parameter)
        self.num_expansions = (int(num_expansions) if num_expansions is not None else
                               hf.default_expansions(in_channels, out_channels,
                                                     self.kernel_size[0], self.stride[0]))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x, w = self._prepare(input)
        return hf.expanded_conv1d(x, w, self.bias, self.stride[0],
                                  num_expansions=self.num_expansions, **self._kw())


class Conv2d(_ConvNd, torch.nn.Conv2d):  # type: ignore[misc]
    """hxtorch's ``Conv2d``: one VMM row per output position (patches in (C, kh, kw) order)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", num_sends: int | None = None,
                 wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
                 input_transform: Transform | None = None,
                 weight_transform: Transform | None = clamp_weight_,
                 mock_parameter: MockParameter | None = None) -> None:
        MACLayer.__init__(self, num_sends, wait_between_events, mock,
                          input_transform=input_transform, weight_transform=weight_transform,
                          mock_parameter=mock_parameter)
        torch.nn.Conv2d.__init__(self, in_channels, out_channels, kernel_size, stride, padding,
                                 dilation, groups, bias, padding_mode)  # type: ignore[arg-type]

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        x, w = self._prepare(input)
        return hf.conv2d(x, w, self.bias, (self.stride[0], self.stride[1]), **self._kw())


class ReLU(Layer, torch.nn.Module):
    """hxtorch's ``ReLU`` (``functional.relu``)."""

    def __init__(self, mock: bool = False) -> None:
        Layer.__init__(self, mock)
        torch.nn.Module.__init__(self)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return hf.relu(input, self.mock, mode=self.mode)


class ConvertingReLU(ReLU):
    """hxtorch's ``ConvertingReLU(shift=2, mock)`` (``functional.converting_relu``)."""

    def __init__(self, shift: int = 2, mock: bool = False) -> None:
        super().__init__(mock)
        self.shift = int(shift)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return hf.converting_relu(input, self.shift, self.mock, mode=self.mode)

    def extra_repr(self) -> str:
        return f"shift={self.shift}"


class InputScale(torch.nn.Module):
    """Pixels ``0..full_scale`` -> chip inputs ``x * 31 / full_scale`` clamped to 0..31 (the
    matmul rounds them; float mode uses them as they are). A fixed scale, unlike hxtorch's
    per-batch ``scale_input``, so that every image maps the same way."""

    def __init__(self, full_scale: float = 255.0) -> None:
        super().__init__()
        if not full_scale > 0:
            raise ValueError(f"full_scale: expected > 0, got {full_scale}")
        self.full_scale = float(full_scale)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return torch.clamp(input * (X_MAX / self.full_scale), 0.0, float(X_MAX))


class OutputScale(torch.nn.Module):
    """Logits (CADC LSB) times ``factor``: the output scaling between the chip's int8 results and
    the loss (softmax temperature)."""

    def __init__(self, factor: float = 0.125) -> None:
        super().__init__()
        if not factor > 0:
            raise ValueError(f"factor: expected > 0, got {factor}")
        self.factor = float(factor)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return input * self.factor
