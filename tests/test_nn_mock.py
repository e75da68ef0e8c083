"""hxtorch-exact mock mode: ``hxsim.nn.mock_matmul`` equals an independent numpy re-implementation
of hxtorch's float32 formula (bss2-facts.md section 6) bit for bit on >= 10**6 random outputs,
exact ties included; the exact golden differs on ties, as documented (docs/nn.md)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
import torch  # noqa: E402

from hxsim.golden import ideal_vmm  # noqa: E402
from hxsim.nn.chip import MockParameter  # noqa: E402
from hxsim.nn.functional import mock_matmul  # noqa: E402


def hxtorch_formula_f32(x: np.ndarray, w: np.ndarray, num_sends: int, gain: float) -> np.ndarray:
    """bss2-facts.md section 6 at noise 0, in float32: per 128-row chunk the exact integer sum
    (float32 holds it exactly), times float32(num_sends * gain) in float32, floor, clamp; the
    chunks added and clamped."""
    xq = np.rint(x).astype(np.int64)
    wq = np.rint(w).astype(np.int64)
    scale = np.float32(float(num_sends) * gain)
    total = np.zeros(x.shape[:-1] + (w.shape[1],), dtype=np.float32)
    for r0 in range(0, w.shape[0], 128):
        s = (xq[..., r0:r0 + 128] @ wq[r0:r0 + 128]).astype(np.float32)
        local = np.clip(np.floor(s * scale), -128, 127).astype(np.float32)
        total = total + local
    return np.clip(total, -128, 127)


@pytest.mark.parametrize(("x", "w", "ns", "exact", "hx"), [(25, -60, 1, -3, -4),
                                                           (15, -50, 2, -3, -4)])
def test_issue_tie_examples(x: int, w: int, ns: int, exact: int, hx: int) -> None:
    xt = torch.zeros(1, 128)
    wt = torch.zeros(128, 1)
    xt[0, 0], wt[0, 0] = x, w
    y = mock_matmul(xt, wt, ns, MockParameter(0.002, 0.0))
    assert float(y[0, 0]) == hx
    assert int(ideal_vmm(xt.numpy().astype(int), wt.numpy().astype(int), 0.002, ns)[0, 0]) \
        == exact


def test_bit_exact_on_a_million_random_outputs_with_ties() -> None:
    seed = 20261130
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    total = differ_golden = ties = 0
    for ns, gain, k, n in [(1, 0.002, 200, 256), (4, 0.002, 128, 256), (2, 0.0015, 300, 128),
                           (3, 0.0021, 64, 256), (1, 0.002, 40, 256)]:
        b = 1000
        x = rng.integers(0, 32, (b, k)).astype(np.float32)
        # sparse inputs make exact ties (integer multiples of 1/gain) common
        x *= rng.random((b, k)) < 0.3
        w = rng.integers(-63, 64, (k, n)).astype(np.float32)
        got = mock_matmul(torch.from_numpy(x), torch.from_numpy(w), ns,
                          MockParameter(gain, 0.0)).numpy()
        want = hxtorch_formula_f32(x, w, ns, gain)
        assert np.array_equal(got, want), (ns, gain, k, n, int((got != want).sum()))
        gold = ideal_vmm(x.astype(np.int64), w.astype(np.int64), gain, ns)
        differ_golden += int((got != gold).sum())
        total += got.size
        s = (x.astype(np.int64)[:, :128] @ w.astype(np.int64)[:128]) * ns
        ties += int(np.count_nonzero(np.abs(s * gain - np.rint(s * gain)) < 1e-9))
    assert total >= 10**6
    assert ties > 1000  # exact ties (in the first chunk) were exercised
    assert 0 < differ_golden < total // 50  # hxtorch floors some ties one lower than exact


def test_noise_drawn_as_hxtorch_with_the_generator() -> None:
    """Noise: one ``torch.normal(0, std, result shape)`` per chunk, in chunk order."""
    g1 = torch.Generator().manual_seed(5)
    g2 = torch.Generator().manual_seed(5)
    x = torch.randint(0, 32, (7, 200)).float()
    w = torch.randint(-63, 64, (200, 9)).float()
    y = mock_matmul(x, w, 2, MockParameter(0.002, 2.0), g1)
    ref = torch.zeros(7, 9)
    for xc, wc in zip(x.split(128, -1), w.split(128, 0), strict=True):
        loc = xc @ wc * float(2 * 0.002) + torch.normal(0.0, 2.0, (7, 9), generator=g2)
        ref += loc.floor().clamp(-128, 127)
    assert torch.equal(y, ref.clamp(-128, 127))


def test_out_of_range_raises() -> None:
    with pytest.raises(ValueError, match="x: values must round into 0..31"):
        mock_matmul(torch.full((1, 4), 31.6), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="w: values must round into -63..63"):
        mock_matmul(torch.zeros(1, 4), torch.full((4, 2), -63.7))
