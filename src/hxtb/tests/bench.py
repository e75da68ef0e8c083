"""cocotb bench: full 128x256 VMMs at default timing, weights and input loaded once.

The same loop runs on the bridge build (IDEAL_ARRAY = 0: crossing codes from Python/hxsim) and on
the HDL-only build (IDEAL_ARRAY = 1: pure-HDL ideal array), so the two rates compare the bridge's
cost. Weights are put into the SRAM by a backdoor write of ``u_sram.mem`` (the bench measures
VMMs, not loading). Knobs (``hxtb.config``): ``num_vmms`` (default 20), ``bench_out`` (JSON
result file).
"""

from __future__ import annotations

import json
import time
from typing import Any

import cocotb
import numpy as np
from cocotb.utils import get_sim_time

import hxsim
from hxsim.golden import ideal_codes, vmm_timing
from hxsim.outputs import write_text_atomic
from hxtb import config
from hxtb.tbench import CLK_NS, Testbench


@cocotb.test()
async def bench_vmm(dut: Any) -> None:
    cfg = config.get()
    n = cfg.vmms(20)
    rng = np.random.default_rng(1)
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(1, 32, size=128)   # dense: 128 events
    tb = Testbench(dut, seed=1)
    await tb.start()
    phys = hxsim.weights_to_physical(w)
    mem = tb.dut.u_dut.u_sram.mem
    for r in range(256):
        val = 0
        for j in range(256):
            val |= int(phys[r, j]) << (6 * j)
        mem[r].value = val
    await tb.clk_edge
    assert not await tb.load_input(x)
    t = hxsim.Timing()
    await tb.set_timing(t)
    vt = vmm_timing(t, x)
    _, _, y_exp = ideal_codes(x, w, 1, np.zeros(256, dtype=np.int64))
    # one warm-up VMM, checked
    res = await tb.run_vmm(vt.total_cycles + 200, read_raw=False)
    assert np.array_equal(res.y, y_exp), "bench VMM result wrong"
    # Two loops of n VMMs each. "short": START, wait for busy's falling edge, load y (the bus
    # operations of the C++ harness, bench/harness); "full": run_vmm as the tests use it (IRQ,
    # HDL stamps, CYCLES_LAST/EVENTS_LAST/STATUS/VMM_COUNT reads, IRQ clear, y). cpu: CPU time of
    # the simulator process (model and Python), the rate a loaded machine hides.
    out: dict[str, Any] = {"vmms": n, "vmm_cycles": vt.total_cycles, "ideal_hdl": tb.ideal_hdl}
    for loop in ("full", "short"):  # full first: the short loop leaves the IRQ pending
        wake0 = tb.bridge.wakeups if tb.bridge else 0
        busy0 = tb.bridge.busy_s if tb.bridge else 0.0
        axi0, vec0 = tb.axil.wakeups, tb.vdrv.wakeups
        t0_sim = get_sim_time("ns")
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            if loop == "short":
                y = await tb.run_vmm_y(vt.total_cycles + 200)
            else:
                y = (await tb.run_vmm(vt.total_cycles + 200, read_raw=False)).y
            if not np.array_equal(y, y_exp):
                raise AssertionError(f"bench VMM result wrong ({loop} loop)")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        cycles = (get_sim_time("ns") - t0_sim) / CLK_NS
        out[loop] = {"wall_s": wall, "vmm_per_s": n / wall, "cycles": cycles,
                     "cycles_per_s": cycles / wall, "cpu_s": cpu, "cpu_vmm_per_s": n / cpu,
                     "cpu_cycles_per_s": cycles / cpu, "cycles_per_vmm": cycles / n,
                     "bridge_wakeups": (tb.bridge.wakeups if tb.bridge else 0) - wake0,
                     "bridge_us_per_vmm": ((tb.bridge.busy_s if tb.bridge else 0.0) - busy0)
                     / n * 1e6,
                     "axi_wakeups_per_vmm": (tb.axil.wakeups - axi0) / n,
                     "vport_wakeups_per_vmm": (tb.vdrv.wakeups - vec0) / n}
    dut._log.info("bench: %s", out)
    if cfg.bench_out is not None:
        write_text_atomic(cfg.bench_out, json.dumps(out))
