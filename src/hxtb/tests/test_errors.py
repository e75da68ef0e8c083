"""cocotb tests: every error path of docs/interfaces.md section 4 ("Errors"), plus ABORT and
SOFT_RESET in the middle of a VMM, through the co-simulation (ideal array behind the bridge).

Each test checks the response (AXI resp / vector err), STATUS.ERROR, ERR_CODE, ERROR_COUNT,
IRQ_STATUS.ERROR_IRQ, and that nothing else changed (data re-read, running VMM still correct).
Stimulus seeds: ``cocotb.RANDOM_SEED``.
"""

from __future__ import annotations

import cocotb
import numpy as np

import hxsim
from hxsim import regmap
from hxsim.golden import ideal_codes, vmm_timing
from hxtb.tbench import Testbench


async def _setup(dut: object) -> tuple[Testbench, np.random.Generator]:
    tb = Testbench(dut, seed=cocotb.RANDOM_SEED, backpressure=0.2)
    await tb.start()
    return tb, np.random.default_rng(cocotb.RANDOM_SEED)


async def _load_problem(tb: Testbench, rng: np.random.Generator,
                        timing: hxsim.Timing) -> tuple[np.ndarray, np.ndarray]:
    # only the rows with a non-zero input matter (others send no event): store just those
    rows = sorted(int(r) for r in rng.choice(128, size=8, replace=False))
    w = np.zeros((128, 256), dtype=np.int64)
    x = np.zeros(128, dtype=np.int64)
    w[rows] = rng.integers(-63, 64, size=(len(rows), 256))
    x[rows] = rng.integers(1, 32, size=len(rows))
    assert not any(await tb.load_weights(w, rows))
    assert not await tb.load_input(x)
    await tb.set_timing(timing)
    return w, x


async def _check_vmm_result(tb: Testbench, w: np.ndarray, x: np.ndarray, timing: hxsim.Timing,
                            col_off: np.ndarray | None = None) -> None:
    """Wait for the running VMM's done IRQ, then check values and CYCLES_LAST."""
    vt = vmm_timing(timing, x)
    await tb.wait_done(vt.total_cycles + 200)
    res = await tb.read_back(tb.stamps())
    off = col_off if col_off is not None else np.zeros(256, dtype=np.int64)
    _, cr, y = ideal_codes(x, w, timing.num_sends, off)
    assert not any(res.errs), f"result loads refused: {res.errs}"
    assert np.array_equal(res.y, y), f"y differs in {np.count_nonzero(res.y != y)} columns"
    assert np.array_equal(res.raw_r, cr), "raw result codes differ"
    assert res.cycles_last == vt.total_cycles, f"CYCLES_LAST {res.cycles_last} != {vt.total_cycles}"
    assert res.status & regmap.ST_DONE and not res.status & regmap.ST_BUSY, \
        f"STATUS {res.status:#x}"


class ErrorChecker:
    """Tracks ERROR_COUNT and checks the side effects of one refused request."""

    def __init__(self, tb: Testbench) -> None:
        self.tb = tb
        self.count = 0

    async def sync(self) -> None:
        self.count = await self.tb.axil.read_ok(regmap.ERROR_COUNT)

    async def expect(self, code: int, what: str) -> None:
        ax = self.tb.axil
        st = await ax.read_ok(regmap.STATUS)
        cnt = await ax.read_ok(regmap.ERROR_COUNT)
        irq = await ax.read_ok(regmap.IRQ_STATUS)
        assert st & regmap.ST_ERROR, f"{what}: STATUS.ERROR not set ({st:#x})"
        assert regmap.st_err_code(st) == code, \
            f"{what}: ERR_CODE {regmap.st_err_code(st)} expected {code}"
        assert cnt == self.count + 1, f"{what}: ERROR_COUNT {cnt} expected {self.count + 1}"
        assert irq & regmap.IRQ_ERROR, f"{what}: IRQ_STATUS.ERROR_IRQ not set ({irq:#x})"
        self.count = cnt
        await ax.write_ok(regmap.IRQ_STATUS, regmap.IRQ_ERROR)
        await ax.write_ok(regmap.CTRL, regmap.CTRL_ERR_CLEAR)
        st = await ax.read_ok(regmap.STATUS)
        assert not st & regmap.ST_ERROR and regmap.st_err_code(st) == 0, \
            f"{what}: ERR_CLEAR left STATUS {st:#x}"


@cocotb.test()
async def test_err_input_range(dut: object) -> None:
    """Input store with a lane > 31: err, INPUT_RANGE, input unchanged."""
    tb, rng = await _setup(dut)
    ec = ErrorChecker(tb)
    await ec.sync()
    x = rng.integers(0, 32, size=128)
    assert not await tb.load_input(x)
    for bad_val in (32, 33, 63, 64, 255):
        bad = x.copy()
        bad[int(rng.integers(0, 128))] = bad_val
        assert await tb.load_input(bad), f"input lane {bad_val} accepted"
        await ec.expect(regmap.INPUT_RANGE, f"input lane = {bad_val}")
        data, err = await tb.vdrv.load(regmap.VA_INPUT)
        assert not err and np.array_equal(regmap.unpack_lanes(data), x), "input changed"


@cocotb.test()
async def test_err_weight_range(dut: object) -> None:
    """Synapse-row or DAC-offset store with a lane > 63: err, WEIGHT_RANGE, data unchanged."""
    tb, rng = await _setup(dut)
    ec = ErrorChecker(tb)
    await ec.sync()
    for r in (0, 1, 77, 255):
        row = rng.integers(0, 64, size=256)
        assert not any(await tb.store_phys_row(r, row))
        for h in (0, 1):
            bad = regmap.split_halves(row)[h].copy()
            bad[int(rng.integers(0, 128))] = int(rng.choice([64, 100, 255]))
            assert await tb.vdrv.store(regmap.VA_SYN + 2 * r + h, regmap.pack_lanes(bad))
            await ec.expect(regmap.WEIGHT_RANGE, f"row {r} half {h}")
        got, errs = await tb.read_cols(regmap.VA_SYN + 2 * r)
        assert not any(errs) and np.array_equal(got, row), f"SRAM row {r} changed"
    dac = rng.integers(0, 64, size=128)
    assert not await tb.load_dac_offsets(dac)
    bad = dac.copy()
    bad[5] = 64
    assert await tb.load_dac_offsets(bad)
    await ec.expect(regmap.WEIGHT_RANGE, "DAC offset 64")
    data, err = await tb.vdrv.load(regmap.VA_DAC)
    assert not err and np.array_equal(regmap.unpack_lanes(data), dac), "DAC offsets changed"


@cocotb.test()
async def test_err_while_busy(dut: object) -> None:
    """START, timing write, vector store and vector load while busy: errors, VMM unaffected."""
    tb, rng = await _setup(dut)
    ec = ErrorChecker(tb)
    t = hxsim.Timing()
    w, x = await _load_problem(tb, rng, t)
    await ec.sync()
    await tb.start_vmm()
    await tb.cycles(50)
    # START while busy: AXI OKAY, START_WHILE_BUSY
    assert await tb.axil.write(regmap.CTRL, regmap.CTRL_START) == regmap.OKAY
    await ec.expect(regmap.START_WHILE_BUSY, "START while busy")
    # timing register write while busy: SLVERR, WRITE_WHILE_BUSY, register unchanged
    assert await tb.axil.write(regmap.T_EVENT_WAIT, 7) == regmap.SLVERR
    await ec.expect(regmap.WRITE_WHILE_BUSY, "timing write while busy")
    assert await tb.axil.read_ok(regmap.T_EVENT_WAIT) == t.event_wait
    # vector store while busy (input and a weight row): err, WRITE_WHILE_BUSY
    assert await tb.load_input(np.zeros(128, dtype=np.int64))
    await ec.expect(regmap.WRITE_WHILE_BUSY, "input store while busy")
    assert await tb.vdrv.store(regmap.VA_SYN + 3, regmap.pack_lanes(np.zeros(128, dtype=np.int64)))
    await ec.expect(regmap.WRITE_WHILE_BUSY, "SRAM store while busy")
    # vector load while busy: err, data 0, READ_WHILE_BUSY
    data, err = await tb.vdrv.load(regmap.VA_INPUT)
    assert err and data == 0, f"load while busy: err={err} data={data:#x}"
    await ec.expect(regmap.READ_WHILE_BUSY, "load while busy")
    st = await tb.axil.read_ok(regmap.STATUS)
    assert st & regmap.ST_BUSY, "the VMM ended before the checks finished (make it longer)"
    await _check_vmm_result(tb, w, x, t)
    assert await tb.axil.read_ok(regmap.VMM_COUNT) == 1


async def _abort_mid_vmm(tb: Testbench, rng: np.random.Generator, ctrl: int) -> None:
    t = hxsim.Timing(reset_cycles=40, settle_cycles=30, event_wait=3, adc_reset_wait=10,
                     adc_dead_time=5)
    w, x = await _load_problem(tb, rng, t)
    # one VMM that completes, so a stale result exists
    await tb.start_vmm()
    await _check_vmm_result(tb, w, x, t)
    count = await tb.axil.read_ok(regmap.VMM_COUNT)
    vt = vmm_timing(t, x)
    for stop_at in (5, vt.phase_start["events"] + 7, vt.phase_start["result"] + 100):
        await tb.start_vmm()
        await tb.cycles(stop_at)
        await tb.axil.write_ok(regmap.CTRL, ctrl)
        await tb.cycles(2)
        st = await tb.axil.read_ok(regmap.STATUS)
        assert not st & regmap.ST_BUSY and regmap.st_phase(st) == 0, f"not idle: STATUS {st:#x}"
        assert not st & regmap.ST_DONE, f"stale result marked valid: STATUS {st:#x}"
        data, err = await tb.vdrv.load(regmap.VA_RESULT)
        assert err and data == 0, "result load after abort must be NO_RESULT"
        st = await tb.axil.read_ok(regmap.STATUS)
        assert regmap.st_err_code(st) == regmap.NO_RESULT, f"ERR_CODE {regmap.st_err_code(st)}"
        await tb.axil.write_ok(regmap.CTRL, regmap.CTRL_ERR_CLEAR)
        await tb.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_ERROR | regmap.IRQ_DONE)
        exp_count = 0 if ctrl == regmap.CTRL_SOFT_RESET else count
        assert await tb.axil.read_ok(regmap.VMM_COUNT) == exp_count, "VMM_COUNT changed"
        if ctrl == regmap.CTRL_SOFT_RESET:
            assert await tb.axil.read_ok(regmap.ERROR_COUNT) == 1  # the NO_RESULT load
            # kept: timing registers, SRAM, input, DAC offsets
            for name, addr in regmap.TIMING_REGS.items():
                assert await tb.axil.read_ok(addr) == getattr(t, name), f"{name} not kept"
            d, e = await tb.vdrv.load(regmap.VA_INPUT)
            assert not e and np.array_equal(regmap.unpack_lanes(d), x), "input not kept"
    # the next VMM is correct again (bridge and RTL resynchronized)
    await tb.start_vmm()
    await _check_vmm_result(tb, w, x, t)


@cocotb.test()
async def test_err_abort(dut: object) -> None:
    """ABORT in RESET, EVENTS and RESULT: idle next, DONE 0 (no stale result), count kept."""
    tb, rng = await _setup(dut)
    await _abort_mid_vmm(tb, rng, regmap.CTRL_ABORT)


@cocotb.test()
async def test_err_soft_reset(dut: object) -> None:
    """SOFT_RESET mid-VMM: like ABORT, clears counters/errors, keeps configuration."""
    tb, rng = await _setup(dut)
    await _abort_mid_vmm(tb, rng, regmap.CTRL_SOFT_RESET)


@cocotb.test()
async def test_err_axi(dut: object) -> None:
    """AXI: unmapped read/write and read-only writes -> SLVERR BAD_REG_ADDR; out-of-range values
    -> SLVERR BAD_REG_VALUE; registers unchanged; ID/VERSION values. (Partial strobes merge into
    the register: test_capmem.test_axi_subword.)"""
    tb, _ = await _setup(dut)
    ax = tb.axil
    ec = ErrorChecker(tb)
    await ec.sync()
    assert await ax.read_ok(regmap.ID) == regmap.ID_VALUE
    assert await ax.read_ok(regmap.VERSION) == regmap.VERSION_VALUE
    for addr in (0x018, 0x01C, 0x03C, 0x050, 0x100, 0x7FC):
        data, resp = await ax.read(addr)
        assert resp == regmap.SLVERR and data == 0, f"read {addr:#x}: resp {resp} data {data}"
        await ec.expect(regmap.BAD_REG_ADDR, f"read {addr:#x}")
        assert await ax.write(addr, 1) == regmap.SLVERR
        await ec.expect(regmap.BAD_REG_ADDR, f"write {addr:#x}")
    for addr in regmap.RO_REGS:
        before = await ax.read_ok(addr)
        assert await ax.write(addr, 0x1234) == regmap.SLVERR, f"write RO {addr:#x} not refused"
        await ec.expect(regmap.BAD_REG_ADDR, f"write RO {addr:#x}")
        after = await ax.read_ok(addr)
        if addr not in (regmap.STATUS, regmap.ERROR_COUNT):
            assert after == before, f"RO {addr:#x} changed"
    bad_values = {
        regmap.T_RESET: [0x10000, 0xFFFF_FFFF], regmap.T_SETTLE: [0x10000],
        regmap.T_EVENT_WAIT: [0, 256], regmap.NUM_SENDS: [0, 64],
        regmap.T_ADC_RESET_WAIT: [256], regmap.T_ADC_STEP: [0, 16], regmap.T_ADC_DEAD_TIME: [256],
    }
    for addr, vals in bad_values.items():
        before = await ax.read_ok(addr)
        for v in vals:
            assert await ax.write(addr, v) == regmap.SLVERR, f"{addr:#x} = {v:#x} accepted"
            await ec.expect(regmap.BAD_REG_VALUE, f"{addr:#x} = {v:#x}")
        assert await ax.read_ok(addr) == before, f"{addr:#x} changed by a refused write"


@cocotb.test()
async def test_err_vector_addr(dut: object) -> None:
    """Vector port: unmapped / load-only addresses -> BAD_VEC_ADDR; result loads before any VMM
    -> NO_RESULT with data 0."""
    tb, _ = await _setup(dut)
    ec = ErrorChecker(tb)
    await ec.sync()
    for addr in (0x201, 0x212, 0x241, 0x260, 0x300, 0xFFFF):
        data, err = await tb.vdrv.load(addr)
        assert err and data == 0, f"load {addr:#x}: err={err}"
        await ec.expect(regmap.BAD_VEC_ADDR, f"load {addr:#x}")
    for addr in (0x210, 0x221, 0x230, 0x300):
        assert await tb.vdrv.store(addr, 0), f"store {addr:#x} accepted"
        await ec.expect(regmap.BAD_VEC_ADDR, f"store {addr:#x}")
    for addr in (0x210, 0x211, 0x220, 0x221, 0x230, 0x231):
        data, err = await tb.vdrv.load(addr)
        assert err and data == 0, f"load {addr:#x} before any VMM: err={err}"
        await ec.expect(regmap.NO_RESULT, f"load {addr:#x} without result")


@cocotb.test()
async def test_timing_diagram(dut: object) -> None:
    """The VMM drawn in docs/cosim.md (WaveDrom), with its cycle numbers hard-coded."""
    tb, rng = await _setup(dut)
    t = hxsim.Timing(reset_cycles=2, settle_cycles=1, event_wait=2, num_sends=1,
                     adc_reset_wait=1, adc_step=1, adc_dead_time=1)
    w = np.zeros((128, 256), dtype=np.int64)
    x = np.zeros(128, dtype=np.int64)
    w[3] = rng.integers(-63, 64, size=256)
    w[9] = rng.integers(-63, 64, size=256)
    x[3], x[9] = 31, 5
    assert not any(await tb.load_weights(w, [3, 9]))
    assert not await tb.load_input(x)
    await tb.set_timing(t)
    await tb.start_vmm()
    await _check_vmm_result(tb, w, x, t)
    st = tb.stamps()
    assert st.nrn_len == 2 and st.cadc_start_at == (2, 265), st
    assert st.ramp_first == (3, 266) and st.ramp_len == (256, 256), st
    assert st.irq_rise_at == 524, st
    assert tb.bridge is not None
    obs = tb.bridge.obs
    assert list(obs.ev_cycles) == [260, 262], obs.ev_cycles
    assert list(obs.ev_drivers) == [3, 9] and list(obs.ev_codes) == [1, 27]
    assert [(c.sel, c.cycle) for c in obs.conversions] == [(0, 2), (1, 265)]
    assert await tb.axil.read_ok(regmap.CYCLES_LAST) == 524


@cocotb.test()
async def test_wait_guard_hang(dut: object) -> None:
    """The VMM waits report a hang (tb_top's wait guard in place of a timer): a limit shorter
    than the VMM gives False / SimTimeoutError after that many cycles, a long one the result;
    waiting when hx_top is idle returns at once."""
    from cocotb.triggers import SimTimeoutError
    from cocotb.utils import get_sim_time

    from hxtb.session.server import wait_done
    from hxtb.tbench import CLK_NS

    tb, rng = await _setup(dut)
    t = hxsim.Timing()
    w, x = await _load_problem(tb, rng, t)
    vt = vmm_timing(t, x)
    # busy wait (co-simulation session): a hang after 100 cycles, then the real end
    await tb.start_vmm()
    t0 = get_sim_time("ns")
    assert not await wait_done(tb, 100), "wait_done: hang not reported"
    waited = (get_sim_time("ns") - t0) / CLK_NS
    assert 100 <= waited <= 103, f"wait_done gave up after {waited} cycles, limit 100"
    assert await wait_done(tb, vt.total_cycles + 200), "wait_done: VMM not done"
    assert await wait_done(tb, 10), "wait_done on an idle hx_top"
    # IRQ wait (tests): a hang after 100 cycles, then the interrupt
    await tb.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_DONE)
    await tb.start_vmm()
    try:
        await tb.wait_done(100)
    except SimTimeoutError:
        pass
    else:
        raise AssertionError("Testbench.wait_done: hang not reported")
    await _check_vmm_result(tb, w, x, t)
