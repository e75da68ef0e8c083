"""cocotb tests of issue #5 (verification): register reset values, STATUS during a VMM,
IRQ masking, simultaneous errors, AXI back-pressure and channel skew, the HDL checkers
(tb/hdl/hx_checkers.sv) firing on deliberately bad stimulus, and reset/abort at random points of
every phase, POST corners, columns whose ADC never trips. All run on the ideal array behind the
bridge; stimulus seeds: ``cocotb.RANDOM_SEED``.
"""

from __future__ import annotations

import random
from typing import Any

import cocotb
import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge

import hxsim
from hxsim import regmap
from hxsim.golden import ideal_codes, post, vmm_timing
from hxtb.tbench import Testbench

PHASES = ("IDLE", "RESET", "BASELINE", "EVENTS", "SETTLE", "RESULT", "POST")


async def _setup(dut: Any, bp: float = 0.2) -> tuple[Testbench, np.random.Generator]:
    tb = Testbench(dut, seed=cocotb.RANDOM_SEED, backpressure=bp)
    await tb.start()
    return tb, np.random.default_rng(cocotb.RANDOM_SEED)


async def _load(tb: Testbench, rng: np.random.Generator, t: hxsim.Timing,
                x_nnz: int = 128) -> tuple[np.ndarray, np.ndarray]:
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(1, 32, size=128) * (np.arange(128) < x_nnz)
    rng.shuffle(x)
    assert not any(await tb.load_weights(w))
    assert not await tb.load_input(x)
    await tb.set_timing(t)
    return w, x


async def _check_result(tb: Testbench, w: np.ndarray, x: np.ndarray, t: hxsim.Timing,
                        what: str) -> None:
    vt = vmm_timing(t, x)
    await tb.wait_done(vt.total_cycles + 200)
    res = await tb.read_back(tb.stamps())
    _, cr, y = ideal_codes(x, w, t.num_sends, np.zeros(256, dtype=np.int64))
    assert not any(res.errs), f"{what}: result loads refused"
    assert np.array_equal(res.y, y), f"{what}: y differs in {np.count_nonzero(res.y != y)} cols"
    assert np.array_equal(res.raw_r, cr), f"{what}: raw result codes differ"
    assert res.cycles_last == vt.total_cycles, f"{what}: CYCLES_LAST {res.cycles_last}"


async def _check_weights(tb: Testbench, w: np.ndarray, what: str) -> None:
    """Read every SRAM row back through the vector port: the weights must be intact."""
    phys = hxsim.weights_to_physical(w)
    for r in range(256):
        got, errs = await tb.read_cols(regmap.VA_SYN + 2 * r)
        assert not any(errs) and np.array_equal(got, phys[r]), f"{what}: SRAM row {r} changed"


@cocotb.test()
async def test_verif_reset_values(dut: Any) -> None:
    """Every register, the DAC offsets (32), column offsets (0) and the input (0) after reset."""
    tb, _ = await _setup(dut)
    ax = tb.axil
    t = hxsim.Timing()
    exp = {regmap.ID: regmap.ID_VALUE, regmap.VERSION: regmap.VERSION_VALUE, regmap.CTRL: 0,
           regmap.STATUS: 0, regmap.IRQ_STATUS: 0, regmap.IRQ_ENABLE: regmap.IRQ_DONE,
           regmap.CYCLES_LAST: 0, regmap.VMM_COUNT: 0, regmap.ERROR_COUNT: 0, regmap.EVENTS_LAST: 0}
    for name, addr in regmap.TIMING_REGS.items():
        exp[addr] = getattr(t, name)
    for addr, val in exp.items():
        got = await ax.read_ok(addr)
        assert got == val, f"register {addr:#05x} after reset: {got:#x} expected {val:#x}"
    d, e = await tb.vdrv.load(regmap.VA_DAC)
    assert not e and np.all(regmap.unpack_lanes(d) == 32), "DAC offsets not 32 after reset"
    d, e = await tb.vdrv.load(regmap.VA_INPUT)
    assert not e and d == 0, "input vector not 0 after reset"
    off, errs = await tb.read_cols(regmap.VA_COL_OFFSET)
    assert not any(errs) and np.all(off == 0), "column offsets not 0 after reset"
    assert int(dut.dac_offset_o.value.to_unsigned()) == int("100000" * 128, 2), "dac_offset_o"


@cocotb.test()
async def test_verif_status_during_vmm(dut: Any) -> None:
    """STATUS while a VMM runs: BUSY, DONE cleared by START (a held result is not valid any
    more), PHASE walks through every phase in order; DONE again after the VMM."""
    tb, rng = await _setup(dut)
    t = hxsim.Timing(reset_cycles=60, settle_cycles=60, event_wait=4, adc_reset_wait=40,
                     adc_dead_time=40, adc_step=1)
    w, x = await _load(tb, rng, t, x_nnz=20)
    await tb.start_vmm()
    await _check_result(tb, w, x, t, "first VMM")
    st = await tb.axil.read_ok(regmap.STATUS)
    assert st & regmap.ST_DONE, f"DONE not set after a VMM: {st:#x}"
    await tb.start_vmm()
    seen: list[int] = []
    for _ in range(4000):  # a hang guard: a STATUS read takes 3 cycles (lean AXI master)
        st = await tb.axil.read_ok(regmap.STATUS)
        if not st & regmap.ST_BUSY:
            break
        assert not st & regmap.ST_DONE, f"DONE still set while busy (STATUS {st:#x})"
        ph = regmap.st_phase(st)
        if not seen or seen[-1] != ph:
            seen.append(ph)
    assert seen[:5] == [1, 2, 3, 4, 5], f"phases seen {[PHASES[p] for p in seen]}"
    st = await tb.axil.read_ok(regmap.STATUS)
    assert st & regmap.ST_DONE and not st & regmap.ST_BUSY, f"after VMM: STATUS {st:#x}"
    await tb.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_DONE)


@cocotb.test()
async def test_verif_irq_enable(dut: Any) -> None:
    """irq_o = |(IRQ_STATUS & IRQ_ENABLE): masked causes keep irq_o low, enabling raises it."""
    tb, _ = await _setup(dut)
    ax = tb.axil
    await ax.write_ok(regmap.IRQ_ENABLE, 0)
    await ax.read(0x018)  # BAD_REG_ADDR -> ERROR_IRQ
    await tb.cycles(2)
    await ReadOnly()
    assert not dut.irq_o.value, "irq_o high although IRQ_ENABLE = 0"
    await RisingEdge(dut.clk_i)
    assert await ax.read_ok(regmap.IRQ_STATUS) == regmap.IRQ_ERROR
    await ax.write_ok(regmap.IRQ_ENABLE, regmap.IRQ_DONE)
    await ReadOnly()
    assert not dut.irq_o.value, "irq_o high for a masked ERROR_IRQ"
    await RisingEdge(dut.clk_i)
    await ax.write_ok(regmap.IRQ_ENABLE, regmap.IRQ_ERROR)
    await tb.cycles(1)
    await ReadOnly()
    assert dut.irq_o.value, "irq_o low although ERROR_IRQ is pending and enabled"
    await RisingEdge(dut.clk_i)
    await ax.write_ok(regmap.IRQ_STATUS, regmap.IRQ_ERROR)
    await tb.cycles(1)
    await ReadOnly()
    assert not dut.irq_o.value, "irq_o high after clearing IRQ_STATUS"
    await RisingEdge(dut.clk_i)
    await ax.write_ok(regmap.IRQ_ENABLE, regmap.IRQ_DONE)


@cocotb.test()
async def test_verif_simultaneous_errors(dut: Any) -> None:
    """An AXI write error, an AXI read error and a vector error in the same cycle count three
    times; ERR_CODE takes the vector port's code (section 7.6)."""
    tb, _ = await _setup(dut, bp=0.0)
    ax = tb.axil
    before = await ax.read_ok(regmap.ERROR_COUNT)
    # drive the pins directly for one cycle (both BFMs are idle here)
    d = dut
    d.s_axil_awaddr.value = 0x018
    d.s_axil_wdata.value = 1
    d.s_axil_wstrb.value = 0xF
    d.s_axil_awvalid.value = 1
    d.s_axil_wvalid.value = 1
    d.s_axil_bready.value = 1
    d.s_axil_araddr.value = 0x01C
    d.s_axil_arvalid.value = 1
    d.s_axil_rready.value = 1
    d.vreq_we_i.value = 0
    d.vreq_addr_i.value = 0x300
    d.vreq_valid_i.value = 1
    d.vrsp_ready_i.value = 1
    await ReadOnly()
    assert d.s_axil_awready.value and d.s_axil_arready.value and d.vreq_ready_o.value
    await RisingEdge(d.clk_i)
    for s in (d.s_axil_awvalid, d.s_axil_wvalid, d.s_axil_arvalid, d.vreq_valid_i):
        s.value = 0
    await tb.cycles(4)
    d.vrsp_ready_i.value = 0
    # the master's response sinks saw the raw B and R handshakes: drop them
    tb.axil.master.write_if.b_channel.clear()
    tb.axil.master.read_if.r_channel.clear()
    after = await ax.read_ok(regmap.ERROR_COUNT)
    st = await ax.read_ok(regmap.STATUS)
    assert after == before + 3, f"ERROR_COUNT {after}, expected {before + 3}"
    assert regmap.st_err_code(st) == regmap.BAD_VEC_ADDR, f"ERR_CODE {regmap.st_err_code(st)}"


@cocotb.test()
async def test_verif_axi_delays(dut: Any) -> None:
    """AXI back-pressure and skew: BREADY/RREADY held low for random cycles, AW before W and W
    before AW; every register value and response still correct (and the checker sees the
    held responses)."""
    tb, _ = await _setup(dut)
    rnd = random.Random(cocotb.RANDOM_SEED)
    m = tb.axil.master
    chans = {"b": m.write_if.b_channel, "r": m.read_if.r_channel,
             "aw": m.write_if.aw_channel, "w": m.write_if.w_channel}
    vals = {regmap.T_RESET: 0, regmap.T_SETTLE: 0, regmap.T_EVENT_WAIT: 0}
    for k in range(24):
        addr = rnd.choice(list(vals))
        val = rnd.randint(1, 200)
        held = rnd.choice(["b", "aw", "w"])
        chans[held].pause = True
        task = cocotb.start_soon(tb.axil.write(addr, val))
        await tb.cycles(rnd.randint(1, 6))
        chans[held].pause = False
        assert await task == regmap.OKAY, f"write {k} to {addr:#x}"
        vals[addr] = val
        chans["r"].pause = True
        rtask = cocotb.start_soon(tb.axil.read(addr))
        await tb.cycles(rnd.randint(1, 6))
        chans["r"].pause = False
        data, resp = await rtask
        assert resp == regmap.OKAY and data == val, f"read {k}: {data} expected {val}"
    # an error response held under back-pressure keeps SLVERR
    chans["b"].pause = True
    task = cocotb.start_soon(tb.axil.write(0x018, 1))
    await tb.cycles(5)
    chans["b"].pause = False
    assert await task == regmap.SLVERR
    await tb.axil.write_ok(regmap.CTRL, regmap.CTRL_ERR_CLEAR)


@cocotb.test()
async def test_verif_checkers_fire(dut: Any) -> None:
    """The master-side protocol checkers of hx_checkers fire on deliberately bad stimulus:
    AW/W/AR valid dropped before ready, vector request valid dropped and payload changed while
    the port is not ready. (The slave-side ones are shown to fire by the mutants of
    `make mutate`: back-pressure ignored, ungated ramp/driver, sel in POST.)"""
    tb, _ = await _setup(dut, bp=0.0)
    chk = dut.u_chk
    chk.fatal_en.value = 0
    await RisingEdge(dut.clk_i)
    d = dut

    def fired() -> int:
        return int(chk.fired.value.to_unsigned())

    base = fired()
    assert base == 0, f"checkers fired before the test: {base:#x}"
    # AXI: hold B back-pressure so the slave is not ready for the next write, then drop AW/W
    m = tb.axil.master
    m.write_if.b_channel.pause = True
    task = cocotb.start_soon(tb.axil.write(regmap.T_RESET, 10))
    await tb.cycles(4)   # first write accepted, B held: awready/wready low now
    d.s_axil_awaddr.value = regmap.T_SETTLE
    d.s_axil_awvalid.value = 1
    d.s_axil_wdata.value = 3
    d.s_axil_wstrb.value = 0xF
    d.s_axil_wvalid.value = 1
    await RisingEdge(d.clk_i)
    d.s_axil_awvalid.value = 0   # dropped before awready: check 0
    d.s_axil_wvalid.value = 0    # dropped before wready: check 1
    await tb.cycles(2)
    m.write_if.b_channel.pause = False
    await task
    assert fired() & 0b11 == 0b11, f"AW/W checks did not fire: {fired():#x}"
    # AR: hold R, then drop a second AR before arready
    m.read_if.r_channel.pause = True
    rtask = cocotb.start_soon(tb.axil.read(regmap.T_RESET))
    await tb.cycles(4)
    d.s_axil_araddr.value = regmap.T_SETTLE
    d.s_axil_arvalid.value = 1
    await RisingEdge(d.clk_i)
    d.s_axil_araddr.value = regmap.ID  # payload changed before arready: check 2
    await RisingEdge(d.clk_i)
    d.s_axil_arvalid.value = 0
    await tb.cycles(2)
    m.read_if.r_channel.pause = False
    await rtask
    assert fired() & 0b100, f"AR check did not fire: {fired():#x}"
    # vector port: a load whose response is held, then a request changed before ready
    d.vreq_we_i.value = 0
    d.vreq_addr_i.value = regmap.VA_INPUT
    d.vreq_valid_i.value = 1
    d.vrsp_ready_i.value = 0
    await RisingEdge(d.clk_i)    # accepted
    d.vreq_addr_i.value = regmap.VA_DAC   # second request, port not ready (response held)
    await tb.cycles(2)
    d.vreq_addr_i.value = regmap.VA_INPUT  # payload changed while waiting: check 6
    await RisingEdge(d.clk_i)
    d.vreq_valid_i.value = 0             # and dropped
    d.vrsp_ready_i.value = 1
    await tb.cycles(3)
    d.vrsp_ready_i.value = 0
    assert fired() & (1 << 6), f"vector request check did not fire: {fired():#x}"
    # nothing on the slave side (the DUT is correct)
    slave = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10)
    assert not fired() & slave, f"a slave-side check fired on the correct DUT: {fired():#x}"
    cocotb.log.info("checkers fired: %#x, %d violations", fired(), int(chk.n_err.value))
    await tb.reset()
    chk.fatal_en.value = 1


@cocotb.test()
async def test_verif_abort_every_phase(dut: Any) -> None:
    """ABORT, SOFT_RESET and a hardware reset at random cycles of every phase: the chip goes
    idle, no stale result, the configuration is kept (reset: defaults), and the next VMM is
    correct. Weights are checked intact after every stop."""
    tb, rng = await _setup(dut)
    rnd = random.Random(cocotb.RANDOM_SEED)
    t = hxsim.Timing(reset_cycles=30, settle_cycles=20, event_wait=3, adc_reset_wait=12,
                     adc_step=1, adc_dead_time=6, num_sends=2)
    w, x = await _load(tb, rng, t, x_nnz=24)
    vt = vmm_timing(t, x)
    ps = vt.phase_start
    bounds = [(0, ps["baseline"]), (ps["baseline"], ps["events"]), (ps["events"], ps["settle"]),
              (ps["settle"], ps["result"]), (ps["result"], ps["post"])]
    stops = ["abort", "soft", "abort", "soft", "abort"]
    for k, (lo, hi) in enumerate(bounds):
        for how in (stops[k], "hwreset" if k in (1, 3) else stops[(k + 1) % 5]):
            at = rnd.randrange(lo, hi)
            await tb.start_vmm()
            await tb.cycles(max(at - 2, 1))
            if how == "hwreset":
                await tb.reset()
                # the reset restores the register defaults; the SRAM keeps its content
                await tb.set_timing(t)
                assert not await tb.load_input(x)
            else:
                await tb.axil.write_ok(regmap.CTRL, regmap.CTRL_ABORT if how == "abort"
                                       else regmap.CTRL_SOFT_RESET)
            await tb.cycles(2)
            st = await tb.axil.read_ok(regmap.STATUS)
            assert not st & (regmap.ST_BUSY | regmap.ST_DONE), \
                f"{how} in {PHASES[k + 1]} at cycle {at}: STATUS {st:#x}"
            if k == 2:
                await _check_weights(tb, w, f"{how} in EVENTS")
            await tb.start_vmm()
            await _check_result(tb, w, x, t, f"VMM after {how} in {PHASES[k + 1]} at {at}")


@cocotb.test()
async def test_verif_post_offsets(dut: Any) -> None:
    """POST arithmetic y = sat_int8(raw - baseline + offset) at its corners: offsets -128, -1,
    +1, +127 and random on columns whose codes sit at 0, 128 and 255, so the result saturates
    through the offset in both directions (with offset 0 the ADC clamp alone keeps y in range)."""
    tb, rng = await _setup(dut)
    t = hxsim.Timing(reset_cycles=4, settle_cycles=4, event_wait=1, adc_reset_wait=2,
                     adc_dead_time=2)
    w = np.zeros((128, 256), dtype=np.int64)
    w[:, 0::3] = 63       # code 255 (clamped)
    w[:, 1::3] = -63      # code 0 (clamped)
    w[:, 2::3] = rng.integers(-10, 11, size=(128, w[:, 2::3].shape[1]))
    x = np.full(128, 31, dtype=np.int64)
    assert not any(await tb.load_weights(w))
    assert not await tb.load_input(x)
    await tb.set_timing(t)
    for k, pattern in enumerate(([-128, -1, 1, 127], None)):
        if pattern is None:
            off = rng.integers(-128, 128, size=256)
        else:
            off = np.resize(np.asarray(pattern, dtype=np.int64), 256)
            rng.shuffle(off)
        assert not any(await tb.load_col_offsets(off))
        got, errs = await tb.read_cols(regmap.VA_COL_OFFSET)
        assert not any(errs) and np.array_equal(np.where(got >= 128, got - 256, got), off), \
            "column offsets read back wrong"
        await tb.start_vmm()
        vt = vmm_timing(t, x)
        await tb.wait_done(vt.total_cycles + 200)
        res = await tb.read_back(tb.stamps())
        _, cr, y = ideal_codes(x, w, t.num_sends, off)
        bad = np.flatnonzero(res.y != y)
        assert bad.size == 0, (f"offsets {k}: y differs in {bad.size} columns, first {bad[0]}: "
                               f"code {res.raw_r[bad[0]]} offset {off[bad[0]]} -> y "
                               f"{res.y[bad[0]]}, expected {y[bad[0]]}")
        assert np.any(y == 127) and np.any(y == -128), "offsets did not saturate both ways"
        await tb.axil.write_ok(regmap.IRQ_STATUS, regmap.IRQ_DONE)


@cocotb.test()
async def test_verif_adc_never_trips(dut: Any) -> None:
    """Columns whose comparator never trips (membrane above the ramp's top; tb_top's
    ``cmp_hold_low_i`` hook) must latch code 255 at the ramp's end, in the baseline and in the
    result conversion, while every other column converts normally. A VMM with all columns at
    code 128 runs first, so a CADC that keeps a stale code instead of forcing 255 is seen."""
    tb, rng = await _setup(dut)
    t = hxsim.Timing(reset_cycles=4, settle_cycles=4, event_wait=1, adc_reset_wait=2,
                     adc_dead_time=2)
    x = rng.integers(1, 32, size=128)
    zero = np.zeros((128, 256), dtype=np.int64)
    off = rng.integers(-128, 128, size=256)
    assert not any(await tb.load_weights(zero))
    assert not await tb.load_input(x)
    assert not any(await tb.load_col_offsets(off))
    await tb.set_timing(t)
    vt = vmm_timing(t, x)
    await tb.start_vmm()
    await tb.wait_done(vt.total_cycles + 200)
    res = await tb.read_back(tb.stamps())
    assert np.all(res.raw_b == 128) and np.all(res.raw_r == 128), "reference VMM not at 128"
    w = rng.integers(-20, 21, size=(128, 256))
    assert not any(await tb.load_weights(w))
    held = np.zeros(256, dtype=bool)
    held[rng.choice(256, size=40, replace=False)] = True
    dut.cmp_hold_low_i.value = int(sum(1 << int(j) for j in np.flatnonzero(held)))
    await tb.start_vmm()
    await tb.wait_done(vt.total_cycles + 200)
    res = await tb.read_back(tb.stamps())
    dut.cmp_hold_low_i.value = 0
    base, cr, y = ideal_codes(x, w, t.num_sends, off)
    base = np.where(held, 255, base)
    cr = np.where(held, 255, cr)
    y = post(cr, base, off).astype(np.int64)  # held columns: 255 - 255 + offset
    for name, got, exp in (("baseline", res.raw_b, base), ("raw result", res.raw_r, cr),
                           ("y", res.y, y)):
        bad = np.flatnonzero(got != exp)
        assert bad.size == 0, (f"{name}: {bad.size} columns differ (held: "
                               f"{int(np.count_nonzero(held[bad]))}), first {bad[0]}: got "
                               f"{got[bad[0]]}, expected {exp[bad[0]]}")
    assert not any(res.errs)


@cocotb.test()
async def test_verif_sim_loop(dut: Any) -> None:
    """The simulator loop's wake points (docs/cosim.md "The clock"), under Verilator's main loop
    (tb/hdl/tb_main.cpp):

    * the wake ports (``hxtb.wake``: cadc_start_o rising, wait_busy_o falling, wait_irq_o
      rising) fire in the same time steps as cocotb's edge triggers on the same signals, read the
      same settled values there, and were used (their fire count rose); with the knob
      ``wake_ports`` off the testbench has none and waits on cocotb's triggers;
    * while the loop skips its idle VPI calls (no value-change callback registered during a
      VMM), a Timer still fires at its exact time (after exactly 100 clock edges), NextTimeStep
      at the next time step, a write in ReadWrite is read back in the ReadOnly of the same time
      step, and a value-change trigger registered then fires at the signal's edge.

    Under other simulators (Icarus: cocotb's clock driver, no tb_main) the testbench has no wake
    ports, and the same trigger checks run against cocotb's own loop, except the clock edges
    within the Timer: cocotb's clock driver and the Timer fire in the same time step in either
    order there, so 100 or 101."""
    from cocotb.triggers import FallingEdge, NextTimeStep, ReadWrite, Timer
    from cocotb.utils import get_sim_time

    from hxtb import config
    from hxtb.tbench import CLK_NS
    from hxtb.wake import WakeEdge

    tb, rng = await _setup(dut, bp=0.0)
    t = hxsim.Timing()
    w, x = await _load(tb, rng, t)
    vt = vmm_timing(t, x)
    _, _, y = ideal_codes(x, w, t.num_sends, np.zeros(256, dtype=np.int64))
    wake = tb.wake
    # each wake edge and cocotb's trigger on the same signal, recorded side by side over one
    # VMM: (time in ps, the VMM-relative cycle) at every firing
    pairs = {"cadc_start_o": (True, RisingEdge(dut.cadc_start_o)),
             "wait_busy_o": (False, FallingEdge(dut.wait_busy_o)),
             "wait_irq_o": (True, RisingEdge(dut.wait_irq_o))}
    seen: dict[tuple[str, str], list[tuple[float, int]]] = {}

    async def record(key: tuple[str, str], trig: Any) -> None:
        out = seen.setdefault(key, [])
        while True:
            await trig
            out.append((get_sim_time("ps"), int(dut.rel_cycle.value)))

    tasks: list[Any] = []
    if not tb.settled_on_wake:  # not Verilator: cocotb's loop
        assert wake is None, f"wake ports under {cocotb.SIM_NAME}"
        assert not isinstance(tb.guard.busy_fall, WakeEdge), "the guard uses a wake port"
    elif not config.get().wake_ports:
        assert wake is None, "knob wake_ports off, but the testbench has wake ports"
        assert not isinstance(tb.guard.busy_fall, WakeEdge), "wake_ports off: the guard uses one"
        dut._log.info("wake ports off (knob): the testbench waits on cocotb's triggers")
    else:
        assert wake is not None, "Verilator build without wake ports (tb_main.cpp not used?)"
        assert isinstance(tb.guard.busy_fall, WakeEdge), "the guard does not use the wake port"
        for name, (rising, cocotb_trig) in pairs.items():
            tasks.append(cocotb.start_soon(record((name, "wake"), wake.edge(name, rising))))
            tasks.append(cocotb.start_soon(record((name, "cocotb"), cocotb_trig)))
    fired0 = wake.fired if wake is not None else 0
    await tb.start_vmm()
    await tb.wait_done(vt.total_cycles + 200)
    await tb.clk_edge
    for task in tasks:
        task.cancel()
    if wake is not None:
        for name in pairs:
            a, b = seen[(name, "wake")], seen[(name, "cocotb")]
            assert a == b, f"{name}: wake port fired at {a}, cocotb's trigger at {b} (ps, cycle)"
        assert len(seen[("cadc_start_o", "wake")]) == 2, "two conversions per VMM expected"
        assert seen[("wait_busy_o", "wake")] and seen[("wait_irq_o", "wake")], \
            "the wait guard's edges did not fire"
        assert wake.fired > fired0, "no wake port fired"
    res = await tb.read_back(tb.stamps())
    assert not any(res.errs) and np.array_equal(res.y, y), "VMM result wrong"

    # cocotb's other triggers while the loop is idle (during a VMM)
    await tb.start_vmm()
    await tb.cycles(10)  # past the VMM's cycle 0 (rel_cycle restarts there)
    c0, t0 = int(dut.rel_cycle.value), get_sim_time("ps")
    await Timer(100 * CLK_NS, "ns")
    assert get_sim_time("ps") - t0 == 100 * CLK_NS * 1000, "Timer fired at the wrong time"
    edges = int(dut.rel_cycle.value) - c0
    assert edges == 100 or (edges == 101 and not tb.settled_on_wake), \
        f"{edges} clock edges within a Timer of 100 periods"
    t1 = get_sim_time("ps")
    await NextTimeStep()
    assert 0 < get_sim_time("ps") - t1 <= CLK_NS * 1000 // 2, "NextTimeStep: not the next step"
    await ReadWrite()
    t2 = get_sim_time("ps")
    # (the guard's limit: used only after the next kick, and the guard writes its own value then)
    old = int(dut.wd_limit_i.value)
    dut.wd_limit_i.value = old ^ 0x5A5A
    await ReadOnly()
    assert get_sim_time("ps") == t2, "ReadOnly not in the ReadWrite's time step"
    assert int(dut.wd_limit_i.value) == old ^ 0x5A5A, "ReadWrite write not seen in ReadOnly"
    await tb.clk_edge
    dut.wd_limit_i.value = old
    # a value-change trigger registered now: the conversions still to come (the baseline may
    # lie ahead, the result conversion does)
    sels: list[int] = []
    while not sels or sels[-1] != 1:
        await RisingEdge(dut.cadc_start_o)
        sels.append(int(dut.cadc_sel_o.value))
        assert len(sels) <= 2, f"cadc_start_o rose {len(sels)} times, select bits {sels}"
    await tb.after_wake()
    await _check_result(tb, w, x, t, "after the trigger checks")
