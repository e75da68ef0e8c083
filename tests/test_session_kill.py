"""The co-simulation's simulator process ends with its parent (issue 13): a Python process that
owns a session (``CosimDevice``, Verilator) is killed with SIGKILL - it can clean nothing up - and
the simulator process it started must be gone within a few seconds, both while the session is
idle (the simulator waits for the next request; slow tier) and while a long batch is running (the
server notices the closed connection at the next VMM; default tier).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

#: Seconds the simulator may take to end after its parent was killed (it stops at the next VMM,
#: then cocotb and Python shut down; generous for a loaded machine). The batch of the "BATCH" case
#: (20,000 VMMs, ~45 s of simulation on an idle machine) could not finish in that time.
GRACE_S = 10.0

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from hxsim import ChipInstance, ChipParams
    from hxtb.session import client
    dev = client.CosimDevice(ChipInstance(ChipParams.ideal(), 1, 2), "verilator",
                             workdir=sys.argv[1])
    dev.start()
    pids = client._child_pids() - (dev._children_before or set())
    print("SIM", *sorted(pids), flush=True)
    rng = np.random.default_rng(5)
    w = rng.integers(-63, 64, size=(128, 256))
    x = rng.integers(0, 32, size=(int(sys.argv[2]), 128))
    print("BATCH", flush=True)
    dev.run_vmms(x, w)       # a long batch when the parent kills us mid-way
    print("IDLE", flush=True)
    import time
    time.sleep(600)          # idle session: killed while the simulator waits for a request
""")


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def _sim_pids(line: str) -> list[int]:
    assert line.startswith("SIM "), f"child did not report its simulator: {line!r}"
    pids = [int(p) for p in line.split()[1:]]
    assert pids, "no simulator process found"
    return pids


@pytest.mark.parametrize("when, batch", [
    ("BATCH", 20000),
    pytest.param("IDLE", 2, marks=pytest.mark.slow),  # end of file between requests (as before)
])
def test_simulator_ends_when_its_parent_is_killed(tmp_path: Path, when: str,
                                                  batch: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(batch)],
                            stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        assert proc.stdout is not None
        pids = _sim_pids(proc.stdout.readline().strip())
        while (line := proc.stdout.readline().strip()) != when:
            assert line, f"child ended before {when} (exit {proc.poll()})"
        time.sleep(3.0)  # the batch is running / the simulator waits for a request
        assert all(_alive(p) for p in pids), "simulator ended before the kill"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        t0 = time.monotonic()
        while any(_alive(p) for p in pids) and time.monotonic() - t0 < GRACE_S:
            time.sleep(0.1)
        left = [p for p in pids if _alive(p)]
        assert not left, f"simulator {left} still running {GRACE_S} s after its parent's SIGKILL"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
