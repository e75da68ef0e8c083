"""`make sim`: run one co-simulation test on one simulator, optionally with waves.

    python tb/run_sim.py --test test_vmm_random --sim icarus --seed 123 [--waves] [--vmms N]
                         [--profile fast|mixed|default] [--ideal-hdl]

--test is a cocotb test name (test_vmm_random, test_vmm_noisy, test_err_*, bench_vmm). Waves go
to sim_build/run/<test>-<sim>/ (Icarus: tb_top.fst, Verilator: dump.vcd). The seed printed by a
failing pytest run reproduces it here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hxtb import build


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test", default="test_vmm_random")
    ap.add_argument("--sim", default="verilator", choices=build.SIMS)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--waves", action="store_true")
    ap.add_argument("--vmms", type=int, default=None, help="HX_NUM_VMMS for random tests")
    ap.add_argument("--profile", default=None, help="HX_PROFILE for random tests")
    ap.add_argument("--ideal-hdl", action="store_true", help="build with the HDL ideal array")
    args = ap.parse_args()
    if args.sim == "icarus" and not build.have_iverilog():
        print(f"SKIPPED: {build.ICARUS_MISSING}")
        return 0
    seed = args.seed if args.seed is not None else build.seed_for(args.test)
    env = {}
    if args.vmms is not None:
        env["HX_NUM_VMMS"] = str(args.vmms)
    if args.profile is not None:
        env["HX_PROFILE"] = args.profile
    elif args.sim == "icarus":
        env["HX_PROFILE"] = "fast"
    test_dir = build.ROOT / "sim_build" / "run" / f"{args.test}-{args.sim}"
    print(f"running {args.test} on {args.sim} with SEED={seed} in {test_dir}")
    os.environ.setdefault("COCOTB_LOG_LEVEL", "INFO")
    results = build.run(args.sim, args.test, test_dir, seed, env, ideal=args.ideal_hdl,
                        waves=args.waves)
    passed, failed_tests = build.test_outcomes(Path(results))
    failed = bool(failed_tests) or not passed
    why = ("" if not failed else f" - failed: {', '.join(failed_tests)}" if failed_tests
           else " - no cocotb test matched this name or filter")
    print(f"{'FAILED' if failed else 'PASSED'}: {args.test} ({args.sim}, SEED={seed}); "
          f"{len(passed)} passed{why}; results {results}")
    if args.waves:
        print(f"waves in {test_dir if args.sim == 'verilator' else test_dir / 'tb_top.fst'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
