"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``ChipInstance.vmm``), once on a co-simulation backend (the RTL control path
driving the event-level model through the testbench bridge), and compares every layer's outputs
bit for bit. Both backends see the same sequence of tile VMMs (``tiled_vmm``: column tiles outer,
row tiles inner, the batch's vectors in order), so they draw the same trial noise.

The co-simulation backend is built by ``make_cosim_backend``; it needs a batch API from the
testbench (see docs/nn.md, "Co-simulation"). Any object with ``vmm(x, w, timing)`` can be passed
as ``factory`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.nn.layers import ChipBackend, RecordingBackend, VmmBackend
from hxsim.nn.network import Network
from hxsim.params import ChipParams

BackendFactory = Callable[[ChipInstance], VmmBackend]


def make_cosim_backend(chip: ChipInstance) -> VmmBackend:
    """The RTL co-simulation as a ``VmmBackend`` on ``chip`` (its fixed pattern and noise)."""
    try:
        from hxtb.batch import CosimVmmBackend  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ValueError(
            "--cosim: no co-simulation batch API found (expected hxtb.batch.CosimVmmBackend(chip) "
            "with vmm(x[B,128], w[128,256], timing) -> int8[B,256], see docs/nn.md); "
            f"import failed: {exc}") from exc
    backend: VmmBackend = CosimVmmBackend(chip)
    return backend


def cosim_check(net: Network, images: npt.NDArray[np.generic], params: ChipParams,
                fixed_seed: int, noise_seed: int, *, factory: BackendFactory | None = None,
                log: Callable[[str], None] = print) -> bool:
    """Run ``images`` on the fast path and on the co-simulation (fresh instances, same seeds);
    True if every layer's outputs are identical. Logs one line per layer."""
    make = factory if factory is not None else make_cosim_backend
    fast = RecordingBackend(ChipBackend(ChipInstance(params, fixed_seed, noise_seed)))
    slow = RecordingBackend(make(ChipInstance(params, fixed_seed, noise_seed)))
    _, c_fast = net.forward(images, "chip", fast)
    _, c_slow = net.forward(images, "chip", slow)
    ok = True
    for layer, a, b in zip(net.layers, c_fast.outputs, c_slow.outputs, strict=True):
        bad = int(np.count_nonzero(a != b))
        ok &= bad == 0
        log(f"cosim {layer.name}: {a.size} outputs, {bad} differ "
            f"({'OK' if bad == 0 else 'MISMATCH'})")
    vmms = sum(c[0].shape[0] for c in slow.calls)
    log(f"cosim: {images.shape[0]} images, {vmms} tile VMMs: "
        f"{'bit-identical' if ok else 'MISMATCH'}")
    return ok
