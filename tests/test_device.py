"""Devices (``hxsim.device``) and register programs: the register-level path equals the model's
fast path bit for bit; calibration and tiling run on any device; exported vectors replay without
mismatch on an ideal chip and flag a broken one; the co-simulation is found through the entry
point and says in one line when it is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm, regmap
from hxsim.bringup import program as prog, vectors as vec
from hxsim.bringup.data import DataFormatError
from hxsim.calibration import CalibrationSettings, calibrate
from hxsim.device import (
    DEVICE_KINDS,
    DeviceUnavailable,
    GoldenDevice,
    ModelDevice,
    RecordingDevice,
    RegisterDevice,
    check_vmm_args,
    close_device,
    device_matmul,
    execute_program,
    open_device,
)
from hxsim.regmodel import HxTopRegModel
from hxtb.session.client import CosimDevice


def test_register_path_equals_fast_path() -> None:
    a = open_device("model", ChipInstance(ChipParams(), 4, 5))
    b = open_device("regs", ChipInstance(ChipParams(), 4, 5))
    rng = np.random.default_rng(0)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (6, 128))
    dac = rng.integers(20, 44, 128)
    col = rng.integers(-9, 9, 256)
    t = Timing(num_sends=2, event_wait=3)
    for _ in range(2):  # second call: configuration cached, only inputs stored
        ra, rb = a.run_vmms(x, w, t, dac, col), b.run_vmms(x, w, t, dac, col)
        for f in ("baseline", "result", "y", "cycles"):
            np.testing.assert_array_equal(getattr(ra, f), getattr(rb, f))
    assert a.vmms == b.vmms == 12
    # configuration once (7 timing writes, 512 SRAM stores, DAC, 2 offset stores), then 12 ops
    # per VMM (mark, input, START, wait, 2 counter reads, 6 loads)
    assert close_device(b) == f"12 VMMs, {7 + 512 + 1 + 2 + 12 * 12} register-level operations"
    assert close_device(a) is None


def test_calibration_through_registers_matches_model() -> None:
    s = CalibrationSettings(driver_repetitions=1, offset_repetitions=4, refine=False)
    fast = calibrate(ModelDevice(ChipInstance(ChipParams(), 6, 7)), s)
    regs = calibrate(open_device("regs", ChipInstance(ChipParams(), 6, 7)), s)
    np.testing.assert_array_equal(fast.dac_offsets, regs.dac_offsets)
    np.testing.assert_array_equal(fast.column_offsets, regs.column_offsets)
    assert fast.num_vmms == regs.num_vmms > 0


def test_golden_device_and_tiling() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 32, (5, 300))
    w = rng.integers(-63, 64, (300, 20))
    g = GoldenDevice(gain=0.003)
    np.testing.assert_array_equal(device_matmul(g, x, w, Timing(num_sends=2)),
                                  ideal_vmm(x, w, 0.003, 2))
    assert g.vmms == 5 * 3  # three row tiles, one column tile
    rec = RecordingDevice(ModelDevice(ChipInstance(ChipParams.ideal(), 0, 1)))
    got = device_matmul(rec, x, w, Timing(num_sends=2))
    np.testing.assert_array_equal(got, ideal_vmm(x, w, 0.002, 2))
    assert [c[0].shape for c in rec.calls] == [(5, 128)] * 3
    assert rec.vmms == 15 and rec.name == "model"
    # the recorded cycles are the golden timing of each padded tile input
    for xt, _, t, batch in rec.calls:
        np.testing.assert_array_equal(batch.cycles, [
            t.reset_cycles + 2 * t.conversion_cycles + np.count_nonzero(v) * 2 * t.event_wait
            + t.settle_cycles + 1 for v in xt])
    with pytest.raises(ValueError, match="gain"):
        GoldenDevice(gain=0.0)


def test_vectors_roundtrip(tmp_path: Path) -> None:
    x, w, idx = vec.random_vmms(4, seed=3, matrices=2)
    t = Timing(num_sends=2)
    ops = vec.build(x, w, idx, t, gain=0.002, header_extra={"seed": 3})
    p = vec.save(ops, tmp_path / "v.jsonl")
    header, body = vec.load(p)
    assert header["vmms"] == 4 and header["seed"] == 3
    res = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute(body)
    assert res.vmms == 4 and res.mismatches == []
    # Expected CYCLES_LAST is the golden timing.
    cyc = [o["expect"] for o in body if o.get("name") == "CYCLES_LAST"]
    assert cyc[0] == t.reset_cycles + 2 * t.conversion_cycles + 2 * np.count_nonzero(x[0]) * 5 \
        + t.settle_cycles + 1
    noisy = execute_program(open_device("regs", ChipInstance(ChipParams(), 0, 0)), body)
    assert noisy.mismatches and "result" in noisy.mismatches[0]
    with pytest.raises(DeviceUnavailable, match="device model: runs no register-level"):
        execute_program(open_device("model", ChipInstance(ChipParams(), 0, 0)), body)


@pytest.mark.parametrize(("line", "name"), [
    ('{"format": "nope"}', "format"),
    ('{"format": "hxsim-vectors", "version": 9, "timing": {}}', "version"),
    ('{"format": "hxsim-vectors", "version": 2, "timing": {"x": 1}}', "timing"),
    ('{"format": "hxsim-vectors", "version": 1, "timing": {}}', "version"),
])
def test_vector_file_errors(tmp_path: Path, line: str, name: str) -> None:
    p = tmp_path / "v.jsonl"
    p.write_text(line + "\n")
    with pytest.raises(DataFormatError, match=f"field '{name}'"):
        vec.load(p)


def test_vector_file_bad_ops(tmp_path: Path) -> None:
    hdr = ('{"format": "hxsim-vectors", "version": 2, "timing": {}, "records": 1, "vmms": 0, '
           '"matrices": 0, "sha256": "' + "0" * 64 + '"}\n')
    p = tmp_path / "v.jsonl"
    for body, name in (('{"op": "poke"}', "op"), ('{"op": "vstore", "addr": 1}', "lanes"),
                       ('{"op": "vstore", "addr": 1, "lanes": [1]}', "lanes"),
                       ("[1]", "line"), ("{", "line")):
        p.write_text(hdr + body + "\n")
        with pytest.raises(DataFormatError, match=f"field '{name}'"):
            vec.load(p)


def test_bad_arguments() -> None:
    chip = ChipInstance(ChipParams.ideal(), 0, 0)
    with pytest.raises(ValueError, match="unknown device"):
        open_device("fpga", chip)
    with pytest.raises(ValueError, match="unknown option"):
        open_device("model", chip, workdir="x")
    with pytest.raises(ValueError, match="model: expected an HxTopRegModel"):
        RegisterDevice(object())  # type: ignore[arg-type]
    for kind in ("model", "golden", "regs"):
        b = open_device(kind, chip)
        with pytest.raises(ValueError, match="x"):
            b.run_vmms(np.zeros((2, 127), int), np.zeros((128, 256), int))
        with pytest.raises(ValueError, match="dac_offsets"):
            b.run_vmms(np.zeros((2, 128), int), np.zeros((128, 256), int), None,
                       np.full(128, 64))
        with pytest.raises(ValueError, match="column_offsets"):
            b.run_vmms(np.zeros((2, 128), int), np.zeros((128, 256), int), None, None,
                       np.full(256, 128))
        with pytest.raises(ValueError, match="timing"):
            b.run_vmms(np.zeros((2, 128), int), np.zeros((128, 256), int), "fast")  # type: ignore[arg-type]
    a = check_vmm_args(np.zeros((1, 128), int), np.zeros((128, 256), int))
    assert a.timing == Timing() and a.batch == 1
    assert np.all(a.dac_offsets == 32) and np.all(a.column_offsets == 0)
    for kw, name in (({"count": 0}, "count"), ({"density": 2.0}, "density"),
                     ({"matrices": 0}, "matrices"), ({"weight_max": 64}, "weight_max")):
        args = {"count": 2, "seed": 1, **kw}
        with pytest.raises(ValueError, match=name):
            vec.random_vmms(**args)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown operation 'poke' at index 0"):
        HxTopRegModel(chip).execute([{"op": "poke"}])
    mark: prog.Op = {"op": "mark", "vmm": 0}
    for lanes in ([0] * 127, [0] * 127 + [256], [-1] + [0] * 127):
        with pytest.raises(ValueError, match="op 1: vstore needs 128 lanes 0..255"):
            HxTopRegModel(chip).execute([mark, {"op": "vstore", "addr": 0x200, "lanes": lanes}])


def test_interpreter_requests_and_read_index() -> None:
    """The shared decoder yields one request per bus access and records read positions."""
    ops: list[prog.Op] = [{"op": "mark", "vmm": 3},
                          {"op": "axi_write", "addr": 0x10, "data": 5},
                          {"op": "axi_read", "addr": 0x0, "expect": 7, "name": "ID"},
                          {"op": "vload", "addr": 0x200, "expect": None},
                          {"op": "wait_done", "max_cycles": 9}]
    steps = prog.interpret(ops)
    seen = [next(steps)]
    answers: list[object] = [False, (8, True), ([1] * 128, True), False]
    with pytest.raises(StopIteration) as stop:
        for a in answers:
            seen.append(steps.send(a))
    assert seen == [("axi_write", (0x10, 5)), ("axi_read", (0x0,)), ("vload", (0x200,)),
                    ("wait_done", (9,))]
    res: prog.ExecResult = stop.value.value
    assert res.vmms == 1 and res.read_index == [2, 3]
    assert res.reads == [(ops[2], 8), (ops[3], [1] * 128)]
    assert [m.split(":")[0] for m in res.mismatches] == ["op 1 (vmm 3)", "op 2 (vmm 3)",
                                                        "op 3 (vmm 3)", "op 4 (vmm 3)"]


def test_vmm_program_decodes_by_position_and_address() -> None:
    """A batch program's reads decode to arrays without names; a read out of place is refused."""
    model = HxTopRegModel(ChipInstance(ChipParams(), 1, 2))
    x = np.random.default_rng(3).integers(0, 32, (2, 128))
    w = np.full((128, 256), -3, dtype=np.int64)
    args = check_vmm_args(x, w, Timing(num_sends=2))
    program = prog.VmmProgram()
    ops = program.ops(args.x, args.w, args.timing, args.dac_offsets, args.column_offsets)
    for op in ops:
        op.pop("name", None)  # names only label messages
    res = model.execute(ops)
    b, r, y, cycles = prog.VmmProgram.decode(res, 2)
    want = ModelDevice(ChipInstance(ChipParams(), 1, 2)).run_vmms(x, w, Timing(num_sends=2))
    for got, exp in ((b, want.baseline), (r, want.result), (y, want.y), (cycles, want.cycles)):
        np.testing.assert_array_equal(got, exp)
    with pytest.raises(ValueError, match="expected 16 reads for 2 VMMs, got 8"):
        prog.VmmProgram.decode(prog.ExecResult(reads=res.reads[:8]), 2)
    swapped = [res.reads[1], res.reads[0], *res.reads[2:]]
    with pytest.raises(ValueError, match="VMM 0: read axi_read 0x04c where axi_read 0x040"):
        prog.VmmProgram.decode(prog.ExecResult(reads=swapped), 2)
    assert prog.VMM_READS[0] == ("axi_read", regmap.CYCLES_LAST)


def test_open_device_kinds_and_cosim_entry_point() -> None:
    chip = ChipInstance(ChipParams.ideal(), 0, 0)
    names = {k: open_device(k, chip).name for k in DEVICE_KINDS}
    assert names == {"model": "model", "golden": "golden", "regs": "model registers",
                     "cosim": "cosim (verilator)"}
    cos = open_device("cosim", chip, "icarus")
    assert cos.name == "cosim (icarus)" and cos.vmms == 0
    assert isinstance(cos, CosimDevice)
    assert not cos.running  # nothing is built or started before the first batch
    cos.close()


def test_cosim_unavailable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    chip = ChipInstance(ChipParams.ideal(), 0, 0)
    # the testbench extra (cocotb) missing: the entry point loads, the device says so
    monkeypatch.setitem(sys.modules, "cocotb", None)
    with pytest.raises(DeviceUnavailable) as exc:
        open_device("cosim", chip)
    assert "\n" not in str(exc.value)
    assert "testbench extra is not installed (no module cocotb" in str(exc.value)
    monkeypatch.undo()
    # no package registers the entry point
    import hxsim.device as device_mod

    monkeypatch.setattr(device_mod, "entry_points", lambda group: [])
    with pytest.raises(DeviceUnavailable, match="testbench package hxtb is not installed") as exc:
        open_device("cosim", chip)
    assert "\n" not in str(exc.value)
