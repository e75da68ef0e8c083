"""The signed-rows encoding (``signed="rows"``, ``hxsim.nn.layers.encode_rows``): same float
product and gradients as the signed weights, both parts of an input in the same row tile, and on
the chip model an output as close to the linear model as the ``synapse`` encoding's.

Regression for the collapse of chip-in-the-loop training with ``signed-rows`` (docs/nn.md,
"Results"): the earlier layout put every positive part before every negative part, so whole
128-row tiles were one-signed; their partial sums ran into the CADC's rails (about -baseline,
compressive beyond the linear range), which the linear backward does not model.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
import torch  # noqa: E402

from hxsim import ChipInstance, ChipParams  # noqa: E402
from hxsim.device import ModelDevice  # noqa: E402
from hxsim.golden import TILE_ROWS  # noqa: E402
from hxsim.nn import Chip, Linear, MockParameter, attach  # noqa: E402
from hxsim.nn.layers import encode_rows  # noqa: E402


def _xw(k: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 32, (8, k), generator=g).float()
    w = torch.randint(-63, 64, (k, n), generator=g).float()
    return x, w


@pytest.mark.parametrize("row_repeat", [1, 2, 3])
def test_encode_rows_keeps_product_and_gradients(row_repeat: int) -> None:
    """The encoded product equals ``x @ w`` and its gradients equal the plain product's."""
    x0, w0 = _xw(70, 9, 1)
    grads = []
    for signed in ("synapse", "rows"):
        x, w = x0.clone().requires_grad_(True), w0.clone().requires_grad_(True)
        xe, we = encode_rows(x, w, row_repeat, signed)
        k = 70 * row_repeat * (2 if signed == "rows" else 1)
        assert xe.shape == (8, k) and we.shape == (k, 9)
        y = xe @ we
        torch.testing.assert_close(y, row_repeat * (x0 @ w0), rtol=0, atol=0)
        (y * torch.linspace(-1, 1, 9)).sum().backward()
        assert x.grad is not None and w.grad is not None
        grads.append((x.grad, w.grad))
    torch.testing.assert_close(grads[0], grads[1], rtol=0, atol=0)


@pytest.mark.parametrize("row_repeat", [1, 2])
def test_signed_rows_put_both_parts_of_an_input_in_one_tile(row_repeat: int) -> None:
    """Every 128-row tile's partial sum is a signed sum over whole inputs: the sum of the tile's
    encoded rows equals ``x_i * w_i`` summed over the inputs whose rows the tile holds (each input
    entirely in one tile), so no tile is one-signed."""
    k = 500
    x, w = _xw(k, 12, 2)
    xe, we = encode_rows(x, w, row_repeat, "rows")
    per_input = 2 * row_repeat
    assert TILE_ROWS % per_input == 0
    for r0 in range(0, xe.shape[1], TILE_ROWS):
        part = xe[:, r0:r0 + TILE_ROWS] @ we[r0:r0 + TILE_ROWS]
        i0, i1 = r0 // per_input, min(k, (r0 + TILE_ROWS) // per_input)
        expect = row_repeat * (x[:, i0:i1] @ w[i0:i1])
        torch.testing.assert_close(part, expect, rtol=0, atol=0)


def test_signed_rows_on_the_chip_as_close_to_linear_as_synapse() -> None:
    """Linear(256 -> 64) on the chip model (ChipParams(): baseline 120 codes, CADC linear
    30..210 codes, compressive beyond): inputs 31 and weights of mixed sign, num_sends 2, so that
    a signed 128-row sum stays within the linear range (std about 45 LSB) but a one-signed sum of
    64 negative weights (about -190 LSB) would not. The mean error against the linear model
    ``gain * num_sends * x @ w`` (clipped to int8) of ``signed="rows"`` is within 2 times that of
    ``signed="synapse"`` plus 2 LSB (measured: 8.9 vs 6.0 LSB, the two extra row tiles adding
    their trial noise, floor and offsets; the earlier layout: 54 LSB)."""
    params = ChipParams()
    g = torch.Generator().manual_seed(5)
    x = torch.full((64, 256), 31.0)
    w = torch.randint(-63, 64, (64, 256), generator=g).float()
    ideal = torch.clamp(params.gain * 2 * (x @ w.t()), -128, 127)
    errs = {}
    for signed in ("synapse", "rows"):
        lin = Linear(256, 64, bias=False, num_sends=2, wait_between_events=2, signed=signed,
                     mock_parameter=MockParameter(params.gain, 0.0))
        with torch.no_grad():
            lin.weight.copy_(w)
        attach(lin, Chip(ModelDevice(ChipInstance(params, 3, 4))))
        with torch.no_grad():
            y = lin(x)
        errs[signed] = float((y - ideal).abs().mean())
    print(f"mean |y - linear| (LSB): {errs}")
    assert errs["rows"] < 2.0 * errs["synapse"] + 2.0, errs
