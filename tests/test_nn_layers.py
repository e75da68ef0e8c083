"""Layer semantics against hxtorch's formula (shapes, tiling, num_sends, bias, avg, conv at any
position), the chip path against the golden reference, gradients (float path: finite
differences; chip/mock: hxtorch's linear backward with the measured gain)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
import torch  # noqa: E402
from test_nn_mock import hxtorch_formula_f32  # noqa: E402

from hxsim import ChipInstance, ChipParams  # noqa: E402
from hxsim.device import GoldenDevice, ModelDevice  # noqa: E402
from hxsim.golden import ideal_vmm  # noqa: E402
from hxsim.nn import (  # noqa: E402
    Chip,
    Conv1d,
    Conv2d,
    ConvertingReLU,
    ExpandedConv1d,
    Linear,
    MockParameter,
    attach,
    converting_relu,
    matmul,
    measure_mock_parameter,
    set_mode,
)
from hxsim.nn.models import MAPPINGS, NetConfig, mac_layers, mnist_model, vmms_per_example  # noqa: E402

P0 = MockParameter(0.002, 0.0)


def ints(shape: tuple[int, ...], lo: int, hi: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(lo, hi + 1, shape, generator=g).float()


def test_import_hxsim_does_not_import_torch() -> None:
    code = ("import sys, hxsim, hxsim.cli, hxsim.cli.nn, hxsim.nn.data, hxsim.twin; "
            "hxsim.ChipInstance; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("k", "n", "ns", "avg"), [(300, 20, 1, 1), (128, 300, 3, 1),
                                                    (70, 10, 2, 3), (257, 5, 6, 2)])
def test_linear_mock_is_hxtorchs_formula(k: int, n: int, ns: int, avg: int) -> None:
    """Linear: weight.t() repeated avg times per column, hxtorch's formula, averaged."""
    lin = Linear(k, n, bias=False, num_sends=ns, mock=True, avg=avg, mock_parameter=P0)
    with torch.no_grad():
        lin.weight.copy_(ints((n, k), -63, 63, 1))
    x = ints((4, 3, k), 0, 31, 2)                  # batch dims beyond the first are kept
    y = lin(x)
    assert y.shape == (4, 3, n)
    w = np.repeat(lin.weight.detach().numpy().T, avg, axis=1)
    ref = hxtorch_formula_f32(x.numpy(), w, ns, 0.002).reshape(4, 3, n, avg).mean(-1)
    assert np.array_equal(y.detach().numpy(), ref)


def test_bias_added_digitally_or_as_a_constant_row() -> None:
    lin = Linear(10, 4, bias=True, num_sends=3, mock=True, mock_parameter=P0)
    with torch.no_grad():
        lin.weight.copy_(ints((4, 10), -63, 63, 3))
        lin.bias.copy_(torch.tensor([5.0, -7.0, 11.0, -3.0]))
    x = ints((6, 10), 0, 31, 4)
    y = lin(x).detach().numpy()
    base = hxtorch_formula_f32(x.numpy(), lin.weight.detach().numpy().T, 3, 0.002)
    assert np.array_equal(y, np.clip(base + lin.bias.detach().numpy(), -128, 127))
    row = Linear(10, 4, bias=True, num_sends=3, mock=True, bias_row=True, mock_parameter=P0)
    row.load_state_dict(lin.state_dict())
    y2 = row(x).detach().numpy()
    assert np.abs(y2 - y).max() <= 2  # the bias now goes through the analog sum (quantized)


def test_chip_mode_on_the_ideal_chip_equals_the_golden_reference() -> None:
    """Tiling (K > 128 rows, N > 256 columns), num_sends, lround: ideal chip == golden."""
    chip = Chip(ModelDevice(ChipInstance(ChipParams.ideal(), 0, 0)), mock=P0)
    x = ints((5, 300), 0, 31, 5)
    w = ints((300, 270), -63, 63, 6)
    y = matmul(x, w, num_sends=2, chip=chip)
    gold = ideal_vmm(x.numpy().astype(int), w.numpy().astype(int), 0.002, 2)
    assert np.array_equal(y.numpy(), gold.astype(np.float32))
    assert chip.vmms == 5 * 3 * 2  # 3 row tiles x 2 column tiles per vector
    y_g = matmul(x, w, num_sends=2, chip=Chip(GoldenDevice(), mock=P0))
    assert torch.equal(y, y_g)


def test_conv_layers_at_any_position_match_the_direct_formula() -> None:
    """Linear -> reshape -> Conv1d and ExpandedConv1d -> Conv2d: every output equals the per-patch
    hxtorch formula; ExpandedConv1d equals Conv1d at noise 0 (windows within one chunk)."""
    lin = Linear(12, 32, bias=False, num_sends=2, mock=True, mock_parameter=P0)
    c1 = Conv1d(2, 5, 4, stride=2, padding=1, bias=False, num_sends=3, mock=True,
                mock_parameter=P0)
    ce = ExpandedConv1d(2, 5, 4, stride=2, padding=1, bias=False, num_sends=3, mock=True,
                        num_expansions=3, mock_parameter=P0)
    ce.load_state_dict(c1.state_dict())
    x = ints((3, 12), 0, 31, 7)
    h = converting_relu(lin(x), 1, mock=True).reshape(3, 2, 16).detach()
    a, b = c1(h), ce(h)
    assert a.shape == (3, 5, 8) and torch.equal(a, b)
    hp = torch.nn.functional.pad(h, (1, 1))
    w = c1.weight.detach().reshape(5, -1).numpy().T
    for pos in range(8):
        patch = hp[:, :, 2 * pos:2 * pos + 4].reshape(3, -1).numpy()
        assert np.array_equal(a[:, :, pos].detach().numpy(),
                              hxtorch_formula_f32(patch, w, 3, 0.002))
    c2 = Conv2d(5, 4, (2, 3), stride=(1, 2), bias=True, num_sends=1, mock=True,
                mock_parameter=P0)
    img = converting_relu(a.detach(), 2, mock=True).reshape(3, 5, 2, 4)
    out = c2(img)
    assert out.shape == (3, 4, 1, 1)
    patch = img[:, :, 0:2, 0:3].reshape(3, -1).numpy()
    ref = hxtorch_formula_f32(patch, c2.weight.detach().reshape(4, -1).numpy().T, 1, 0.002)
    ref = np.clip(ref + c2.bias.detach().numpy(), -128, 127)
    assert np.array_equal(out[:, :, 0, 0].detach().numpy(), ref)


def test_converting_relu_and_relu_rules() -> None:
    y = torch.tensor([-5.0, 0.0, 1.0, 3.9, 63.0, 64.0, 127.0, 200.0], requires_grad=True)
    out = converting_relu(y, 1, mock=True)
    assert out.tolist() == [0, 0, 0, 1, 31, 31, 31, 31]
    out.sum().backward()
    assert y.grad is not None
    assert y.grad.tolist() == [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    layer = ConvertingReLU(1, mock=True)
    assert torch.equal(layer(y.detach()), out.detach())


def test_float_path_gradients_match_finite_differences() -> None:
    torch.manual_seed(0)
    model = mnist_model(NetConfig(channels=2, hidden=4, in_hw=(8, 8), kernel=4, stride=4,
                                  padding=0), seed=3).double()
    set_mode(model, "float")
    for la in mac_layers(model):
        la.weight_transform = None  # clamp_weight_ works in place; the inputs stay in range
    x = torch.rand(2, 1, 8, 8, dtype=torch.float64) * 255
    names = [n for n, _ in model.named_parameters()]

    def f(*ps: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = torch.func.functional_call(model, dict(zip(names, ps, strict=True)),
                                                       (x,))
        return out

    inputs = tuple(p.detach().clone().clamp(-60, 60).requires_grad_(True)
                   for p in model.parameters())
    assert torch.autograd.gradcheck(f, inputs, eps=1e-4, atol=1e-5, rtol=1e-4)


def test_chip_backward_is_the_linear_model_with_the_measured_gain() -> None:
    chip = Chip(ModelDevice(ChipInstance(ChipParams(), 3, 4)))
    m = measure_mock_parameter(chip, seed=1)
    assert 0.0017 < m.parameter.gain < 0.0022 and 1.0 < m.parameter.noise_std < 4.0
    assert chip.mock == m.parameter
    x = ints((4, 50), 0, 31, 8)
    w = ints((50, 7), -63, 63, 9).requires_grad_(True)
    xr = x.clone().requires_grad_(True)
    y = matmul(xr, w, num_sends=3, chip=chip)
    g = torch.randn(4, 7, generator=torch.Generator().manual_seed(1))
    y.backward(g)
    s = m.parameter.gain * 3
    assert xr.grad is not None and w.grad is not None
    assert torch.allclose(xr.grad, s * g @ w.detach().t())
    assert torch.allclose(w.grad, s * x.t() @ g)


def test_model_vmm_counts_and_mapping_strategies() -> None:
    counts = {}
    for name, mapping in MAPPINGS.items():
        model = mnist_model(NetConfig(mapping=mapping), seed=1)
        counts[name] = vmms_per_example(model, (1, 28, 28))
        attach(model, Chip(ModelDevice(ChipInstance(ChipParams.ideal(), 0, 0)), mock=P0))
        set_mode(model, "chip")
        imgs = ints((2, 1, 28, 28), 0, 255, 10)
        chip = model[1].chip
        assert isinstance(chip, Chip)
        y = model(imgs)
        assert y.shape == (2, 10)
        assert chip.vmms == 2 * counts[name], name
    # conv 25 positions x 1 tile, fc1 500 rows = 4 row tiles, fc2 1 tile
    assert counts["plain"] == counts["sends"] == 30
    assert counts["rows2"] == 25 + 8 + 2 and counts["signed-rows"] == 25 + 8 + 2
    assert counts["avg2"] == 30


def test_bad_arguments_raise_named_errors() -> None:
    with pytest.raises(ValueError, match="num_sends"):
        Linear(3, 3, num_sends=64)
    with pytest.raises(ValueError, match="signed"):
        Linear(3, 3, signed="both")
    with pytest.raises(ValueError, match="mode"):
        matmul(torch.zeros(1, 3), torch.zeros(3, 1), mode="analog")
    with pytest.raises(ValueError, match="no chip attached"):
        matmul(torch.zeros(1, 3), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="x: values must round into 0..31"):
        matmul(torch.full((1, 3), 40.0), torch.zeros(3, 1), chip=Chip(GoldenDevice()))


def test_expanded_conv1d_checks_its_input_as_conv1d() -> None:
    """An unbatched input or a channel count other than the weight's is refused by name (it
    used to be reshaped silently into another problem or fail deep inside)."""
    from hxsim.nn.functional import expanded_conv1d

    w = torch.zeros(4, 3, 5)
    with pytest.raises(ValueError, match=r"input: expected 3 channels \(C_in\), got 2"):
        expanded_conv1d(torch.zeros(1, 2, 20), w, num_expansions=2, mock=True)
    with pytest.raises(ValueError, match="input: expected a batched 3-d tensor"):
        expanded_conv1d(torch.zeros(3, 20), w, num_expansions=2, mock=True)
    y = expanded_conv1d(torch.ones(2, 3, 20), w, num_expansions=2, mock=True)
    assert tuple(y.shape) == (2, 4, 16)


@pytest.mark.parametrize(("call", "message"), [
    (lambda f, x, w: f.conv1d(x, w, stride=0, mock=True), "stride"),
    (lambda f, x, w: f.conv1d(x, w, stride=1.5, mock=True), "stride"),
    (lambda f, x, w: f.expanded_conv1d(x, w, stride=-1, mock=True), "stride"),
    (lambda f, x, w: f.expanded_conv1d(x, w, num_expansions=1.5, mock=True), "num_expansions"),
    (lambda f, x, w: f.expanded_conv1d(x, w, num_expansions=True, mock=True), "num_expansions"),
    (lambda f, x, w: f.conv1d(x, w, num_sends=1.5, mock=True), "num_sends"),
    (lambda f, x, w: f.conv1d(x, w, wait_between_events=-1, mock=True), "wait_between_events"),
    (lambda f, x, w: f.conv1d(x, w[0], mock=True), "weight"),
    (lambda f, x, w: f.conv1d(x, w, bias=torch.zeros(3), mock=True), "bias"),
])
def test_functional_arguments_are_checked_by_name(call: Any, message: str) -> None:
    """Strides, expansions, sends, waits, weight and bias shapes: a ValueError naming the
    argument (were a ZeroDivisionError, truncation of 1.5 to 1, an unpacking error or a torch
    RuntimeError)."""
    from hxsim.nn import functional as f

    with pytest.raises(ValueError, match=f"^{message}"):
        call(f, torch.ones(2, 3, 20), torch.zeros(4, 3, 5))
