"""CapMem cells on the register-level device (``regs``): written over AXI, only where they differ
from what the device last wrote, and the VMMs run with what the registers hold.

- ``capmem_ops`` writes exactly the differing quadrant registers and column-window words (all 522
  cells when what the target holds is unknown);
- a noisy chip with non-default quadrant and column cells: ``regs`` == ``model`` bit for bit
  (baseline and result codes, int8 results, cycles) over batches that change the cells, go back
  to the defaults (None) and interleave with raw programs;
- a wrong CapMem write shows up as a wrong result: a program writing another value than the one
  the expectations were computed with reports result mismatches, and its results equal the model
  told the value the registers hold;
- the CapMem target calibration through ``regs`` == through ``model`` (same cells, same report,
  same VMM count) on a reduced setting.

The co-simulation's side of the same checks: tests/test_capmem_cosim.py. Seeds fixed, printed.
"""

from __future__ import annotations

import numpy as np

from hxsim import ChipInstance, ChipParams, Timing, regmap
from hxsim.bringup import program as prog
from hxsim.calibration import CapMemTargets, calibrate_capmem
from hxsim.capmem import COLUMN_CELLS, QUADRANT_CELLS, CapMemConfig
from hxsim.device import ModelDevice, RegisterDevice, VmmBatch, check_vmm_args, open_device
from hxsim.regmodel import HxTopRegModel


def cells_a() -> CapMemConfig:
    """Non-default quadrant and column cells (every cell changed in some quadrant or column;
    moderate values, so the results stay inside the CADC range)."""
    leak = np.zeros(256, dtype=np.int64)
    leak[::7] = 300
    gm = np.full(256, 450, dtype=np.int64)
    gm[:128] = 420
    gm[200:] = 500
    return CapMemConfig.default().with_(
        syn_i_bias_dac=[700, 900], stp_i_ramp=[560, 640], hagen_ibias_dac=[820, 760],
        cadc_v_ramp_offset=[380, 420], cadc_i_ramp_slope=[340, 365],
        i_bias_synin_gm=gm, i_bias_leak=leak)


def compare(got: VmmBatch, want: VmmBatch) -> None:
    for f in ("baseline", "result", "y", "cycles"):
        np.testing.assert_array_equal(getattr(got, f), getattr(want, f), err_msg=f)


#: Every CapMem cell address (quadrant registers and column-window words).
CELL_ADDRS = {op["addr"] for op in prog.capmem_ops(CapMemConfig.default())}


def capmem_writes(ops: list[prog.Op]) -> list[tuple[int, int]]:
    return [(op["addr"], op["data"]) for op in ops
            if op["op"] == "axi_write" and op["addr"] in CELL_ADDRS]


def test_capmem_ops_write_only_the_differences() -> None:
    a = cells_a()
    everything = prog.capmem_ops(a)
    assert len(everything) == 2 * len(QUADRANT_CELLS) + 256 * len(COLUMN_CELLS)
    assert prog.capmem_ops(a, a) == []
    b = a.with_(stp_i_ramp=[560, 650], i_bias_leak=np.where(np.arange(256) == 9, 11,
                                                             a.column["i_bias_leak"]))
    assert prog.capmem_ops(b, a) == [
        {"op": "axi_write", "addr": regmap.CAPMEM_QUADRANT_REGS["stp_i_ramp"][1], "data": 650},
        {"op": "axi_write", "addr": regmap.CAPMEM_COLUMN_WINDOWS["i_bias_leak"] + 4 * 9,
         "data": 11}]
    # written to a register model, the ops make it hold the cells
    m = HxTopRegModel()
    assert m.execute(everything).mismatches == [] and m.capmem == a


def capmem_stimulus(zero_fraction: float) -> tuple[
        int, int, np.ndarray, np.ndarray, Timing, np.ndarray, np.ndarray,
        CapMemConfig, CapMemConfig]:
    """The CapMem device tests' fixed stimulus, seeds printed.

    Returns (fixed_seed, noise_seed, x [3, 128] 5-bit codes with about ``zero_fraction`` of
    entries set to 0, w [128, 256] int weights, timing, dac [128] codes, col [256] offsets,
    cells a, cells b = a with two quadrants' and three columns' cells changed).
    """
    fixed_seed, noise_seed, stim = 31, 32, 33
    print(f"[seed] fixed_seed {fixed_seed}, noise_seed {noise_seed}, stimulus seed {stim}")
    rng = np.random.default_rng(stim)
    w = rng.integers(-40, 41, (128, 256))
    x = rng.integers(0, 32, (3, 128))
    if zero_fraction > 0.0:
        x[rng.random(x.shape) < zero_fraction] = 0
    dac = rng.integers(24, 40, 128)
    col = rng.integers(-6, 7, 256)
    t = Timing(num_sends=2, event_wait=3)
    a = cells_a()
    b = a.with_(syn_i_bias_dac=[700, 820], i_bias_synin_gm=np.where(
        np.arange(256) < 3, 600, a.column["i_bias_synin_gm"]))
    assert a != b
    return fixed_seed, noise_seed, x, w, t, dac, col, a, b


def test_register_device_applies_capmem_bit_for_bit() -> None:
    fixed_seed, noise_seed, x, w, t, dac, col, a, b = capmem_stimulus(zero_fraction=0.0)
    fast = ModelDevice(ChipInstance(ChipParams(), fixed_seed, noise_seed))
    regs = open_device("regs", ChipInstance(ChipParams(), fixed_seed, noise_seed))
    assert isinstance(regs, RegisterDevice)
    at_default = ModelDevice(ChipInstance(ChipParams(), fixed_seed, noise_seed)).run_vmms(
        x, w, t, dac, col)
    for cells in (a, b, None, a):
        got, want = regs.run_vmms(x, w, t, dac, col, capmem=cells), \
            fast.run_vmms(x, w, t, dac, col, capmem=cells)
        compare(got, want)
        assert regs.model.capmem == (cells if cells is not None else CapMemConfig.default())
        # the cells matter: the codes differ from the defaults' (another noise draw aside)
        if cells is not None:
            assert np.abs(want.baseline.astype(float).mean(0)
                          - at_default.baseline.astype(float).mean(0)).max() > 3
    # a raw program in between (it changes a cell) does not break the equality
    regs.execute(prog.capmem_ops(CapMemConfig.default().with_(stp_i_ramp=300), a))
    compare(regs.run_vmms(x, w, t, dac, col, capmem=b), fast.run_vmms(x, w, t, dac, col,
                                                                       capmem=b))
    assert regs.vmms == fast.vmms == 15


def test_register_device_writes_only_changed_cells() -> None:
    chip = ChipInstance(ChipParams(), 1, 2)
    regs = RegisterDevice(HxTopRegModel(chip))
    args = check_vmm_args(np.zeros((1, 128), int), np.zeros((128, 256), int))
    a = cells_a()
    b = a.with_(syn_i_bias_dac=[700, 820])
    seen: list[list[prog.Op]] = []
    inner = regs.model.execute

    def recording(ops: list[prog.Op], check: bool = True) -> prog.ExecResult:
        seen.append(ops)
        return inner(ops, check)

    regs.model.execute = recording  # type: ignore[method-assign,assignment]
    for cells in (a, b, b, None, None):
        regs.run_vmms(args.x, args.w, capmem=cells)
    counts = [len(capmem_writes(ops)) for ops in seen]
    assert counts == [len(prog.capmem_ops(a, CapMemConfig.default())), 1, 0,
                      len(prog.capmem_ops(CapMemConfig.default(), b)), 0]
    # a raw program leaves the cells unknown: the next batch writes all 522
    regs.execute([])
    regs.run_vmms(args.x, args.w, capmem=b)
    assert len(capmem_writes(seen[-1])) == 522
    assert regs.model.capmem == b


def wrong_write_program(intended: CapMemConfig, written: CapMemConfig, seeds: tuple[int, int],
                        stim: int) -> tuple[list[prog.Op], VmmBatch, VmmBatch]:
    """A register-level program for a device fresh from reset that writes the CapMem cells
    ``written`` but expects the results of the cells ``intended`` (a driver writing a wrong
    value): (ops, the results expected with ``intended``, the model's results with
    ``written``), on a noisy chip with ``seeds`` (fixed, noise) and stimulus seed ``stim``."""
    rng = np.random.default_rng(stim)
    w = rng.integers(-40, 41, (128, 256))
    x = rng.integers(1, 32, (3, 128))
    t = Timing()

    def model(cells: CapMemConfig) -> VmmBatch:
        return ModelDevice(ChipInstance(ChipParams(), *seeds)).run_vmms(x, w, t, capmem=cells)

    want, held = model(intended), model(written)
    a = check_vmm_args(x, w, t)
    ops = prog.capmem_ops(written, CapMemConfig.default())
    ops += prog.setup_ops(a.w, a.timing, a.dac_offsets, a.column_offsets)
    for n in range(x.shape[0]):
        ops += prog.vmm_ops(n, a.x[n], t, expect_y=want.y[n], raw=True)
    return ops, want, held


def check_wrong_write(device: object, ops: list[prog.Op], want: VmmBatch, held: VmmBatch
                      ) -> None:
    """The program's result loads mismatch the intended cells' expectations, and its results
    equal the model told the cells the registers hold."""
    from hxsim.device import execute_program

    res = execute_program(device, ops)  # type: ignore[arg-type]
    assert res.mismatches and all("result[" in m for m in res.mismatches), res.mismatches
    b, r, y, cycles = prog.VmmProgram.decode(res, 3)
    compare(VmmBatch(b, r, y, cycles), held)
    assert not np.array_equal(y, want.y)


def test_wrong_capmem_write_shows_in_the_result() -> None:
    print("[seed] fixed_seed 41, noise_seed 42, stimulus seed 43")
    intended = cells_a()
    written = intended.with_(syn_i_bias_dac=[400, 900])  # quadrant 0 written wrong
    ops, want, held = wrong_write_program(intended, written, (41, 42), 43)
    regs = open_device("regs", ChipInstance(ChipParams(), 41, 42))
    check_wrong_write(regs, ops, want, held)
    # the same program writing the intended cells passes
    ok, *_ = wrong_write_program(intended, intended, (41, 42), 43)
    again = RegisterDevice(HxTopRegModel(ChipInstance(ChipParams(), 41, 42)))
    assert again.execute(ok).mismatches == []


#: The reduced target calibration of the default tier (repetitions 2: 220 VMMs).
SMALL_TARGETS = CapMemTargets(repetitions=2)


def test_capmem_calibration_through_registers_equals_model() -> None:
    print("[seed] fixed_seed 51, noise_seed 52")
    fast = calibrate_capmem(ModelDevice(ChipInstance(ChipParams(), 51, 52)), SMALL_TARGETS)
    regs = calibrate_capmem(open_device("regs", ChipInstance(ChipParams(), 51, 52)),
                            SMALL_TARGETS)
    assert regs.capmem == fast.capmem and not fast.capmem.is_default
    assert regs.report == fast.report
    assert regs.num_vmms == fast.num_vmms == SMALL_TARGETS.num_vmms
