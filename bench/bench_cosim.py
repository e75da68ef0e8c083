"""Co-simulation speed: VMMs/s and simulated cycles/s for a full 128x256 VMM at default timing,
with the Python bridge (hxsim behind the analog shell) and with the pure-HDL ideal array, under
Verilator and Icarus, measured in the same run. Target: cosim >= 50% of the HDL-only VMM rate.

Usage: python bench/bench_cosim.py [--vmms-verilator N] [--vmms-icarus N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from hxtb import build
from hxtb.config import TbConfig


def measure(sim: str, ideal: bool, vmms: int, tmp: Path) -> dict[str, float]:
    out = tmp / f"{sim}-{int(ideal)}.json"
    build.run(sim, "bench_vmm", tmp / f"{sim}-{int(ideal)}", 1,
              TbConfig(num_vmms=vmms, bench_out=out), modules=build.test_modules("bench"),
              ideal=ideal, check=True)
    data: dict[str, float] = json.loads(out.read_text())
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vmms-verilator", type=int, default=50)
    ap.add_argument("--vmms-icarus", type=int, default=5)
    args = ap.parse_args()
    sims = [("verilator", args.vmms_verilator)]
    if build.have_iverilog():
        sims.append(("icarus", args.vmms_icarus))
    else:
        print(f"icarus: SKIPPED ({build.ICARUS_MISSING})")
    rows = []
    with tempfile.TemporaryDirectory() as td:
        for sim, n in sims:
            res = {ideal: measure(sim, ideal, n, Path(td)) for ideal in (False, True)}
            rows.append((sim, res))
    print()
    print("full 128x256 VMM, default timing (2018 cycles, 128 events), weights loaded once")
    print(f"{'simulator':<10} {'array':<16} {'VMMs':>5} {'VMMs/s':>9} {'cycles/s':>11}")
    ok = True
    for sim, res in rows:
        for ideal in (False, True):
            r = res[ideal]
            name = "HDL ideal" if ideal else "cosim (bridge)"
            print(f"{sim:<10} {name:<16} {int(r['vmms']):>5} {r['vmm_per_s']:>9.2f} "
                  f"{r['cycles_per_s']:>11.0f}")
        ratio = res[False]["vmm_per_s"] / res[True]["vmm_per_s"]
        ok &= ratio >= 0.5
        print(f"{sim:<10} cosim / HDL-only VMM rate = {ratio:.0%} (target >= 50%)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
