"""cocotb test module: run one batch of tile VMMs through the RTL co-simulation.

Started by ``hxsim.nn.cosim.CosimVmmBackend`` (one simulator run per ``vmm`` call) with the job
file in the environment variable ``HX_NN_JOB`` (``.npz``: ``x[B, 128]``, ``w[128, 256]``, and a
JSON header with the timing, the chip parameters, ``fixed_seed`` and the trial-noise generator's
state). It builds the chip instance (same fixed pattern), restores the noise state, drives every
vector through the testbench (``hxtb.tbench.Testbench``: weights and input over the vector port,
timing over AXI-Lite, START, wait for done, read the result vector), and writes ``y[B, 256]`` and
the noise state after the batch to ``HX_NN_OUT``. The chip's VMMs thus consume the noise stream
exactly as the fast path would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
import numpy as np

from hxsim.array import ChipInstance
from hxsim.golden import vmm_timing
from hxsim.params import ChipParams
from hxsim.timing import Timing


@cocotb.test()
async def test_nn_batch(dut: object) -> None:
    from hxtb.tbench import Testbench  # needs tb/ on sys.path (the runner passes its sys.path)

    job = Path(os.environ["HX_NN_JOB"])
    with np.load(job, allow_pickle=False) as z:
        head = json.loads(str(z["head"]))
        x = z["x"].astype(np.int64)
        w = z["w"].astype(np.int64)
    chip = ChipInstance(ChipParams.from_dict(head["params"]), int(head["fixed_seed"]),
                        int(head["noise_seed"]))
    chip.noise_state = head["rng_state"]
    timing = Timing.from_dict(head["timing"])
    tb = Testbench(dut, chip=chip, seed=0, backpressure=0.0)
    await tb.start()
    errs = await tb.load_weights(w)
    await tb.set_timing(timing)
    y = np.zeros((x.shape[0], 256), dtype=np.int64)
    for b in range(x.shape[0]):
        errs.append(await tb.load_input(x[b]))
        res = await tb.run_vmm(vmm_timing(timing, x[b]).total_cycles + 200, read_raw=False)
        y[b] = res.y
        errs += res.errs
    assert not any(errs), "vector-port error response during the batch"
    out = Path(os.environ["HX_NN_OUT"])
    with out.open("wb") as f:
        np.savez(f, y=y.astype(np.int8),
                 state=np.array(json.dumps(chip.noise_state)))
