"""CapMem cells through the RTL co-simulation (``hxtb.session.client.CosimDevice``): the session
writes the cells over AXI (``RunVmms.capmem``; only those differing from what it last wrote),
hx_capmem holds them, tb_top presents them and the bridge hands them to the event session on the
dirty flag; the analog model never sees the stimulus' cells.

- a noisy chip with non-default quadrant and column cells: co-simulation == ``ModelDevice`` with
  the same cells bit for bit (baseline and result codes, int8 results, CYCLES_LAST), over
  batches that change the cells, go back to the defaults and follow a raw program (small on
  Icarus too); then a
  program that writes a wrong cell value reports result mismatches against the intended cells'
  expectations, and its results equal the model told the value the RTL holds;
- the CapMem target calibration (``calibrate_capmem``) through the co-simulation == through the
  model: same cells, same report, same VMM count; reduced (repetitions 2, 220 VMMs) in the
  default tier, the CLI's full ``calibrate --targets`` (defaults: repetitions 16) in the slow
  tier.

Seeds fixed per test and printed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from test_capmem_devices import (
    SMALL_TARGETS,
    capmem_stimulus,
    cells_a,
    check_wrong_write,
    compare,
    wrong_write_program,
)

from hxsim import ChipInstance, ChipParams, Timing
from hxsim.bringup import program as prog
from hxsim.calibration import calibrate_capmem
from hxsim.capmem import CapMemConfig
from hxsim.cli import main
from hxsim.device import ModelDevice
from hxtb import build
from hxtb.session.client import CosimDevice

pytestmark = pytest.mark.sim


def test_cosim_capmem_equals_fast_path_and_wrong_write_shows() -> None:
    fixed_seed, noise_seed, x, w, t, dac, col, a, b = capmem_stimulus(zero_fraction=0.3)
    fast = ModelDevice(ChipInstance(ChipParams(), fixed_seed, noise_seed))
    cos_chip = ChipInstance(ChipParams(), fixed_seed, noise_seed)
    with CosimDevice(cos_chip) as cos:
        for cells in (a, b, None, a):
            compare(cos.run_vmms(x, w, t, dac, col, capmem=cells),
                    fast.run_vmms(x, w, t, dac, col, capmem=cells))
        # a raw program changes a cell; the next batch writes every cell again
        cos.execute(prog.capmem_ops(CapMemConfig.default().with_(stp_i_ramp=300), a))
        compare(cos.run_vmms(x, w, t, dac, col, capmem=b),
                fast.run_vmms(x, w, t, dac, col, capmem=b))
        assert cos.vmms == 15
        print(cos.stats())
    assert cos_chip.noise_state == fast.chip.noise_state
    # a driver writing a wrong value (quadrant 0's synapse DAC bias): the RTL's value decides
    print("[seed] fixed_seed 41, noise_seed 42, stimulus seed 43")
    intended = cells_a()
    ops, want, held = wrong_write_program(intended, intended.with_(syn_i_bias_dac=[400, 900]),
                                          (41, 42), 43)
    with CosimDevice(ChipInstance(ChipParams(), 41, 42)) as cos:
        check_wrong_write(cos, ops, want, held)


@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_cosim_capmem_equals_fast_path_icarus() -> None:
    """The same on Icarus, small (short conversions, 1 VMM per batch)."""
    print("[seed] fixed_seed 61, noise_seed 62, stimulus seed 63")
    rng = np.random.default_rng(63)
    w = rng.integers(-40, 41, (128, 256))
    x = rng.integers(0, 32, (1, 128))
    x[rng.random(x.shape) < 0.8] = 0
    t = Timing(reset_cycles=8, settle_cycles=8, adc_reset_wait=0, adc_step=1, adc_dead_time=0,
               event_wait=2)
    a = cells_a()
    fast = ModelDevice(ChipInstance(ChipParams(), 61, 62))
    with CosimDevice(ChipInstance(ChipParams(), 61, 62), simulator="icarus") as cos:
        for cells in (a, a.with_(cadc_v_ramp_offset=[300, 420]), None):
            compare(cos.run_vmms(x, w, t, capmem=cells), fast.run_vmms(x, w, t, capmem=cells))
        print(cos.stats())


def test_cosim_capmem_calibration_equals_fast_path() -> None:
    print("[seed] fixed_seed 51, noise_seed 52")
    fast = calibrate_capmem(ModelDevice(ChipInstance(ChipParams(), 51, 52)), SMALL_TARGETS)
    t0 = time.perf_counter()
    with CosimDevice(ChipInstance(ChipParams(), 51, 52)) as cos:
        got = calibrate_capmem(cos, SMALL_TARGETS)
        print(cos.stats(), f"; {time.perf_counter() - t0:.1f} s wall")
    assert got.capmem == fast.capmem and not fast.capmem.is_default
    assert got.report == fast.report
    assert got.num_vmms == fast.num_vmms == SMALL_TARGETS.num_vmms


@pytest.mark.slow
def test_calibrate_targets_cosim_equals_fast(tmp_path: Path) -> None:
    """``hxsim calibrate --targets`` at its default targets (repetitions 16: 1376 VMMs, then
    the offsets at the smallest settings: 1362 VMMs) through the co-simulation writes the same
    calibration file as ``--device model``; prints the co-simulation's wall time (49 s for the
    2738 VMMs at load 4-5)."""
    print("[seed] fixed_seed 3, noise_seed 4")
    common = ["calibrate", "--targets", "--driver-repetitions", "1", "--offset-repetitions", "1",
              "--fixed-seed", "3", "--noise-seed", "4", "--no-progress"]
    t0 = time.perf_counter()
    assert main([*common, "--device", "cosim", "--out", str(tmp_path / "cos.json")]) == 0
    wall = time.perf_counter() - t0
    assert main([*common, "--device", "model", "--out", str(tmp_path / "fast.json")]) == 0
    a = json.loads((tmp_path / "cos.json").read_text())
    b = json.loads((tmp_path / "fast.json").read_text())
    assert a["chip"].pop("backend") == "cosim (verilator)"
    assert b["chip"].pop("backend") == "model"
    assert a == b and a["capmem"] is not None
    print(f"calibrate --targets through the co-simulation: {a['vmms']['total']} VMMs, "
          f"{wall:.0f} s wall")
