"""Instructions per VMM of the co-simulation and of its C++ ceiling, counted by valgrind (issue
#12): a measure that does not depend on the machine's load, beside the CPU rates of
``bench_cosim.py`` (which on the shared 2-core machine move by up to +-30 % between runs).

Both sides run a full 128x256 VMM at default timing, as ``bench_cosim.py`` does: the ceiling is
the C++ harness of the co-simulation build (``bench/harness/harness.cpp``), the co-simulation the
cocotb bench test ``bench_vmm`` (its full and short loops, ``--vmms`` VMMs each) under Verilator
with the Python bridge. Each side runs twice, with few and with many VMMs, under ``valgrind
--tool=cachegrind --cache-sim=no`` (instructions only); the difference divided by the difference
in VMMs removes start-up (Python imports, the build's elaboration, reset) and leaves the cost per
VMM. The co-simulation's figure is the average of its two loops.

Instructions are not time: the model's C++ retires several instructions per cycle, the Python
side far fewer (it runs once per ~1,000 model cycles with cold caches), so the time ratio of
``bench_cosim.py`` is lower than the instruction ratio printed here (docs/cosim.md, Speed).

Usage: python bench/bench_instructions.py [--vmms N]   (needs valgrind; about 2 minutes)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_cosim import build_harness

from hxsim.cli.common import positive
from hxtb import build
from hxtb.config import TbConfig

_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _instructions(log: Path) -> int:
    m = _IREFS.search(log.read_text(errors="replace"))
    if m is None:
        raise RuntimeError(f"no instruction count in {log}")
    return int(m.group(1).replace(",", ""))


def _valgrind(log: Path) -> list[str]:
    return ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            f"--log-file={log}"]


def harness_instructions(exe: Path, vmms: int, tmp: Path) -> int:
    log = tmp / f"harness-{vmms}.log"
    subprocess.run([*_valgrind(log), str(exe), str(vmms)], check=True, capture_output=True)
    return _instructions(log)


def cosim_instructions(vmms: int, tmp: Path) -> int:
    """Instructions of the simulator process running ``bench_vmm`` with ``vmms`` per loop
    (valgrind as cocotb's ``SIM_CMD_PREFIX``)."""
    log = tmp / f"cosim-{vmms}.log"
    saved = os.environ.get("SIM_CMD_PREFIX")
    os.environ["SIM_CMD_PREFIX"] = " ".join(_valgrind(log))
    try:
        build.run("verilator", "bench_vmm", tmp / f"cosim-{vmms}", 1,
                  TbConfig(num_vmms=vmms, bench_out=tmp / f"cosim-{vmms}.json"),
                  modules=build.test_modules("bench"), check=True,
                  log_file=tmp / f"cosim-{vmms}.out")
    finally:
        if saved is None:
            del os.environ["SIM_CMD_PREFIX"]
        else:
            os.environ["SIM_CMD_PREFIX"] = saved
    return _instructions(log)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vmms", type=positive, default=100, metavar="N",
                    help="VMMs added between the short and the long run of each side "
                         "(default 100; the short run has 20)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions.py: error: valgrind not found (apt install valgrind)",
              file=sys.stderr)
        return 2
    lo, hi = 20, 20 + args.vmms
    print("building (Verilator co-simulation and its C++ harness) ...", flush=True)
    exe = build_harness(False)
    build.build("verilator", False)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        print(f"counting: the harness with {lo} and {hi} VMMs, the co-simulation with {lo} and "
              f"{hi} VMMs per loop (two loops) ...", flush=True)
        h = (harness_instructions(exe, hi, tmp) - harness_instructions(exe, lo, tmp)) / (hi - lo)
        c = (cosim_instructions(hi, tmp) - cosim_instructions(lo, tmp)) / (2 * (hi - lo))
    print()
    print("instructions per VMM (full 128x256 VMM at default timing; valgrind, load-independent)")
    print(f"  ceiling: C++ harness of the co-simulation build   {h / 1e6:8.2f} M")
    print(f"  co-simulation (cocotb, bridge, Verilator)        {c / 1e6:8.2f} M")
    print(f"  the testbench (co-simulation - ceiling)          {(c - h) / 1e6:8.2f} M")
    print(f"  ceiling / co-simulation                          {h / c:8.0%}  (in instructions; "
          f"the time ratio is bench_cosim.py's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
