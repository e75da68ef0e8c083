"""The register model of hx_top (``hxsim.regmodel.HxTopRegModel``) in both of its roles:

- as the register-level device: ``RegisterDevice`` on it equals ``ModelDevice`` (noisy chip) and
  ``GoldenDevice`` (ideal array) bit for bit, the error rules answer as the RTL does;
- as the scoreboard's predictor: mirrored from monitored vector stores it holds and predicts
  exactly what the scoreboard's ``ShadowModel`` + ``expected_ideal`` (ideal mode) and
  ``ShadowModel`` + ``ref_chip.vmm_detail`` (noisy mode) gave (``_OldShadow`` / ``_old_expected``
  below are verbatim copies of them from ``hxtb/env.py`` as of commit 9d74fc9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from hxsim import ChipInstance, ChipParams, Timing, ideal_vmm, regmap
from hxsim.array import weights_to_physical
from hxsim.bringup import program as prog
from hxsim.device import GoldenDevice, ModelDevice, RegisterDevice
from hxsim.regmodel import HxTopRegModel
from hxsim.types import I64


# ---- the old predictor, verbatim (hxtb/env.py, ShadowModel.write and expected_ideal) ----------
@dataclass
class _Txn:
    """The fields of ``hxtb.vport.VecTxn`` the predictor reads."""

    we: bool
    addr: int
    wdata: int = 0
    err: bool = False


class _OldShadow:
    def __init__(self) -> None:
        self.phys = np.zeros((256, 256), dtype=np.int64)
        self.x = np.zeros(128, dtype=np.int64)
        self.dac = np.full(128, 32, dtype=np.int64)
        self.col_off = np.zeros(256, dtype=np.int64)
        self.stores = 0

    def write(self, t: _Txn) -> None:
        if not t.we or t.err:
            return
        lanes = regmap.unpack_lanes(t.wdata).astype(np.int64)
        self.stores += 1
        a = t.addr
        if a < 0x200:
            self.phys[a >> 1, (a & 1)::2] = lanes
        elif a == regmap.VA_INPUT:
            self.x = lanes
        elif a == regmap.VA_DAC:
            self.dac = lanes
        elif a in (regmap.VA_COL_OFFSET, regmap.VA_COL_OFFSET + 1):
            self.col_off[(a & 1)::2] = np.where(lanes >= 128, lanes - 256, lanes)

    @property
    def w(self) -> I64:
        return self.phys[1::2] - self.phys[0::2]


def _old_expected(x: I64, w: I64, ns: int, col_off: I64) -> tuple[I64, I64, I64]:
    g = ideal_vmm(x, w, 0.002, ns).astype(np.int64)
    return (np.full(256, 128, dtype=np.int64), g + 128, np.clip(g + col_off, -128, 127))


def _store_txns(rng: np.random.Generator, w: I64, rows: list[int] | None) -> list[_Txn]:
    """The vector stores ``Testbench.load_weights`` issues for logical ``rows`` (None: all)."""
    phys = weights_to_physical(w)
    out = []
    for i in rows if rows is not None else range(128):
        for r in (2 * i, 2 * i + 1):
            for h, part in enumerate(regmap.split_halves(phys[r])):
                out.append(_Txn(True, regmap.VA_SYN + 2 * r + h, regmap.pack_lanes(part)))
    return out


def _random_traffic(seed: int, vmms: int) -> list[tuple[list[_Txn], Timing]]:
    """Per VMM: the monitored vector transactions before its START and its timing: full and
    partial weight reloads, inputs, DAC and column offsets, refused stores and loads mixed in."""
    rng = np.random.default_rng(seed)
    w = np.zeros((128, 256), dtype=np.int64)
    out: list[tuple[list[_Txn], Timing]] = []
    for k in range(vmms):
        txns: list[_Txn] = []
        if k == 0 or rng.random() < 0.3:
            w = rng.integers(-63, 64, (128, 256))
            txns += _store_txns(rng, w, None)
        else:
            rows = sorted(rng.choice(128, size=int(rng.integers(0, 6)), replace=False).tolist())
            w = w.copy()
            for i in rows:
                w[i] = rng.integers(-63, 64, 256)
            txns += _store_txns(rng, w, rows)
        x = rng.integers(0, 32, 128) * (rng.random(128) < rng.uniform(0.05, 1.0))
        txns.append(_Txn(True, regmap.VA_INPUT, regmap.pack_lanes(x)))
        if k == 0 or rng.random() < 0.3:
            txns.append(_Txn(True, regmap.VA_DAC, regmap.pack_lanes(rng.integers(0, 64, 128))))
        if k == 0 or rng.random() < 0.3:
            off = rng.integers(-128, 128, 256)
            for h, part in enumerate(regmap.split_halves(off)):
                txns.append(_Txn(True, regmap.VA_COL_OFFSET + h, regmap.pack_lanes(part)))
        # refused stores (the DUT said err) and loads change nothing, wherever they come
        noise = [_Txn(True, regmap.VA_INPUT, regmap.pack_lanes(np.full(128, 40)), err=True),
                 _Txn(True, regmap.VA_SYN + 7, regmap.pack_lanes(np.full(128, 99)), err=True),
                 _Txn(False, regmap.VA_RESULT)]
        for txn in noise:
            txns.insert(int(rng.integers(0, len(txns) + 1)), txn)
        t = Timing(num_sends=int(rng.integers(1, 5)), event_wait=int(rng.integers(1, 4)))
        out.append((txns, t))
    return out


@pytest.mark.parametrize("mode", ["ideal", "noisy"])
def test_predictor_equals_old_shadow_model(mode: str) -> None:
    """Fed the same monitored stores, the register model holds and predicts exactly what the
    scoreboard's ShadowModel + expected_ideal / ref_chip.vmm_detail did, VMM after VMM."""
    seed = 1234 if mode == "ideal" else 4321
    print(f"[seed] stimulus seed {seed}, mode {mode}")
    old = _OldShadow()
    old_chip = ChipInstance(ChipParams(), 5, 6) if mode == "noisy" else None
    model = HxTopRegModel(ChipInstance(ChipParams(), 5, 6) if mode == "noisy" else None)
    for txns, t in _random_traffic(seed, 12):
        for txn in txns:
            old.write(txn)
            if txn.we:
                model.observe_store(txn.addr, txn.wdata, txn.err)
        for name in ("w", "x", "dac", "col_off"):
            np.testing.assert_array_equal(getattr(model, name), getattr(old, name), err_msg=name)
        assert model.stores == old.stores
        np.testing.assert_array_equal(model.sram, old.phys)
        want: tuple[I64, ...]
        if old_chip is None:
            want = _old_expected(old.x, old.w, t.num_sends, old.col_off)
        else:
            want = tuple(np.asarray(a, dtype=np.int64) for a in old_chip.vmm_detail(
                old.x, old.w, timing=t, dac_offsets=old.dac, column_offsets=old.col_off))
        got = model.predict_vmm(t)
        for g, e, name in zip(got, want, ("baseline", "result", "y"), strict=True):
            assert g.dtype == np.int64
            np.testing.assert_array_equal(g, e, err_msg=name)
    if old_chip is not None:  # the noise streams advanced alike
        assert model.chip is not None and model.chip.noise_state == old_chip.noise_state


def test_observe_write_mirrors_timing_registers() -> None:
    m = HxTopRegModel()
    m.observe_write(regmap.NUM_SENDS, 7)
    m.observe_write(regmap.T_EVENT_WAIT, 9, ok=False)  # refused: unchanged
    m.observe_write(regmap.CTRL, regmap.CTRL_START)    # no VMM from an observation
    assert m.timing == Timing(num_sends=7)
    assert m.result is None and m.vmm_count == 0
    x = np.arange(128) % 32
    m.observe_store(regmap.VA_INPUT, x)  # lanes as an array
    np.testing.assert_array_equal(m.x, x)


def test_noisy_predictor_refuses_both_synapses_of_a_row() -> None:
    m = HxTopRegModel(ChipInstance(ChipParams(), 0, 0))
    m.observe_store(regmap.VA_SYN + 0, np.full(128, 3))  # row 0 (inhibitory), even columns
    m.observe_store(regmap.VA_SYN + 2, np.full(128, 5))  # row 1 (excitatory), even columns
    with pytest.raises(ValueError, match="sram"):
        m.predict_vmm()
    ideal = HxTopRegModel()
    ideal.sram[:] = m.sram  # the ideal array sums both: 5 - 3
    x = np.zeros(128, dtype=np.int64)
    x[0] = 31
    ideal.x = x
    w = np.zeros((128, 256), dtype=np.int64)
    w[0, 0::2] = 2
    np.testing.assert_array_equal(ideal.predict_vmm(Timing(num_sends=20))[2],
                                  ideal_vmm(x, w, 0.002, 20))


# ---- the register-level device ------------------------------------------------------------------
def test_register_device_equals_model_device_bit_for_bit() -> None:
    """Batches of several sizes with the configuration changing between them (weights, timing,
    DAC and column offsets, defaults) and fast-path VMMs on the same chip in between."""
    print("[seed] fixed_seed 4, noise_seed 5, stimulus seed 0")
    rng = np.random.default_rng(0)
    chip_a, chip_b = ChipInstance(ChipParams(), 4, 5), ChipInstance(ChipParams(), 4, 5)
    a, b = ModelDevice(chip_a), RegisterDevice(HxTopRegModel(chip_b))
    w1, w2 = rng.integers(-63, 64, (2, 128, 256))
    x = rng.integers(0, 32, (6, 128)) * (rng.random((6, 128)) < 0.6)
    dac = rng.integers(20, 44, 128)
    col = rng.integers(-9, 9, 256)
    calls = [(x, w1, Timing(num_sends=2, event_wait=3), dac, col),
             (x[:2], w1, Timing(num_sends=2, event_wait=3), dac, col),  # cached configuration
             (x[2:], w2, Timing(), None, col),
             (x[:1], w2, Timing(reset_cycles=3, settle_cycles=0), dac, None)]
    for n, args in enumerate(calls):
        ra, rb = a.run_vmms(*args), b.run_vmms(*args)
        for f in ("baseline", "result", "y", "cycles"):
            np.testing.assert_array_equal(getattr(rb, f), getattr(ra, f), err_msg=f"{n} {f}")
        if n == 0:
            np.testing.assert_array_equal(chip_a.vmm(x[0], w1), chip_b.vmm(x[0], w1))
    assert chip_a.noise_state == chip_b.noise_state
    assert a.vmms == b.vmms == 13 and b.model.vmm_count == 13


def test_register_device_on_the_ideal_array_equals_golden_device() -> None:
    rng = np.random.default_rng(1)
    w = rng.integers(-63, 64, (128, 256))
    x = rng.integers(0, 32, (4, 128))
    col = rng.integers(-128, 128, 256)
    t = Timing(num_sends=3)
    ra = GoldenDevice().run_vmms(x, w, t, None, col)
    rb = RegisterDevice(HxTopRegModel()).run_vmms(x, w, t, None, col)
    for f in ("baseline", "result", "y", "cycles"):
        np.testing.assert_array_equal(getattr(rb, f), getattr(ra, f), err_msg=f)


def test_register_device_writes_configuration_only_when_changed() -> None:
    dev = RegisterDevice(HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)))
    w = np.ones((128, 256), dtype=np.int64)
    x = np.ones((1, 128), dtype=np.int64)
    dev.run_vmms(x, w)
    stores = dev.model.stores
    assert stores == 512 + 1 + 2 + 1  # SRAM, DAC, column offsets, input
    dev.run_vmms(x, w)
    assert dev.model.stores == stores + 1  # the input only
    dev.run_vmms(x, w, None, np.full(128, 30))
    assert dev.model.stores == stores + 3  # DAC offsets and the input
    dev.execute([])  # a raw program: the configuration is unknown afterwards
    dev.run_vmms(x, w)
    assert dev.model.stores == stores + 3 + 516


def test_register_device_reports_a_refusal() -> None:
    from hxsim.device import DeviceUnavailable

    dev = RegisterDevice(HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)))
    dev.model.axi_write = lambda addr, data, strb=0xF: False  # type: ignore[method-assign]
    with pytest.raises(DeviceUnavailable, match="refused the program: op 0 .*AXI write 0x020"):
        dev.run_vmms(np.ones((1, 128), dtype=np.int64), np.zeros((128, 256), dtype=np.int64))
    assert dev.program.w is None  # forgotten: the next batch writes everything again


def test_error_rules_answer_like_the_rtl() -> None:
    t = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0))
    assert not t.axi_write(regmap.TIMING_REGS["event_wait"], 0)
    assert t.err_code == regmap.BAD_REG_VALUE and t.error_count == 1
    assert t.vstore(regmap.VA_INPUT, [32] * 128)           # input > 31
    assert t.err_code == regmap.INPUT_RANGE
    assert t.vstore(regmap.VA_SYN, [64] * 128)             # weight > 63
    assert t.err_code == regmap.WEIGHT_RANGE
    assert t.vstore(regmap.VA_RESULT, [0] * 128)           # load-only
    assert t.err_code == regmap.BAD_VEC_ADDR
    assert t.vload(regmap.VA_RESULT)[1]                    # no result yet
    assert t.err_code == regmap.NO_RESULT
    assert t.axi_read(regmap.ID) == (regmap.ID_VALUE, True)
    assert t.axi_read(0x7FC) == (0, False)
    assert not t.axi_write(regmap.ID, 1)                   # read-only
    assert t.err_code == regmap.BAD_REG_ADDR and t.error_count == 7
    assert t.irq_status == regmap.IRQ_ERROR
    assert t.status == regmap.ST_ERROR | (regmap.BAD_REG_ADDR << 8)
    assert not t.axi_write(regmap.CTRL, 0x10)              # above bit 3
    assert t.axi_write(regmap.CTRL, regmap.CTRL_ERR_CLEAR) and t.status == 0
    assert t.axi_write(regmap.IRQ_STATUS, regmap.IRQ_ERROR) and t.irq_status == 0
    assert t.sram.sum() == 0 and t.x.sum() == 0           # nothing refused was stored
    with pytest.raises(ValueError, match="lanes"):
        t.vstore(regmap.VA_INPUT, [0] * 127)


def _rd(addr: int, name: str, expect: int | None = None) -> prog.Op:
    return {"op": "axi_read", "addr": addr, "name": name, "expect": expect}


def error_path_program() -> list[prog.Op]:
    """A program through every error rule, ERR_CLEAR, IRQ write-1-to-clear, one VMM and
    SOFT_RESET (13 refused accesses); shared with tests/test_bringup_cosim.py."""
    status = _rd(regmap.STATUS, "STATUS")
    counts = [_rd(regmap.ERROR_COUNT, "ERROR_COUNT"), _rd(regmap.VMM_COUNT, "VMM_COUNT"),
              _rd(regmap.IRQ_STATUS, "IRQ_STATUS"), _rd(regmap.IRQ_ENABLE, "IRQ_ENABLE")]
    x = np.zeros(128, dtype=np.int64)
    x[::9] = 7
    y_ideal = ideal_vmm(x, np.full((128, 256), 5), 0.002, 1).astype(np.int64)
    return [
        _rd(regmap.ID, "ID", regmap.ID_VALUE), _rd(regmap.VERSION, "VERSION"), status, *counts,
        {"op": "axi_write", "addr": regmap.TIMING_REGS["event_wait"], "data": 0},  # BAD_REG_VALUE
        {"op": "axi_write", "addr": 0x100, "data": 1},                            # BAD_REG_ADDR
        {"op": "axi_write", "addr": regmap.ID, "data": 1},                        # read-only
        {"op": "axi_write", "addr": regmap.CTRL, "data": 0x10},                   # above bit 3
        _rd(0x104, "unmapped"), status,
        {"op": "wait_done", "max_cycles": 100},                                   # no VMM
        {"op": "vload", "addr": regmap.VA_RESULT, "name": "result", "expect": None},  # NO_RESULT
        {"op": "vstore", "addr": 0x300, "lanes": [0] * 128},                      # BAD_VEC_ADDR
        {"op": "vstore", "addr": regmap.VA_RESULT, "lanes": [0] * 128},           # load-only
        {"op": "vstore", "addr": regmap.VA_INPUT, "lanes": [40] * 128},           # INPUT_RANGE
        {"op": "vstore", "addr": regmap.VA_SYN + 5, "lanes": [64] * 128},         # WEIGHT_RANGE
        {"op": "vstore", "addr": regmap.VA_DAC, "lanes": [64] * 128},             # WEIGHT_RANGE
        status, *counts,
        {"op": "axi_write", "addr": regmap.CTRL, "data": regmap.CTRL_ERR_CLEAR}, status,
        {"op": "axi_write", "addr": regmap.IRQ_ENABLE, "data": 3},
        {"op": "axi_write", "addr": regmap.IRQ_STATUS, "data": regmap.IRQ_ERROR}, *counts,
        *prog.setup_ops(np.full((128, 256), 5), Timing(), None, None),
        *prog.vmm_ops(0, x, Timing(), expect_y=y_ideal, raw=True),
        status, *counts,
        {"op": "vload", "addr": regmap.VA_INPUT, "name": "input", "expect": prog.to_lanes(x)},
        {"op": "axi_write", "addr": regmap.CTRL,
         "data": regmap.CTRL_SOFT_RESET | regmap.CTRL_START},                     # reset wins
        status, *counts, _rd(regmap.CYCLES_LAST, "CYCLES_LAST"),
        {"op": "vload", "addr": regmap.VA_BASELINE, "name": "baseline", "expect": None},
        _rd(regmap.TIMING_REGS["num_sends"], "num_sends", 1),
    ]


def test_error_path_program_on_the_model() -> None:
    res = HxTopRegModel(ChipInstance(ChipParams.ideal(), 0, 0)).execute(error_path_program())
    assert len(res.mismatches) == 13
    assert res.vmms == 1
    reads = {op["name"]: v for op, v in res.reads if op["name"] in ("ID", "CYCLES_LAST")}
    assert reads == {"ID": regmap.ID_VALUE, "CYCLES_LAST": 0}  # SOFT_RESET cleared the counter


# ---- CapMem and sub-word access (docs/interfaces.md section 4) --------------------------------
def test_capmem_cells_and_refusals() -> None:
    from hxsim.capmem import CAPMEM_MAX, CapMemConfig

    t = HxTopRegModel()
    assert t.capmem == CapMemConfig.default()
    q1 = regmap.CAPMEM_QUADRANT_REGS["stp_i_ramp"][1]
    leak = regmap.CAPMEM_COLUMN_WINDOWS["i_bias_leak"]
    assert t.axi_write(q1, 17) and t.axi_write(leak + 4 * 255, CAPMEM_MAX)
    assert t.axi_read(q1) == (17, True) and t.axi_read(leak + 4 * 255) == (CAPMEM_MAX, True)
    cfg = t.capmem
    assert list(cfg.quadrant["stp_i_ramp"]) == [600, 17]
    assert cfg.column["i_bias_leak"][255] == CAPMEM_MAX
    assert cfg.column["i_bias_leak"][:255].sum() == 0
    for bad in (CAPMEM_MAX + 1, 1 << 10, 0xFFFF_FFFF):
        assert not t.axi_write(leak, bad)
        assert t.err_code == regmap.BAD_REG_VALUE
    t.busy = True
    assert not t.axi_write(q1, 5) and t.err_code == regmap.WRITE_WHILE_BUSY
    assert not t.axi_write(leak, CAPMEM_MAX + 1) and t.err_code == regmap.WRITE_WHILE_BUSY
    assert not t.axi_write(regmap.ID, 0) and t.err_code == regmap.BAD_REG_ADDR  # address first
    t.busy = False
    assert t.error_count == 6 and t.capmem == cfg  # nothing refused was stored
    # the predictor mirrors accepted writes (with their strobes) and ignores refused ones
    p = HxTopRegModel()
    p.observe_write(q1 + 1, 0x0100, ok=True, strb=0x2)
    p.observe_write(leak, 5, ok=False)
    assert p.axi_read(q1) == ((600 & ~0xFF00) | 0x100, True) and p.axi_read(leak) == (0, True)


def test_subword_access() -> None:
    """Low address bits ignored; WSTRB replaces the strobed bytes; checks on the result."""
    t = HxTopRegModel()
    a = regmap.T_RESET
    assert t.axi_read(a + 3) == (regmap.T_RESET_RESVAL, True)
    assert t.axi_write(a + 1, 0x0000_0300, strb=0x2)  # the example: byte 1
    assert t.timing_regs["reset_cycles"] == (regmap.T_RESET_RESVAL & 0xFF) | 0x300
    assert t.axi_write(a + 2, 0xFFFF_FFFF, strb=0x0)  # no byte: unchanged, accepted
    assert not t.axi_write(a, 0x0001_0000, strb=0x4)  # bit 16: outside the field
    assert t.err_code == regmap.BAD_REG_VALUE
    assert not t.axi_write(regmap.VERSION + 2, 0, strb=0x0)  # read-only, any strobe
    assert t.err_code == regmap.BAD_REG_ADDR
    assert t.axi_write(regmap.CTRL + 1, regmap.CTRL_START, strb=0x2)  # START not in the strobe
    assert t.result is None
    with pytest.raises(ValueError, match="strobe"):
        t.axi_write(a, 0, strb=0x10)
    with pytest.raises(ValueError, match="address"):
        t.axi_read(0x1000)
