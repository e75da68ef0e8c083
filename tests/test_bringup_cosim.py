"""The bring-up tools through the RTL co-simulation (``hxtb.session.client.CosimDevice``):
register-level programs run on hx_top in tb_top with the Python bridge as the analog array.

- exported vectors replay through the co-simulation with zero mismatches (ideal chip), and a
  corrupted expectation is reported (exit 1);
- co-simulation == fast path bit for bit (baseline and result codes, int8 results, CYCLES_LAST)
  on a noisy chip with the same seeds, across several programs of one session, with the DAC and
  digital offsets and the timing changing, and with fast-path VMMs on the same chip instance in
  between (the noise stream is carried), with exactly one request and one reply per batch;
- the same on Icarus (small: short conversions, 3 VMMs; skipped without iverilog);
- ``hxsim characterize`` through the co-simulation equals ``--device model`` on small data;
- register-level error paths (refused writes and stores, unmapped reads, loads without a result,
  STATUS / ERR_CODE / ERROR_COUNT / IRQ_STATUS, ERR_CLEAR, SOFT_RESET) give the same reads and
  mismatch messages on the co-simulation as on the register model ``HxTopRegModel``;
- a co-simulation that cannot start exits 2 with the reason;
- ``hxsim demo``'s co-simulation section passes;
- slow tier: ``hxsim calibrate`` through the co-simulation (1362 VMMs, ~2 min) ==
  ``--device model``.

Seeds are fixed per test and printed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from test_regmodel import error_path_program

from hxsim import ChipInstance, ChipParams, regmap
from hxsim.bringup import vectors
from hxsim.bringup.data import MeasuredData
from hxsim.cli import main
from hxsim.device import ModelDevice
from hxsim.regmodel import HxTopRegModel
from hxsim.timing import Timing
from hxtb import build
from hxtb.session.client import CosimDevice

pytestmark = pytest.mark.sim

#: Short conversions (256 ramp steps of one cycle) for the slower Icarus run.
FAST_TIMING = Timing(reset_cycles=8, settle_cycles=8, adc_reset_wait=0, adc_step=1,
                     adc_dead_time=0, event_wait=2)


def test_export_replay_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = 4711
    print(f"[seed] stimulus seed {seed}, ideal chip")
    vec = tmp_path / "v.jsonl"
    assert main(["export-vectors", "--out", str(vec), "--vmms", "6", "--seed", str(seed),
                 "--num-sends", "2"]) == 0
    assert main(["replay-vectors", str(vec), "--device", "cosim"]) == 0
    out = capsys.readouterr().out
    assert "6 VMMs replayed on cosim" in out and "0 mismatches" in out
    # A wrong expectation (one result lane of the last VMM) is a mismatch: exit 1.
    # (a changed record must be saved again: the file's checksum covers every record)
    records = [json.loads(ln) for ln in vec.read_text().splitlines()[:-1]]
    k = max(i for i, op in enumerate(records) if op.get("name") == "result[1]")
    records[k]["expect"][5] = (records[k]["expect"][5] + 1) & 0xFF
    bad = tmp_path / "bad.jsonl"
    vectors.save(records, bad)
    assert main(["replay-vectors", str(bad), "--device", "cosim"]) == 1
    out = capsys.readouterr().out
    assert "1 mismatches" in out and "result[1]" in out and "1 lanes differ (first [5])" in out


def _compare(a: object, b: object) -> None:
    for k in ("baseline", "result", "y", "cycles"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)


def test_cosim_equals_fast_path_noisy() -> None:
    sim = "verilator"
    fixed_seed, noise_seed, stim = 11, 12, 13
    print(f"[seed] fixed_seed {fixed_seed}, noise_seed {noise_seed}, stimulus seed {stim}")
    rng = np.random.default_rng(stim)
    w = rng.integers(-63, 64, size=(128, 256))
    w2 = rng.integers(-20, 21, size=(128, 256))
    x = rng.integers(0, 32, size=(4, 128))
    x[rng.random(x.shape) < 0.4] = 0
    dac = rng.integers(20, 50, size=128)
    col = rng.integers(-10, 11, size=256)
    fast_chip = ChipInstance(ChipParams(), fixed_seed, noise_seed)
    cos_chip = ChipInstance(ChipParams(), fixed_seed, noise_seed)
    fast = ModelDevice(fast_chip)
    with CosimDevice(cos_chip, simulator=sim) as cos:
        calls: list[tuple[object, object, Timing, object, object]] = [
            (x, w, Timing(), None, None),
            (x[:2], w, Timing(num_sends=2, event_wait=3), dac, col),
            (x[2:], w2, Timing(num_sends=2, event_wait=3), dac, None),
        ]
        for n, (xa, wa, t, d, c) in enumerate(calls):
            sent, received = cos.requests, cos.replies
            _compare(cos.run_vmms(xa, wa, t, d, c), fast.run_vmms(xa, wa, t, d, c))
            # one request in, one reply out (the first batch also opens the session)
            assert (cos.requests - sent, cos.replies - received) == ((2, 2) if n == 0 else (1, 1))
            if n == 0:
                # the fast path on the same instances between two batches: same stream position
                np.testing.assert_array_equal(cos_chip.vmm(x[0], w), fast_chip.vmm(x[0], w))
        assert cos.vmms == 8 and cos.server.requests == 3 and cos.server.vmms == 8
        print(cos.stats())
    assert cos_chip.noise_state == fast_chip.noise_state


def test_characterize_cosim_equals_fast(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    print("[seed] fixed_seed 5, noise_seed 6")
    common = ["characterize", "--levels", "0,7", "--repetitions", "3", "--fixed-seed", "5",
              "--noise-seed", "6"]
    assert main([*common, "--out", str(tmp_path / "cos")]) == 0
    out = capsys.readouterr().out
    assert "device cosim (verilator)" in out and "6 VMMs" in out
    assert main([*common, "--device", "model", "--out", str(tmp_path / "fast")]) == 0
    a = MeasuredData.load(tmp_path / "cos" / "characterization.npz")
    b = MeasuredData.load(tmp_path / "fast" / "characterization.npz")
    np.testing.assert_array_equal(a.outputs, b.outputs)
    assert a.metadata["backend"] == "cosim (verilator)" and a.metadata["noise_seed"] == 6
    assert a.metadata["wall_time_s"] > 0 and "6 VMMs" in a.metadata["backend_stats"]
    ra = json.loads((tmp_path / "cos" / "characterization.json").read_text())
    rb = json.loads((tmp_path / "fast" / "characterization.json").read_text())
    # the same measurement and seeds; only the device the run names differs
    ma, mb = ra.pop("metadata"), rb.pop("metadata")
    assert (ma.pop("device"), mb.pop("device")) == ("cosim", "model")
    assert ma == mb and ra == rb


@pytest.mark.skipif(not build.have_iverilog(), reason=build.ICARUS_MISSING)
def test_cosim_equals_fast_path_icarus() -> None:
    """The same check on Icarus, kept small (Icarus runs hx_top far slower than Verilator)."""
    fixed_seed, noise_seed, stim = 21, 22, 23
    print(f"[seed] fixed_seed {fixed_seed}, noise_seed {noise_seed}, stimulus seed {stim}")
    rng = np.random.default_rng(stim)
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=(2, 128))
    x[rng.random(x.shape) < 0.8] = 0
    dac = rng.integers(20, 50, size=128)
    col = rng.integers(-10, 11, size=256)
    fast_chip = ChipInstance(ChipParams(), fixed_seed, noise_seed)
    cos_chip = ChipInstance(ChipParams(), fixed_seed, noise_seed)
    fast = ModelDevice(fast_chip)
    with CosimDevice(cos_chip, simulator="icarus") as cos:
        _compare(cos.run_vmms(x, w, FAST_TIMING), fast.run_vmms(x, w, FAST_TIMING))
        _compare(cos.run_vmms(x[:1], w, FAST_TIMING, dac, col),
                 fast.run_vmms(x[:1], w, FAST_TIMING, dac, col))
        print(cos.stats())
    assert cos_chip.noise_state == fast_chip.noise_state


def test_cosim_failure_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A co-simulation that cannot start is an unavailable device: exit 2 with the reason."""
    def no_build(sim: str) -> None:
        raise RuntimeError(f"no {sim} here")

    monkeypatch.setattr(build, "build", no_build)
    # (a failed session keeps its work directory for its logs: make it under tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["characterize", "--repetitions", "1", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "co-simulation (verilator)" in err and "building tb_top failed (no verilator here)" \
        in err
    assert not (tmp_path / "c" / "characterization.npz").exists()


def test_demo_cosim_section(capsys: pytest.CaptureFixture[str]) -> None:
    print("[seed] demo defaults: stimulus seed 2026, fixed_seed 1, noise_seed 2")
    assert main(["demo", "--columns", "4"]) == 0
    out = capsys.readouterr().out
    assert "co-simulation: all checks passed" in out and out.count("256/256") == 8
    assert main(["demo", "--device", "model"]) == 0
    assert "Co-simulation" not in capsys.readouterr().out


@pytest.mark.slow
def test_calibrate_cosim_equals_fast(tmp_path: Path) -> None:
    """``hxsim calibrate`` through the co-simulation (smallest settings: 1362 VMMs, every
    register over AXI and the vector port) writes the same calibration as ``--device model``."""
    print("[seed] fixed_seed 3, noise_seed 4")
    common = ["calibrate", "--driver-repetitions", "1", "--offset-repetitions", "1",
              "--fixed-seed", "3", "--noise-seed", "4"]
    assert main([*common, "--out", str(tmp_path / "cos.json")]) == 0
    assert main([*common, "--device", "model", "--out", str(tmp_path / "fast.json")]) == 0
    a = json.loads((tmp_path / "cos.json").read_text())
    b = json.loads((tmp_path / "fast.json").read_text())
    assert a["chip"].pop("backend") == "cosim (verilator)"
    assert b["chip"].pop("backend") == "model"
    assert a == b


def test_error_paths_match_the_register_model() -> None:
    print("[seed] ideal chip, fixed_seed 0, noise_seed 0 (deterministic program)")
    ops = error_path_program()
    model = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute(ops)
    with CosimDevice(ChipInstance(ChipParams.ideal(), 0, 0)) as dev:
        cos = dev.execute(ops)
    assert cos.mismatches == model.mismatches
    assert len(model.mismatches) == 13  # the refused accesses, nothing else
    for (op, a), (_, b) in zip(model.reads, cos.reads, strict=True):
        assert a == b, op.get("name")


@pytest.mark.parametrize("op", [
    {"op": "axi_write", "addr": 0x1028, "data": 1},                      # 13 bits, port 12
    {"op": "vload", "addr": 0x10000 + regmap.VA_DAC, "expect": None},   # 17 bits, port 16
], ids=["axi_addr", "vector_addr"])
def test_addresses_beyond_the_port_are_refused(op: dict[str, int | None],
                                               tmp_path: Path) -> None:
    """An address wider than the bus port is refused by the register model and by the
    co-simulation alike, with the same line, before the simulator starts (writing only the low
    bits would alias another register; the drivers' ports refuse it too)."""
    with pytest.raises(ValueError, match="address 0x1") as model_err:
        HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute([op])
    dev = CosimDevice(ChipInstance(ChipParams.ideal(), 0, 0), workdir=tmp_path / "w")
    with pytest.raises(ValueError) as cosim_err:
        dev.execute([op])
    assert str(cosim_err.value) == str(model_err.value)  # the same one line
    assert dev.dir is None, "the simulator was started for a refused program"
    dev.close()


def test_unaligned_addresses_name_their_word() -> None:
    """An op's unaligned AXI address names the 32-bit word holding it (the RTL ignores the two
    low bits, docs/interfaces.md section 4): the co-simulation drives it as one beat, as the op
    says, and answers as the register model does (cocotbext-axi would split it into bytes)."""
    ops = [{"op": "axi_write", "addr": regmap.TIMING_REGS["event_wait"] + 2, "data": 9},
           {"op": "axi_read", "addr": regmap.TIMING_REGS["event_wait"] + 1, "name": "ew",
            "expect": 9},
           {"op": "axi_read", "addr": regmap.ID + 3, "name": "id", "expect": regmap.ID_VALUE}]
    model = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute(ops)
    with CosimDevice(ChipInstance(ChipParams.ideal(), 0, 0)) as dev:
        cos = dev.execute(ops)
    assert model.mismatches == [] and cos.mismatches == []
    assert [v for _, v in cos.reads] == [v for _, v in model.reads] == [9, regmap.ID_VALUE]


@pytest.mark.parametrize("kind,addr", [("axi_write", 0x1028), ("vload", 0x10000)])
def test_replay_refuses_an_address_beyond_its_port_before_any_device(
        kind: str, addr: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """replay-vectors reads the file first: an address beyond its port is refused there, naming
    the file, line and field (exit 2), and no simulator is built or started."""
    vec = tmp_path / "v.jsonl"
    assert main(["export-vectors", "--out", str(vec), "--vmms", "1", "--seed", "3"]) == 0
    records = [json.loads(ln) for ln in vec.read_text().splitlines()[:-1]]
    k = next(i for i, op in enumerate(records) if op.get("op") == kind)
    records[k]["addr"] = addr
    bad = tmp_path / "bad.jsonl"
    vectors.save(records, bad)
    capsys.readouterr()

    def no_build(sim: str) -> None:
        raise AssertionError("a simulator was built for a refused file")

    monkeypatch.setattr(build, "build", no_build)
    assert main(["replay-vectors", str(bad), "--device", "cosim"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and f"line {k + 1}" in err \
        and "'addr'" in err, err
