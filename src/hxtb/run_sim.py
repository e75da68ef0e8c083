"""`make sim`: run co-simulation tests on one simulator, optionally with waves.

    python -m hxtb.run_sim --test test_vmm_random --sim icarus --seed 123 [--waves] [--vmms N]
                           [--profile fast|mixed|default] [--ideal-hdl]

--test is a cocotb test name of tb/testplan.toml, or several joined by ``|`` (test_vmm_random,
test_vmm_noisy, test_err_axi, test_verif_cov_random, bench_vmm, ...). Knobs (hxtb.config) come
from the environment (``HX_NUM_VMMS=80 make sim ...``, as printed by a failing run), then from
--vmms / --profile; on Icarus the profile defaults to ``fast``. Waves go to
sim_build/run/<test>-<sim>/ (Icarus: tb_top.fst, Verilator: dump.vcd). The seed printed by a
failing pytest, regress or mutate run reproduces it here.
"""

from __future__ import annotations

import argparse
import os
import sys

from hxtb import build, config, testplan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test", default="test_vmm_random",
                    help="cocotb test name(s), '|'-separated (default: %(default)s)")
    ap.add_argument("--sim", default="verilator", choices=config.SIMS,
                    help="simulator (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=None,
                    help="regression seed (default: the knob seed, else fixed per test name)")
    ap.add_argument("--waves", action="store_true", help="dump waves")
    ap.add_argument("--vmms", type=int, default=None, help="knob num_vmms")
    ap.add_argument("--profile", default=None, choices=config.PROFILES, help="knob profile")
    ap.add_argument("--ideal-hdl", action="store_true", help="build with the HDL ideal array")
    args = ap.parse_args()
    try:
        plan = testplan.load()
        cfg = config.get()
        build.cocotb_main()  # a malformed HX_VERILATOR_MAIN
    except ValueError as exc:  # a malformed testplan or knob (TestplanError is a ValueError)
        ap.exit(2, f"make sim: error: {exc}\n")
    tests = [t for t in args.test.split("|") if t]
    try:
        for t in tests:
            plan.module_of(t)
    except KeyError as exc:
        ap.error(str(exc.args[0]))
    if args.sim == "icarus" and not build.have_iverilog():  # nothing would run: not a pass
        ap.exit(2, f"make sim: error: {build.ICARUS_MISSING} (nothing was run)\n")
    try:
        if args.vmms is not None:
            cfg = cfg.replace(num_vmms=args.vmms)
    except ValueError as exc:  # e.g. --vmms 0: a run that checks nothing is refused
        ap.exit(2, f"make sim: error: --vmms: {exc}\n")
    if args.profile is not None:
        cfg = cfg.replace(profile=args.profile)
    elif args.sim == "icarus" and not config.set_in_env("profile"):
        cfg = cfg.replace(profile="fast")
    seed = args.seed if args.seed is not None else build.seed_for(args.test, cfg)
    test_dir = build.ROOT / "sim_build" / "run" / f"{'+'.join(tests)}-{args.sim}"
    print(f"running {args.test} on {args.sim} with SEED={seed} in {test_dir}")
    print(f"  reproduce: {build.reproduce(args.test, args.sim, seed, cfg)}")
    os.environ.setdefault("COCOTB_LOG_LEVEL", "INFO")
    results = build.run(args.sim, tests, test_dir, seed, cfg, ideal=args.ideal_hdl,
                        waves=args.waves)
    o = build.test_outcomes(results, tests)
    why = "" if o.ok else f" - {o.problem()}"
    print(f"{'PASSED' if o.ok else 'FAILED'}: {args.test} ({args.sim}, SEED={seed}); "
          f"{len(o.passed)} passed{why}; results {results}")
    if args.waves:
        print(f"waves in {test_dir if args.sim == 'verilator' else test_dir / 'tb_top.fst'}")
    return 0 if o.ok else 1


if __name__ == "__main__":
    sys.exit(main())
