"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``hxsim.device.ModelDevice``), once on the co-simulation device
(``open_device("cosim", chip)``: register-level programs on hx_top with the event-level model
behind the testbench bridge), and compares every MAC layer's outputs bit for bit. Both see the
same sequence of tile batches (``hxsim.array.tiled_matmul``: column tiles outer, row tiles inner,
the batch's vectors in order), so they draw the same trial noise. Any other device can be passed
as ``factory``. With a calibration both devices run with it (``CalibratedDevice``: DAC offsets
and column offsets written as registers on the co-simulation; the co-simulation takes no CapMem
cells yet, so a calibration with non-default cells fails there with ``DeviceUnavailable``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch

from hxsim.array import ChipInstance
from hxsim.calibration import CalibratedDevice, CalibrationResult
from hxsim.device import ModelDevice, VmmDevice, open_device
from hxsim.nn.chip import Chip, MockParameter
from hxsim.nn.data import Split
from hxsim.nn.models import attach, layers, mac_layers, set_mode
from hxsim.nn.train import dataset
from hxsim.params import ChipParams

#: Makes the device under check for a chip instance (default: the co-simulation).
DeviceFactory = Callable[[ChipInstance], VmmDevice]


def layer_outputs(model: torch.nn.Module, images: torch.Tensor, chip: Chip) -> list[torch.Tensor]:
    """Every MAC layer's output for ``images`` in chip mode on ``chip`` (the model's modes and
    chips are restored)."""
    saved = [(la, la.mode, la.chip) for la in layers(model)]
    outs: list[torch.Tensor] = []
    hooks = [cast(torch.nn.Module, m).register_forward_hook(
        lambda _m, _a, o: outs.append(o.detach().clone())) for m in mac_layers(model)]
    try:
        attach(model, chip)
        set_mode(model, "chip")
        with torch.no_grad():
            model(images)
    finally:
        for h in hooks:
            h.remove()
        for la, mode, c in saved:
            la.mode, la.chip = mode, c
    return outs


def cosim_check(model: torch.nn.Module, data: Split, params: ChipParams, fixed_seed: int,
                noise_seed: int, *, factory: DeviceFactory | None = None,
                simulator: str = "verilator", mock: MockParameter | None = None,
                calibration: CalibrationResult | None = None,
                log: Callable[[str], None] = print) -> bool:
    """Run ``data``'s images on the fast path and on the device ``factory`` makes (default: the
    RTL co-simulation on ``simulator``), each on a fresh ``ChipInstance(params, fixed_seed,
    noise_seed)``; True if every MAC layer's outputs are identical. Logs one line per layer and
    a summary. ``calibration``: both devices run with it. Raises ``DeviceUnavailable`` when the
    co-simulation cannot run."""
    images = dataset(data).tensors[0]
    mp = mock if mock is not None else MockParameter()
    def calibrated(dev: VmmDevice) -> VmmDevice:
        return CalibratedDevice(dev, calibration) if calibration is not None else dev

    fast = Chip(calibrated(ModelDevice(ChipInstance(params, fixed_seed, noise_seed))), mock=mp)
    inst = ChipInstance(params, fixed_seed, noise_seed)
    slow_dev: Any = factory(inst) if factory is not None else open_device("cosim", inst,
                                                                          simulator)
    slow = Chip(calibrated(slow_dev), mock=mp)
    a_out = layer_outputs(model, images, fast)
    try:
        b_out = layer_outputs(model, images, slow)
    finally:
        slow_dev.close()
    ok = True
    for i, (a, b) in enumerate(zip(a_out, b_out, strict=True)):
        bad = int((a != b).sum())
        ok &= bad == 0
        log(f"cosim layer {i} ({type(mac_layers(model)[i]).__name__}): {a.numel()} outputs, "
            f"{bad} differ ({'OK' if bad == 0 else 'MISMATCH'})")
    log(f"cosim: {len(data)} images, {slow.vmms} tile VMMs: "
        f"{'bit-identical' if ok else 'MISMATCH'}")
    return ok
