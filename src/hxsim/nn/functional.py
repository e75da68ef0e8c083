"""The functional API of the network stack (hxtorch's ``hxtorch.perceptron`` functions):
``matmul``, ``conv1d``, ``expanded_conv1d``, ``conv2d``, ``add``, ``relu``, ``converting_relu``,
``argmax``, and ``mock_matmul``, hxtorch's mock formula on float32 tensors bit for bit.

Every function takes ``mode``: ``"chip"`` (the VMMs run on ``chip.device``), ``"mock"``
(hxtorch's mock formula) or ``"float"`` (the gain-scaled linear model without quantization: the
software network, differentiable everywhere); ``mode=None`` follows hxtorch's ``mock`` flag
(``mock=True`` -> ``"mock"``, else ``"chip"``).

Backward (chip and mock, hxtorch's ``MAC::backward``): the linear model scaled by the measured
gain, ``grad_x = g n grad_y W^T`` and ``grad_W = g n x^T grad_y`` with ``g`` the gain of the
layer's ``MockParameter`` (the chip's, from ``measure_mock_parameter``, unless the layer has its
own) and ``n = num_sends``. ``relu``/``converting_relu`` pass ``grad * (x > 0)`` (divided by
``2**shift``); ``add`` passes the gradient through to both operands.

Conversions (bss2-facts.md sections 2 and 6): chip mode rounds inputs and weights as hxtorch's
hardware path does (``std::lround``: half away from zero) and refuses values outside 0..31 and
-63..63 with ``ValueError``; mock mode rounds as hxtorch's mock (``torch.round``: half to even)
and refuses likewise (hxtorch raises ``std::overflow_error``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from hxsim._regmap import T_EVENT_WAIT_MAX, T_EVENT_WAIT_MIN
from hxsim.checks import check_int
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.nn.chip import DEFAULT_WAIT_BETWEEN_EVENTS, Chip, MockParameter
from hxsim.timing import Timing

MODES = ("float", "mock", "chip")


def resolve_mode(mock: bool, mode: str | None) -> str:
    """``mode`` if given (one of ``MODES``), else ``"mock"`` or ``"chip"`` from ``mock``."""
    if mode is None:
        return "mock" if mock else "chip"
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    return mode


def _parameter(chip: Chip | None, mock_parameter: MockParameter | None) -> MockParameter:
    if mock_parameter is not None:
        return mock_parameter
    return chip.mock if chip is not None else MockParameter()


def _check_range(t: torch.Tensor, name: str, lo: int, hi: int) -> None:
    if t.numel() and (bool((t < lo).any()) or bool((t > hi).any())):
        raise ValueError(f"{name}: values must round into {lo}..{hi}, got "
                         f"{float(t.min()):g}..{float(t.max()):g}")


def check_input(x: object, name: str = "input") -> torch.Tensor:
    """``x`` if it is a torch.Tensor with finite values: ``TypeError`` for another type (a numpy
    array: ``torch.from_numpy``), ``ValueError`` for NaN/inf (which would round to nonsense)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name}: contains NaN or inf")
    return x


def _check_conv(input: object, weight: torch.Tensor, dims: int,
                bias: torch.Tensor | None = None) -> torch.Tensor:
    """The input of a ``dims``-d convolution, checked against ``weight`` ``[O, C, k...]`` and
    ``bias`` ``[O]``; ``ValueError`` naming the argument."""
    if not isinstance(weight, torch.Tensor) or weight.dim() != dims + 2:
        raise ValueError(f"weight: expected a {dims + 2}-d tensor [O, C_in, kernel...], got "
                         f"{tuple(weight.shape) if isinstance(weight, torch.Tensor) else weight!r}")
    if bias is not None and (not isinstance(bias, torch.Tensor)
                             or tuple(bias.shape) != (weight.shape[0],)):
        raise ValueError(f"bias: expected shape ({weight.shape[0]},), got "
                         f"{tuple(bias.shape) if isinstance(bias, torch.Tensor) else bias!r}")
    x = check_input(input)
    if x.dim() != dims + 2:
        raise ValueError(f"input: expected a batched {dims + 2}-d tensor [B, C, ...], got shape "
                         f"{tuple(x.shape)} (add the batch dimension: input.unsqueeze(0))")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"input: expected {weight.shape[1]} channels (C_in), got {x.shape[1]}")
    return x


def lround(t: torch.Tensor) -> torch.Tensor:
    """``std::lround`` on a tensor: round half away from zero (hxtorch's hardware conversion)."""
    return torch.sign(t) * torch.floor(t.abs() + 0.5)


# ---- hxtorch's mock formula -------------------------------------------------------------------
def mock_matmul(x: torch.Tensor, w: torch.Tensor, num_sends: int = 1,
                parameter: MockParameter | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """hxtorch's ``mac_mock_forward`` (bss2-facts.md section 6 [V]) in the tensors' dtype: inputs
    and weights rounded (``torch.round``), split into chunks of 128 rows, per chunk ``x @ w``,
    times ``num_sends * gain`` (the factor computed in double, applied in the tensor's dtype), plus
    ``N(0, noise_std)`` noise drawn with ``generator`` in hxtorch's order (one draw of the result
    shape per chunk), floored, clamped to -128..127, added; the sum clamped to -128..127.

    ``x[..., K]``, ``w[K, N]`` -> ``[..., N]`` of x's dtype (float32 reproduces hxtorch bit for
    bit). Raises ``ValueError`` for inputs outside 0..31 or weights outside -63..63 after rounding
    or mismatched shapes. No autograd (``matmul`` wraps it)."""
    p = parameter if parameter is not None else MockParameter()
    if w.dim() != 2 or x.shape[-1] != w.shape[0]:
        raise ValueError(f"x, w: shapes {tuple(x.shape)} and {tuple(w.shape)} do not multiply")
    qx, qw = x.round(), w.round()
    _check_range(qx, "x", 0, X_MAX)
    _check_range(qw, "w", -W_MAX, W_MAX)
    results = torch.zeros(*x.shape[:-1], w.shape[1], dtype=x.dtype)
    scale = float(num_sends) * p.gain
    for xc, wc in zip(qx.split(TILE_ROWS, -1), qw.split(TILE_ROWS, 0), strict=True):
        local = xc.matmul(wc)
        local.mul_(scale)
        if p.noise_std > 0.0:
            local.add_(torch.normal(0.0, p.noise_std, results.shape, generator=generator,
                                    dtype=x.dtype))
        local.floor_().clamp_(INT8_MIN, INT8_MAX)
        results.add_(local)
    return results.clamp_(INT8_MIN, INT8_MAX)


def chip_matmul(x: torch.Tensor, w: torch.Tensor, chip: Chip, num_sends: int,
                wait_between_events: int) -> torch.Tensor:
    """``x[..., K] @ w[K, N]`` as tile VMMs on ``chip`` (``Chip.matmul``): values rounded with
    ``lround`` and range-checked; the result is a float tensor of x's dtype (int8 values).
    Zero-copy where possible: the int8 result becomes a tensor through ``torch.from_numpy``."""
    qx, qw = lround(x.detach()), lround(w.detach())
    _check_range(qx, "x", 0, X_MAX)
    _check_range(qw, "w", -W_MAX, W_MAX)
    xa = qx.reshape(-1, x.shape[-1]).numpy().astype(np.int64)
    wa = qw.numpy().astype(np.int64)
    y = chip.matmul(xa, wa, Timing(num_sends=int(num_sends), event_wait=int(wait_between_events)))
    return torch.from_numpy(y).to(x.dtype).reshape(*x.shape[:-1], w.shape[1])


class _Mac(torch.autograd.Function):
    """Chip or mock forward, hxtorch's linear backward scaled by ``gain * num_sends``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, w: torch.Tensor, num_sends: int, wait: int,
                mode: str, chip: Chip | None, param: MockParameter) -> torch.Tensor:
        ctx.save_for_backward(x, w)
        ctx.scale = param.gain * num_sends
        if mode == "mock":
            gen = chip.generator if chip is not None else None
            return mock_matmul(x.detach(), w.detach(), num_sends, param, gen)
        if chip is None:
            raise ValueError("chip mode: no chip attached to the layer (hxsim.nn.attach(model, "
                             "Chip(device)) or use mock/float mode)")
        return chip_matmul(x, w, chip, num_sends, wait)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        g = grad * ctx.scale
        gx = g @ w.t() if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            gw = x.reshape(-1, x.shape[-1]).t() @ g.reshape(-1, g.shape[-1])
        return gx, gw, None, None, None, None, None


def matmul(x: torch.Tensor, w: torch.Tensor, num_sends: int | None = None,
           wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
           mode: str | None = None, chip: Chip | None = None,
           mock_parameter: MockParameter | None = None) -> torch.Tensor:
    """hxtorch's ``matmul(input, other, num_sends, wait_between_events, mock)``: ``x[..., K]``
    (0..31 after rounding) times ``w[K, N]`` (-63..63) -> ``[..., N]`` (int8 values as floats in
    chip/mock mode). ``num_sends`` None means 1. Float mode: ``gain * num_sends * x @ w``."""
    check_input(x)
    n = 1 if num_sends is None else check_int(num_sends, "num_sends", 1, 63)
    wait = check_int(wait_between_events, "wait_between_events", T_EVENT_WAIT_MIN,
                     T_EVENT_WAIT_MAX)
    m = resolve_mode(mock, mode)
    p = _parameter(chip, mock_parameter)
    if m == "float":
        return (p.gain * n) * (x @ w)
    out: torch.Tensor = _Mac.apply(x, w, n, wait, m, chip, p)
    return out


# ---- the digital operations (host / PPU) ---------------------------------------------------
class _PassThroughAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, b: torch.Tensor, rounded: bool) -> torch.Tensor:
        ctx.shapes = (a.shape, b.shape)
        bb = lround(b) if rounded else b
        return (a.clamp(INT8_MIN, INT8_MAX) + bb.clamp(INT8_MIN, INT8_MAX)
                ).clamp(INT8_MIN, INT8_MAX)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:
        sa, sb = ctx.shapes
        return grad.sum_to_size(sa), grad.sum_to_size(sb), None


def add(input: torch.Tensor, other: torch.Tensor, mock: bool = False, *,
        mode: str | None = None) -> torch.Tensor:
    """hxtorch's ``add``: the int8-clamped operands added and clamped to -128..127 (mock: the
    float bias as is, bss2-facts.md section 5; chip: the bias rounded to integers, as the digital
    adder takes it); straight-through gradient to both. Float mode: ``input + other``."""
    m = resolve_mode(mock, mode)
    if m == "float":
        return input + other
    out: torch.Tensor = _PassThroughAdd.apply(input, other, m == "chip")
    return out


class _Relu(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, shift: int | None) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.shift = shift
        y = x.floor().clamp(0, INT8_MAX)
        if shift is None:
            return y
        return torch.floor(y / 2.0**shift).clamp(0, X_MAX)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[Any, ...]:
        (x,) = ctx.saved_tensors
        g = grad * (x > 0).to(grad.dtype)
        if ctx.shift is not None:
            g = g / 2.0**ctx.shift
        return g, None


def relu(input: torch.Tensor, mock: bool = False, *, mode: str | None = None) -> torch.Tensor:
    """hxtorch's ``relu``: ``floor(x)`` clamped to 0..127; backward ``grad * (x > 0)``. Float
    mode: ``torch.relu``."""
    if resolve_mode(mock, mode) == "float":
        return torch.relu(input)
    out: torch.Tensor = _Relu.apply(input, None)
    return out


def converting_relu(input: torch.Tensor, shift: int = 2, mock: bool = False, *,
                    mode: str | None = None) -> torch.Tensor:
    """hxtorch's ``converting_relu``: int8 -> 5 bit, ``floor(clamp(floor(x), 0, 127) / 2**shift)``
    clamped to 0..31 (grenade: ``min(max(x, 0) >> shift, 31)``); backward
    ``grad * (x > 0) / 2**shift``. Float mode: ``clamp(x / 2**shift, 0, 31)`` (exact gradient)."""
    if not 0 <= int(shift) <= 7:
        raise ValueError(f"shift: expected 0..7, got {shift}")
    if resolve_mode(mock, mode) == "float":
        return torch.clamp(input / 2.0**shift, 0.0, float(X_MAX))
    out: torch.Tensor = _Relu.apply(input, int(shift))
    return out


def argmax(input: torch.Tensor, dim: int | None = None, keepdim: bool = False,
           mock: bool = False) -> torch.Tensor:
    """hxtorch's ``argmax`` (on the PPU; here on the host): the index of the largest value, ties
    to the lowest index."""
    return torch.argmax(input, dim=dim, keepdim=keepdim)


# ---- convolutions as matrix products -------------------------------------------------------
def _conv_out(size: int, kernel: int, stride: int) -> int:
    out = (size - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"conv: kernel {kernel} larger than the (padded) input {size}")
    return out


def conv1d(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int = 1, num_sends: int | None = None,
           wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
           mode: str | None = None, chip: Chip | None = None,
           mock_parameter: MockParameter | None = None) -> torch.Tensor:
    """``input[B, C, L]`` (padded already, as hxtorch's layer pads) with ``weight[O, C, k]`` ->
    ``[B, O, P]``: one VMM row per output position (patches ordered (C, k)); ``bias[O]`` added
    digitally (``add``)."""
    _check_conv(input, weight, 1, bias)
    o, c, k = weight.shape
    st = check_int(stride, "stride", 1, 1 << 20)
    p = _conv_out(input.shape[-1], k, st)
    patches = input.unfold(-1, k, st)[..., :p, :]                   # [B, C, P, k]
    rows = patches.permute(0, 2, 1, 3).reshape(input.shape[0], p, c * k)
    y = matmul(rows, weight.reshape(o, c * k).t(), num_sends, wait_between_events, mock,
               mode=mode, chip=chip, mock_parameter=mock_parameter).transpose(1, 2)
    if bias is not None:
        y = add(y, bias[:, None], mock, mode=mode)
    return y


def default_expansions(in_channels: int, out_channels: int, kernel: int, stride: int) -> int:
    """hxtorch's ``ExpandedConv1d`` default: as many kernel copies as fit the tile's 256 columns
    and 128 rows (its formula counts one input channel; with C channels a window of the expanded
    matrix has ``C * ((E - 1) * stride + k)`` rows)."""
    by_width = TILE_COLS // out_channels
    by_height = (TILE_ROWS // in_channels - kernel) // stride + 1
    return max(1, min(by_width, by_height))


def expanded_conv1d(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                    stride: int = 1, num_sends: int | None = None,
                    wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False,
                    *, num_expansions: int = 1, mode: str | None = None, chip: Chip | None = None,
                    mock_parameter: MockParameter | None = None) -> torch.Tensor:
    """hxtorch's ``expanded_conv1d``: ``num_expansions`` (E) output positions per VMM row, with the
    kernel unrolled E times (shifted by ``stride``) into a banded matrix ``[C * W, E * O]``
    (``W = (E - 1) * stride + k``); the input is cut into windows of W samples every
    ``E * stride`` (zero-padded at the end). Same result shape as ``conv1d``; the values differ
    only by which synapses and columns compute them (and the noise draws). Raises ``ValueError``
    as ``conv1d`` for an unbatched input or a channel count that differs from the weight's."""
    _check_conv(input, weight, 1, bias)
    o, c, k = weight.shape
    s = check_int(stride, "stride", 1, 1 << 20)
    e = check_int(num_expansions, "num_expansions", 1, 1 << 20)
    p = _conv_out(input.shape[-1], k, s)
    groups = math.ceil(p / e)
    win = (e - 1) * s + k
    need = (groups - 1) * e * s + win
    x = F.pad(input, (0, max(0, need - input.shape[-1])))
    patches = x.unfold(-1, win, e * s)[..., :groups, :]             # [B, C, G, W]
    rows = patches.permute(0, 2, 1, 3).reshape(input.shape[0], groups, c * win)
    blocks = [F.pad(weight, (i * s, win - k - i * s)).reshape(o, c * win) for i in range(e)]
    w_exp = torch.cat(blocks, 0).t()                                  # [C * W, E * O]
    y = matmul(rows, w_exp, num_sends, wait_between_events, mock, mode=mode, chip=chip,
               mock_parameter=mock_parameter)                         # [B, G, E * O]
    y = y.reshape(input.shape[0], groups * e, o)[:, :p].transpose(1, 2)
    if bias is not None:
        y = add(y, bias[:, None], mock, mode=mode)
    return y


def conv2d(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int | tuple[int, int] = 1, num_sends: int | None = None,
           wait_between_events: int = DEFAULT_WAIT_BETWEEN_EVENTS, mock: bool = False, *,
           mode: str | None = None, chip: Chip | None = None,
           mock_parameter: MockParameter | None = None) -> torch.Tensor:
    """``input[B, C, H, W]`` (padded already) with ``weight[O, C, kh, kw]`` -> ``[B, O, OH, OW]``:
    one VMM row per output position, patches (``F.unfold``) ordered (C, kh, kw), positions
    row-major; ``bias[O]`` added digitally."""
    _check_conv(input, weight, 2, bias)
    o, c, kh, kw = weight.shape
    pair = (stride, stride) if isinstance(stride, int | np.integer) else tuple(stride)
    if len(pair) != 2:
        raise ValueError(f"stride: expected an int or two ints, got {stride!r}")
    st = (check_int(pair[0], "stride", 1, 1 << 20), check_int(pair[1], "stride", 1, 1 << 20))
    oh = _conv_out(input.shape[-2], kh, st[0])
    ow = _conv_out(input.shape[-1], kw, st[1])
    cols = F.unfold(input, (kh, kw), stride=st)                       # [B, C*kh*kw, L]
    y = matmul(cols.transpose(1, 2), weight.reshape(o, -1).t(), num_sends, wait_between_events,
               mock, mode=mode, chip=chip, mock_parameter=mock_parameter)   # [B, L, O]
    y = y.transpose(1, 2).reshape(input.shape[0], o, oh, ow)
    if bias is not None:
        y = add(y, bias[:, None, None], mock, mode=mode)
    return y
