"""Sub-commands ``hxsim sweep`` (the analog operating point swept cell by cell) and ``hxsim
drift`` (temporal drift and its compensation by periodic re-calibration), issue 14."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hxsim.cli.common import (
    UsageError,
    calibration_metadata,
    calibration_options,
    chip_instance,
    chip_options,
    chip_params,
    device_options,
    job_options,
    job_spec,
    load_calibration,
    open_jobs,
    output_options,
    positive,
    positive_float,
    progress_options,
    seed_metadata,
    seed_options,
    timing,
    timing_options,
    wants_progress,
)
from hxsim.drift import compensation_study
from hxsim.outputs import Outputs
from hxsim.progress import CHUNK, ProgressDevice, bar
from hxsim.sweep import (
    QUANTITIES,
    MeasureSettings,
    SweepSpec,
    collect,
    measure_job,
    plot_sweep,
    sweep_jobs,
)

#: What --workers does in hxsim sweep (a point on the model takes ~0.1 s, starting an embedded
#: cluster a few seconds: the points run in this process unless asked otherwise).
SWEEP_WORKERS = ("1: the points one after another in this process; N >= 2: an embedded "
                 "LocalCluster of N worker processes")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="sweep CapMem cells: gain, noise, offsets, saturation, INL per setting",
        description=cmd_sweep.__doc__,
        parents=[device_options("model", what="where the VMMs run (regs and cosim write every "
                                "setting's cells over AXI)"),
                 seed_options("random matrices of the measurement"),
                 chip_options(),
                 output_options(Path("out/sweep"), "output directory (sweep.json, PNGs)"),
                 progress_options(), timing_options(),
                 calibration_options("its CapMem cells are the base point each cell is swept "
                                     "from, its DAC and column offsets apply"),
                 job_options(SWEEP_WORKERS)])
    p.add_argument("specs", nargs="+", metavar="PARAM=start:stop:steps",
                   help="a CapMem cell and its integer settings (e.g. syn_i_bias_dac=200:1000:5)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "drift", help="temporal drift: residual error vs the re-calibration period N",
        description=cmd_drift.__doc__,
        parents=[seed_options("workload (random inputs and weights)"), chip_options(),
                 output_options(Path("out/drift"), "output directory (drift.json, drift.png)")])
    p.add_argument("--periods", default="never,1000,300,100,30", metavar="N,N,..",
                   help="re-calibration periods in workload VMMs, comma-separated, each "
                        "1..--vmms or 'never' (no re-calibration)")
    p.add_argument("--vmms", type=positive, default=3000, metavar="N",
                   help="workload VMMs of each period's run")
    p.add_argument("--offset-repetitions", type=positive, default=8, metavar="N",
                   help="zero-input VMMs of each re-calibration (the offset measurement)")
    p.add_argument("--vmm-period-us", type=positive_float, default=10000.0, metavar="US",
                   help="operating time per VMM in us (replaces the chip's vmm_period_us; "
                        "10000: a host loop of ~10 ms per VMM [NF])")
    p.set_defaults(func=cmd_drift)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Sweep each PARAM alone from the base point and measure, per setting, gain, noise, offset
    spread, saturation point, integral non-linearity, drift and the CADC codes with a fixed
    measurement (the characterization matrix, weights-8 and random matrices; hxsim.sweep).
    Writes sweep.json, one PNG per quantity and sweep_tradeoff.png under --out."""
    specs = SweepSpec.parse_all(args.specs)
    out: Path = args.out
    outs = Outputs(args.force, [p for p in (args.params, args.calibration) if p is not None])
    files = [out / "sweep.json"] + [out / f"sweep_{q}.png" for q in QUANTITIES] + [
        out / "sweep_tradeoff.png"]
    for f in files:
        outs.add(f)
    outs.check()
    settings = MeasureSettings(seed=args.seed)
    chip = chip_instance(args)
    spec = job_spec(args)
    cal = load_calibration(args, chip)
    base, dac, off = (None, None, None) if cal is None else (
        cal.capmem, cal.dac_offsets, cal.column_offsets)
    points = sweep_jobs(specs, base, args.device, chip.params, chip.fixed_seed, chip.noise_seed,
                        settings, timing(args), args.simulator, dac, off)
    here = spec.in_process(len(points))
    where = "this process" if here else spec.describe()
    print(f"hxsim sweep: device {args.device}, fixed_seed {chip.fixed_seed}, noise_seed "
          f"{chip.noise_seed}, seed {args.seed}, {len(specs)} parameter(s), {len(points)} "
          f"points in {where}")
    t0 = time.perf_counter()
    if here:
        pbar = bar("sweep", settings.num_vmms * len(points), "VMM", wants_progress(args))
        try:
            results = [measure_job(j, lambda d: ProgressDevice(d, pbar, CHUNK.get(
                args.device, 16))) for j in points]
        finally:
            pbar.close()
    else:
        from hxsim import jobs

        with open_jobs(spec) as client:
            done = jobs.map_jobs(client, measure_job, points, [j.key for j in points],
                                 label="sweep", unit="point", progress=wants_progress(args))
        try:
            results = jobs.values(done)
        except jobs.JobFailed as exc:
            print(f"hxsim sweep: error: {exc}", file=sys.stderr)
            return 1
    wall = time.perf_counter() - t0
    print(f"hxsim sweep: wall time {wall:.1f} s on device {args.device} ({where})")
    data = collect(specs, base, results)
    data["metadata"] = {**seed_metadata(chip), "wall_time_s": round(wall, 2), "where": where,
                        "device": args.device, "seed": args.seed,
                        "units": QUANTITIES, **calibration_metadata(args, cal),
                        "timing": timing(args).to_dict(), "vmms_per_setting": settings.num_vmms}
    # One commit for sweep.json and every PNG: an interrupt or error anywhere leaves no output
    # (and the files of an earlier run unchanged), as in characterize and drift.
    with outs.commit() as temp:
        temp(files[0]).write_text(json.dumps(data, indent=1) + "\n")
        plot_sweep(data, out, target=temp)
    b = data["base"]
    print("base point: " + ", ".join(f"{k} {v:.4g}" for k, v in b.items()))
    print(f"wrote {out}/sweep.json and {len(QUANTITIES) + 1} PNGs")
    return 0


#: The word of ``--periods`` for "no re-calibration".
NEVER = "never"


def parse_periods(text: str, vmms: int) -> list[int | None]:
    """``--periods``: comma-separated integers 1..``vmms`` or ``never``, no repeats."""
    items = [t.strip() for t in str(text).split(",")]
    out: list[int | None] = []
    for t in items:
        if t == NEVER:
            out.append(None)
            continue
        try:
            n = int(t)
        except ValueError:
            raise UsageError(f"--periods: expected comma-separated integers 1..{vmms} (--vmms) "
                             f"or '{NEVER}', got {t!r}") from None
        if not 1 <= n <= vmms:
            raise UsageError(f"--periods: {n} is outside 1..{vmms} (a period longer than the "
                             "--vmms workload never re-calibrates: use 'never')")
        out.append(n)
    if len(set(out)) != len(out):
        raise UsageError(f"--periods: a period is repeated in {text!r}")
    return out


def cmd_drift(args: argparse.Namespace) -> int:
    """The drift compensation study (hxsim.drift.compensation_study) on the model's fast path:
    a chip instance with temporal drift (gain and offset random walks, temperature-like
    process; magnitudes [NF] from the chip parameters) runs --vmms random VMMs and re-measures
    its column offsets every N VMMs; the residual is the RMS difference to a drift-free twin with
    the same seeds, trial noise off. Prints the residual error vs N, writes drift.json and
    drift.png under --out."""
    periods = parse_periods(args.periods, args.vmms)
    params = chip_params(args)
    out: Path = args.out
    outs = Outputs(args.force, [args.params])
    files = {k: outs.add(out / f"drift.{k}") for k in ("json", "png")}
    outs.check()
    print(f"hxsim drift: fixed_seed {args.fixed_seed}, noise_seed {args.noise_seed}, seed "
          f"{args.seed}, {args.vmms} VMMs of {args.vmm_period_us:g} us each, periods "
          f"{args.periods}")
    res = compensation_study(params, periods, args.vmms, args.fixed_seed, args.noise_seed,
                             args.seed, args.offset_repetitions, args.vmm_period_us)
    res["periods"] = [NEVER if n is None else n for n in res["periods"]]
    res["offset_repetitions"] = args.offset_repetitions
    res["chip"] = params.to_dict()
    res["command"] = ("hxsim drift --periods " + ",".join(str(n) for n in res["periods"])
                      + f" --vmms {args.vmms} --fixed-seed {args.fixed_seed} --noise-seed "
                      f"{args.noise_seed} --seed {args.seed}")
    rows = list(zip(res["periods"], res["extra_vmms"], res["residual_lsb"], strict=True))
    print(f"  {'N (VMMs)':>9s} {'extra VMMs':>11s} {'residual RMS [LSB]':>19s}")
    for n, extra, r in rows:
        print(f"  {n!s:>9s} {extra:11d} {r:19.3f}")
    with outs.commit() as temp:
        temp(files["json"]).write_text(json.dumps(res, indent=1) + "\n")
        _plot_drift(res, temp(files["png"]))
    print(f"wrote {files['json']}, {files['png']}")
    return 0


def _plot_drift(res: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    periods = res["periods"]
    resid = res["residual_lsb"]
    assert isinstance(periods, list) and isinstance(resid, list)
    fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=100)
    pts = [(n, r) for n, r in zip(periods, resid, strict=True) if n != NEVER]
    if pts:
        ns, rs = zip(*sorted(pts), strict=True)
        ax.plot(ns, rs, "o-", label="re-calibrated every N VMMs")
        ax.set_xscale("log")
    for n, r in zip(periods, resid, strict=True):
        if n == NEVER:
            ax.axhline(r, color="r", ls="--", lw=0.8, label="never re-calibrated")
    ax.set_xlabel("re-calibration period N [VMMs]")
    ax.set_ylabel("residual RMS error vs drift-free twin [LSB]")
    ax.set_title(f"Drift compensation ({res['n_vmms']} VMMs, {res['vmm_period_us']} us/VMM)",
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
