"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``hxsim.device.ModelDevice``), once on the co-simulation device
(``open_device("cosim", chip)``: register-level programs on hx_top with the event-level model
behind the testbench bridge, one simulator run for the whole check), and compares every layer's
outputs bit for bit. Both devices see the same sequence of tile batches
(``hxsim.device.device_matmul``: column tiles outer, row tiles inner, the batch's vectors in
order), so they draw the same trial noise. Any other device can be passed as ``factory``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.device import ModelDevice, VmmDevice, open_device
from hxsim.nn.network import Network
from hxsim.params import ChipParams

#: Makes the device under check for a chip instance (default: the co-simulation).
DeviceFactory = Callable[[ChipInstance], VmmDevice]


def cosim_check(net: Network, images: npt.NDArray[np.generic], params: ChipParams,
                fixed_seed: int, noise_seed: int, *, factory: DeviceFactory | None = None,
                simulator: str = "verilator", log: Callable[[str], None] = print) -> bool:
    """Run ``images`` (``[B, H, W]`` uint8) on the fast path and on the device ``factory`` makes
    (default: the RTL co-simulation on ``simulator``), each on a fresh ``ChipInstance(params,
    fixed_seed, noise_seed)``; True if every layer's outputs are identical. Logs one line per
    layer and a summary. Raises ``DeviceUnavailable`` when the co-simulation cannot run."""
    fast = ModelDevice(ChipInstance(params, fixed_seed, noise_seed))
    chip = ChipInstance(params, fixed_seed, noise_seed)
    slow = factory(chip) if factory is not None else open_device("cosim", chip, simulator)
    _, c_fast = net.forward(images, "chip", fast)
    try:
        _, c_slow = net.forward(images, "chip", slow)
    finally:
        slow.close()
    ok = True
    for layer, a, b in zip(net.layers, c_fast.outputs, c_slow.outputs, strict=True):
        bad = int(np.count_nonzero(a != b))
        ok &= bad == 0
        log(f"cosim {layer.name}: {a.size} outputs, {bad} differ "
            f"({'OK' if bad == 0 else 'MISMATCH'})")
    log(f"cosim: {images.shape[0]} images, {slow.vmms} tile VMMs: "
        f"{'bit-identical' if ok else 'MISMATCH'}")
    return ok
