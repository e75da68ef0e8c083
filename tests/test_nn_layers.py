"""Layer semantics against hand-computed and golden values, and the backward model against
finite differences of the linear model."""

from __future__ import annotations

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm
from hxsim.device import GoldenDevice, ModelDevice, device_matmul
from hxsim.nn.layers import (
    Conv2d,
    converting_relu_backward,
    converting_relu_chip,
    converting_relu_float,
    im2col,
    quantize_weight,
    scale_input,
    scale_weight,
    select_num_sends,
    tile_count,
    truncated_normal,
)
from hxsim.nn.network import Network, softmax_xent


def ideal_device() -> ModelDevice:
    return ModelDevice(ChipInstance(ChipParams.ideal(), 0, 1))


@pytest.mark.parametrize(("k", "n", "ns"), [(100, 20, 7), (300, 10, 2), (500, 128, 4),
                                            (128, 300, 1)])
def test_ideal_chip_linear_equals_golden(k: int, n: int, ns: int) -> None:
    rng = np.random.default_rng(k + n)
    x = rng.integers(0, 32, (17, k))
    w = rng.integers(-63, 64, (k, n))
    be = ideal_device()
    got = device_matmul(be, x, w, Timing(num_sends=ns))
    np.testing.assert_array_equal(got, ideal_vmm(x, w, 0.002, ns))
    assert be.vmms == 17 * tile_count(k, n)
    np.testing.assert_array_equal(device_matmul(GoldenDevice(), x, w, Timing(num_sends=ns)), got)


def test_noisy_chip_linear_equals_chip_matmul_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 32, (9, 300))
    w = rng.integers(-63, 64, (300, 270))
    t = Timing(num_sends=3, event_wait=2)
    got = device_matmul(ModelDevice(ChipInstance(ChipParams(), 5, 6)), x, w, t)
    np.testing.assert_array_equal(got, ChipInstance(ChipParams(), 5, 6).matmul(x, w, t))


def test_row_tiles_saturate_each_and_in_the_sum() -> None:
    be = ideal_device()
    x = np.full((1, 256), 31)
    # Each 128-row tile: 0.002 * 128 * 31 * 13 = 103.17 -> 103; the sum 206 saturates to 127.
    w = np.full((256, 1), 13)
    assert device_matmul(be, x, w, Timing())[0, 0] == 127
    # First tile alone would be 0.002 * 128 * 31 * 63 = 499.9 -> clamped to 127 in the tile;
    # second tile -0.002 * 128 * 31 * 7 = -55.55 -> -56; total 127 - 56 = 71 (not 500 - 56).
    w = np.concatenate([np.full((128, 1), 63), np.full((128, 1), -7)])
    assert device_matmul(be, x, w, Timing())[0, 0] == 71
    # A short last tile (K = 130): rows 128..129 form their own tile.
    x2 = np.zeros((1, 130), dtype=np.int64)
    x2[0, 128:] = 31
    w2 = np.full((130, 2), 40)
    want = int(np.floor(0.002 * 2 * 62 * 40))
    assert device_matmul(be, x2, w2, Timing(num_sends=2))[0, 0] == want


def test_converting_relu() -> None:
    y = np.array([-128, -5, 0, 1, 2, 3, 61, 62, 63, 64, 127])
    np.testing.assert_array_equal(converting_relu_chip(y, 1),
                                  [0, 0, 0, 0, 1, 1, 30, 31, 31, 31, 31])
    np.testing.assert_array_equal(converting_relu_chip(y, 2),
                                  [0, 0, 0, 0, 0, 0, 15, 15, 15, 16, 31])
    np.testing.assert_allclose(converting_relu_float(np.array([-3.0, 5.0, 80.0]), 1),
                               [0.0, 2.5, 31.0])
    g = np.ones(4)
    yf = np.array([-1.0, 0.0, 3.0, 70.0])
    np.testing.assert_allclose(converting_relu_backward(g, yf, 1), [0, 0, 0.5, 0.5])
    np.testing.assert_allclose(converting_relu_backward(g, yf, 1, exact=True), [0, 0, 0.5, 0])


def test_scaling_and_clamping() -> None:
    np.testing.assert_array_equal(scale_input(np.array([0, 4, 5, 128, 255], dtype=np.uint8)),
                                  [0, 0, 1, 16, 31])
    np.testing.assert_array_equal(quantize_weight(np.array([-70.0, -63.4, -2.6, 0.4, 62.6, 99.0])),
                                  [-63, -63, -3, 0, 63, 63])
    w = np.array([[1.0, -4.0], [2.0, 0.5]])
    np.testing.assert_allclose(scale_weight(w), w * 63 / 4)
    assert np.abs(truncated_normal(np.random.default_rng(0), (2000,), 60.0)).max() <= 63


def test_num_sends_selection_matches_hxtorch_rule() -> None:
    # std = 2**shift * sqrt(2) / gain / sqrt(fan_in); num_sends = ceil(std / 21).
    for fan_in, want in ((100, 7), (500, 4), (128, 6), (4, 34)):
        n, std = select_num_sends(fan_in)
        assert n == want
        assert std <= 21.0
        assert std * n == pytest.approx(2 * np.sqrt(2) / 0.002 / np.sqrt(fan_in))
    assert select_num_sends(100, relu_shift=0)[0] == 4
    with pytest.raises(ValueError):
        select_num_sends(0)


def test_im2col_and_conv_layer_equal_a_direct_loop_on_the_ideal_chip() -> None:
    rng = np.random.default_rng(4)
    img = rng.integers(0, 32, (3, 1, 28, 28))
    cols = im2col(img, 10, 5, 1)
    assert cols.shape == (3 * 25, 100)
    pad = np.pad(img, ((0, 0), (0, 0), (1, 1), (1, 1)))
    np.testing.assert_array_equal(cols[7], pad[0, 0, 5:15, 10:20].ravel())  # patch (1, 2)
    conv = Conv2d("conv", rng.integers(-63, 64, (100, 20)).astype(float), 3)
    assert conv.out_hw == (5, 5) and conv.vmms_per_example() == 25
    be = ideal_device()
    y = conv.unrows(device_matmul(be, conv.rows(img).astype(np.int64), quantize_weight(conv.w),
                              Timing(num_sends=3)), 3)
    assert y.shape == (3, 500)
    for b in range(3):
        for oc in (0, 19):
            for oh in range(5):
                for ow in range(5):
                    patch = pad[b, 0, 5 * oh:5 * oh + 10, 5 * ow:5 * ow + 10].ravel()
                    want = ideal_vmm(patch, conv.w[:, oc:oc + 1].astype(np.int64), 0.002, 3)[0]
                    assert y[b, oc * 25 + oh * 5 + ow] == want


def test_network_on_ideal_chip_equals_golden_chain() -> None:
    rng = np.random.default_rng(5)
    net = Network.mnist(rng)
    assert [la.num_sends for la in net.layers] == [7, 4, 6]
    assert net.vmms_per_example() == 25 + 4 + 1
    imgs = rng.integers(0, 256, (4, 28, 28)).astype(np.uint8)
    be = ideal_device()
    logits, cache = net.forward(imgs, "chip", be)
    assert be.vmms == 4 * 30
    # Hand chain through the golden reference.
    x = scale_input(imgs)[:, None]
    conv = net.layers[0]
    h0 = ideal_vmm(im2col(x, 10, 5, 1), quantize_weight(conv.w), 0.002, 7).astype(np.int64)
    h0 = h0.reshape(4, 25, 20).transpose(0, 2, 1).reshape(4, 500)
    h1 = ideal_vmm(converting_relu_chip(h0, 1), quantize_weight(net.layers[1].w), 0.002, 4)
    h2 = ideal_vmm(converting_relu_chip(h1, 1), quantize_weight(net.layers[2].w), 0.002, 6)
    np.testing.assert_array_equal(logits, h2)


def _float_loss(net: Network, imgs: np.ndarray, labels: np.ndarray) -> float:
    logits, _ = net.forward(imgs, "float")
    return softmax_xent(logits, labels, 0.125)[0]


def test_backward_matches_finite_differences_of_the_linear_model() -> None:
    rng = np.random.default_rng(6)
    net = Network.mnist(rng)
    for la in net.layers:
        la.w *= 0.5  # keep activations away from the clip at 31
    imgs = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 5)
    logits, cache = net.forward(imgs, "float")
    _, g = softmax_xent(logits, labels, 0.125)
    grads = net.backward(cache, g, exact_relu=True)
    eps = 1e-3
    for la in net.layers:
        flat = np.argsort(-np.abs(grads[la.name]).ravel())[:4]  # the largest entries
        for f in [*flat, *rng.integers(0, la.w.size, 3)]:
            idx = np.unravel_index(f, la.w.shape)
            old = la.w[idx]
            la.w[idx] = old + eps
            up = _float_loss(net, imgs, labels)
            la.w[idx] = old - eps
            down = _float_loss(net, imgs, labels)
            la.w[idx] = old
            fd = (up - down) / (2 * eps)
            assert grads[la.name][idx] == pytest.approx(fd, rel=1e-4, abs=1e-9), (la.name, idx)


def test_chip_backward_uses_hxtorch_relu_rule() -> None:
    rng = np.random.default_rng(7)
    net = Network.mnist(rng)
    imgs = rng.integers(0, 256, (3, 28, 28)).astype(np.uint8)
    logits, cache = net.forward(imgs, "chip", ideal_device())
    g = rng.normal(size=logits.shape)
    grads = net.backward(cache, g)
    fc2 = net.layers[2]
    # grad_W = g n x^T grad_y with the chip's integer inputs.
    x2 = np.asarray(cache.rows[2], dtype=np.float64)
    x1 = np.asarray(cache.rows[1], dtype=np.float64)
    want2: np.ndarray = 0.002 * fc2.num_sends * (x2.T @ g)
    np.testing.assert_allclose(grads["fc2"], want2)
    gx = 0.002 * fc2.num_sends * g @ np.clip(fc2.w, -63, 63).T
    gy1 = gx * (cache.outputs[1] > 0) / 2
    want1: np.ndarray = 0.002 * net.layers[1].num_sends * (x1.T @ gy1)
    np.testing.assert_allclose(grads["fc1"], want1)
