"""``hxsim train``, ``hxsim infer`` and ``hxsim twin``: hxtorch's MNIST network on the simulated
chip, in PyTorch (the ``nn`` extra; torch is imported only when one of these commands runs).

``hxsim train`` trains in float (the software reference) and with the chip in the loop,
evaluates both (the float-trained weights also deployed on the chip and on the ideal chip),
optionally compares mapping strategies (``--mapping``) and predicts the chip-in-the-loop
network's accuracy on a twin of the chip (``--twin-check``), and writes checkpoints and a report
under ``--out``. ``hxsim infer`` runs a checkpoint on the test set (``--cosim-check N``: the
first N images also through the RTL co-simulation, bit for bit). ``hxsim twin`` measures a
chip through a device and writes the twin's configuration (``hxsim.twin``).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hxsim.array import ChipInstance
from hxsim.calibration import CalibratedDevice, CalibrationResult
from hxsim.cli.common import (
    DEFAULT_FIXED_SEED,
    DEFAULT_NOISE_SEED,
    UsageError,
    _int_at_least,
    calibration_metadata,
    calibration_options,
    chip_options,
    chip_params,
    device_options,
    echo,
    job_options,
    job_spec,
    load_calibration,
    nonneg,
    open_jobs,
    output_options,
    positive,
    positive_float,
    progress_options,
    seed_options,
    wants_progress,
)
from hxsim.device import VmmDevice, close_device, open_device
from hxsim.nn.data import DEFAULT_DATA_DIR, Split, load_split
from hxsim.outputs import Outputs
from hxsim.params import ChipParams
from hxsim.progress import start_device

if TYPE_CHECKING:
    import torch

    from hxsim.nn.chip import Chip
    from hxsim.twin import TwinConfig

DEFAULT_OUT = Path("runs/nn")


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise UsageError("the network commands need PyTorch: pip install -e '.[nn]'") from exc
    return torch


def _data_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("data")
    g.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                   help="directory with MNIST-format IDX files (default: Debian's "
                        "dataset-fashion-mnist)")
    g.add_argument("--test-limit", type=positive, default=None, metavar="N",
                   help="use only the first N test images (default: all)")
    g.add_argument("--threads", type=positive, default=1, metavar="N",
                   help="torch and BLAS threads (1: fastest on a shared machine, reproducible)")
    return p


def _chip_extra() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("chip setup")
    g.add_argument("--twin", type=Path, default=None, metavar="FILE",
                   help="run on the twin of `hxsim twin` instead of --params/--fixed-seed "
                        "(default: none; excludes --calibration: the twin describes the chip "
                        "as `hxsim twin` measured it, with its calibration)")
    g.add_argument("--mock", action="store_true",
                   help="hxtorch's mock formula (float32, bit-exact) instead of a device, with "
                        "the measured gain and noise of the chip")
    return p


TRAIN_DOC = """\
Train hxtorch's MNIST network in float (the software reference) and with the chip in the loop;
evaluate both (float-trained weights also deployed on the chip and the ideal chip); --mapping
compares mapping strategies; --twin-check predicts the accuracy with a twin of the chip. Writes
float.pt, chip.pt (state_dict checkpoints), report.md and report.json under --out."""
INFER_DOC = """\
Run a checkpoint (from hxsim train) on the test set, on --device, in mock mode (--mock) or in
float (--float); --cosim-check N also runs the first N images through the RTL co-simulation and
compares the network's outputs bit for bit (exit 1 on a difference)."""
TWIN_DOC = """\
Measure a chip through --device (random VMMs fitted as hxsim compare does, and each driver
alone) and write a twin configuration (JSON) that hxsim train/infer --twin run on."""


#: What --calibration does in train and infer.
LAYER_CALIBRATION = ("every layer's VMMs run with its DAC offsets, column offsets and CapMem "
                     "cells (the fixed-pattern seed must be the file's)")

#: Images per job of ``hxsim infer --cosim-check`` (a session start per chunk amortized over its
#: images; small enough to spread a few hundred images over a farm).
COSIM_CHUNK = 16
#: What --workers does in ``hxsim infer``.
INFER_WORKERS = ("one per core when --cosim-check has 2 or more chunks, else 1: the chunks one "
                 "after another in this process")

#: The strategies of ``hxsim.nn.models.MAPPINGS`` (listed here so that --help needs no torch).
MAPPING_NAMES = ("plain", "sends", "rows2", "avg2", "signed-rows")


def register(subparsers: argparse._SubParsersAction) -> None:
    t = subparsers.add_parser(
        "train", help="train hxtorch's MNIST network in float and with the chip in the loop",
        description=TRAIN_DOC,
        parents=[_data_options(),
                 device_options("model", what="where the chip's VMMs run"),
                 seed_options("training: data order (shuffle_seed = N; N + 1 in the chip run), "
                              "weight init (init_seed = N + 1), mock noise (N + 2)",
                              noise="the chip's trial noise: noise_seed = N in the training, "
                                    "eval_noise_seed = N + 1 in the evaluations"),
                 chip_options(), _chip_extra(), calibration_options(LAYER_CALIBRATION),
                 output_options(DEFAULT_OUT, "output directory"), progress_options()])
    g = t.add_argument_group("training")
    g.add_argument("--train-limit", type=positive, default=None, metavar="N",
                   help="use only the first N training images (default: all)")
    g.add_argument("--float-epochs", type=nonneg, default=10, metavar="N",
                   help="float training epochs (default 10)")
    g.add_argument("--chip-epochs", type=nonneg, default=2, metavar="N",
                   help="chip-in-the-loop epochs (0: float only)")
    g.add_argument("--chip-init", choices=("float", "scratch"), default="float",
                   help="start the chip-in-the-loop run from the float-trained weights or afresh")
    g.add_argument("--batch-size", type=positive, default=200, metavar="N",
                   help="examples per step (default 200)")
    g.add_argument("--lr-float", type=positive_float, default=0.5, metavar="LR",
                   help="Adam step size of the float run (weight units); decays to 1/20")
    g.add_argument("--lr-chip", type=positive_float, default=0.2, metavar="LR",
                   help="Adam step size of the chip run (weight units); decays to 1/20")
    g.add_argument("--logit-scale", type=positive_float, default=0.125, metavar="S",
                   help="the loss is the cross-entropy of softmax(S * logits)")
    g.add_argument("--event-wait", type=positive, default=2, metavar="N",
                   help="wait_between_events of the network's VMMs (cycles)")
    g.add_argument("--mapping", default=None, metavar="NAMES",
                   help="compare mapping strategies, comma-separated from "
                        f"{','.join(MAPPING_NAMES)} or 'all' (each float-trained, deployed, and "
                        "with "
                        "--mapping-chip-epochs chip-in-the-loop epochs; default: none)")
    g.add_argument("--mapping-float-epochs", type=nonneg, default=None, metavar="N",
                   help="float epochs per strategy (default: --float-epochs)")
    g.add_argument("--mapping-chip-epochs", type=nonneg, default=0, metavar="N",
                   help="chip-in-the-loop epochs per strategy (default 0)")
    g.add_argument("--twin-check", action="store_true",
                   help="measure the evaluation chip, build its twin from the measurement alone "
                        "and report the twin's prediction of the chip-in-the-loop accuracy")
    t.set_defaults(func=cmd_train)

    i = subparsers.add_parser(
        "infer", help="run a trained checkpoint on the test set", description=INFER_DOC,
        parents=[_data_options(), device_options("model", what="where the chip's VMMs run"),
                 seed_options(chip_default=("the training run's fixed_seed", "the training "
                                            "run's eval_noise_seed")),
                 chip_options("the training run's"), _chip_extra(),
                 calibration_options(LAYER_CALIBRATION), progress_options(),
                 job_options(INFER_WORKERS)])
    i.add_argument("--weights", type=Path, default=DEFAULT_OUT / "chip.pt", metavar="FILE",
                   help="checkpoint of `hxsim train`")
    i.add_argument("--float", action="store_true", help="run the float model (no VMMs)")
    i.add_argument("--cosim-check", type=nonneg, default=0, metavar="N",
                   help="also run the first N test images on the model and through the RTL "
                        "co-simulation from fresh chip instances with the same seeds and check "
                        "the outputs are equal bit for bit (exit 1 otherwise)")
    i.add_argument("--cosim-chunk", type=positive, default=COSIM_CHUNK, metavar="N",
                   help="images per job of --cosim-check: each chunk opens its own simulator "
                        "session and draws trial noise from the run's stream jumped by its index "
                        "(results depend on N, not on the workers)")
    i.add_argument("--batch-size", type=positive, default=500, metavar="N",
                   help="images per forward pass (default 500)")
    i.set_defaults(func=cmd_infer)

    w = subparsers.add_parser(
        "twin", help="measure a chip and write its twin configuration", description=TWIN_DOC,
        parents=[device_options("model", what="the chip to measure"),
                 seed_options("measurement stimulus"), chip_options(),
                 output_options(Path("out/twin.json"), "twin configuration (JSON)"),
                 calibration_options("the measured chip runs with its DAC offsets, column "
                                     "offsets and CapMem cells, so the twin describes the "
                                     "calibrated chip"),
                 progress_options()])
    # hxsim.twin.measure needs two of each for a spread: refused here, before anything runs
    at_least_2 = _int_at_least(2, "an integer at least 2")
    w.add_argument("--vectors", type=at_least_2, default=256, metavar="N",
                   help="random VMM input vectors")
    w.add_argument("--repetitions", type=at_least_2, default=8, metavar="N",
                   help="repetitions of every vector (default 8)")
    w.set_defaults(func=cmd_twin)


# ---- shared pieces ------------------------------------------------------------------------------
def _load(args: argparse.Namespace, split: str, limit: int | None) -> Split:
    return load_split(args.data, split).head(limit)


def _set_threads(n: int) -> None:
    from hxsim.nn.blas import set_blas_threads

    _torch().set_num_threads(n)
    set_blas_threads(n)


def _twin(args: argparse.Namespace) -> TwinConfig | None:
    if args.twin is None:
        return None
    from hxsim.twin import TwinConfig

    if args.params is not None or args.ideal:
        raise UsageError("--twin excludes --params and --ideal")
    if args.calibration is not None:
        raise UsageError("--twin and --calibration exclude each other (the twin describes the "
                         "chip as `hxsim twin` measured it: give the calibration to hxsim twin)")
    return TwinConfig.load(args.twin)


def open_layer_device(args: argparse.Namespace, inst: ChipInstance, params: ChipParams,
                      cal: CalibrationResult | None) -> VmmDevice:
    """``--device`` on ``inst``, started, running with ``cal`` (``CalibratedDevice``: DAC
    offsets, column offsets and CapMem cells of every VMM) when one is given."""
    if args.device == "golden":
        device: VmmDevice = open_device("golden", inst, gain=params.gain)
    else:
        device = open_device(args.device, inst, args.simulator)
        start_device(device, wants_progress(args))
    return CalibratedDevice(device, cal) if cal is not None else device


def make_chip(args: argparse.Namespace, params: ChipParams, fixed: int, noise: int,
              mock_seed: int, twin: TwinConfig | None = None, measure: bool = True,
              cal: CalibrationResult | None = None) -> tuple[Chip, dict[str, Any]]:
    """The ``Chip`` of the options: the device (``--device`` on the chip instance or the twin)
    with the calibration ``cal`` (``load_calibration``'s result of ``--calibration``), the mock
    parameters measured on the device (hxtorch's ``measure_mock_parameter``; mock mode without a
    device keeps them). Returns it and a description for the report."""
    from hxsim.nn.chip import Chip, measure_mock_parameter

    inst: ChipInstance = twin.chip(noise) if twin is not None else ChipInstance(params, fixed,
                                                                                 noise)
    chip = Chip(open_layer_device(args, inst, params, cal), seed=mock_seed)
    desc: dict[str, Any] = {"device": args.device,
                            "calibration": str(args.calibration) if cal is not None else None,
                            "twin": str(args.twin) if twin is not None else None,
                            "fixed_seed": fixed, "noise_seed": noise}
    if measure:
        mm = measure_mock_parameter(chip, seed=fixed)
        desc.update(gain=round(chip.mock.gain, 7), noise_std=round(chip.mock.noise_std, 4),
                    measure_vmms=mm.vmms)
    return chip, desc


def _close(chip: Chip | None) -> None:
    if chip is not None and chip.device is not None:
        stats = close_device(chip.device)
        if stats:
            echo(f"{chip.device.name}: {stats}")


# ---- hxsim train --------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from hxsim.nn.chip import Chip, MockParameter
    from hxsim.nn.models import (
        MAPPINGS,
        NetConfig,
        attach,
        mac_layers,
        mnist_model,
        save_checkpoint,
        vmms_per_example,
    )
    from hxsim.nn.report import CycleCounter, Report
    from hxsim.nn.train import TrainConfig, accuracy, train

    _set_threads(args.threads)
    twin = _twin(args)
    params = twin.params if twin is not None else chip_params(args)
    cal = load_calibration(args, ChipInstance(params, args.fixed_seed, args.noise_seed))
    seeds = {"shuffle_seed": args.seed, "init_seed": args.seed + 1, "mock_seed": args.seed + 2,
             "fixed_seed": args.fixed_seed, "noise_seed": args.noise_seed,
             "eval_noise_seed": args.noise_seed + 1}
    names: list[str] = []
    if args.mapping is not None:
        names = list(MAPPINGS) if args.mapping == "all" else args.mapping.split(",")
        bad = [n for n in names if n not in MAPPINGS]
        if bad:
            raise UsageError(f"--mapping: unknown strategy {bad[0]!r} (allowed: "
                             f"{', '.join(MAPPINGS)}, all)")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file, expected a directory")
    outs = Outputs(args.force, [args.params, args.calibration, args.twin])
    files = [out / "float.pt"] + ([out / "chip.pt"] if args.chip_epochs > 0 else []) \
        + [out / "report.md", out / "report.json"]
    for f in files:
        outs.add(f)
    outs.check()
    progress = wants_progress(args)
    t_all = time.perf_counter()
    tr = _load(args, "train", args.train_limit)
    te = _load(args, "test", args.test_limit)
    echo(f"data: {args.data} ({len(tr)} train, {len(te)} test)")
    echo("seeds: " + " ".join(f"{k}={v}" for k, v in seeds.items()))
    in_hw = (int(tr.images.shape[1]), int(tr.images.shape[2]))

    def chip_for(noise: int, measure: bool = True) -> tuple[Chip, dict[str, Any]]:
        return make_chip(args, params, args.fixed_seed, noise, seeds["mock_seed"], twin, measure,
                         cal)

    # the training chip: its measured gain is the init's and the backward pass's
    train_chip, chip_desc = chip_for(seeds["noise_seed"])
    mp = train_chip.mock
    echo("chip: " + ", ".join(f"{k} {v}" for k, v in chip_desc.items()))
    cfg = NetConfig(in_hw=in_hw, wait_between_events=args.event_wait)
    net = mnist_model(cfg, seed=seeds["init_seed"], mock_parameter=mp)
    ex_shape = (1, *in_hw)
    echo(f"network: num_sends {[la.num_sends for la in mac_layers(net)]}, "
         f"{vmms_per_example(net, ex_shape)} tile VMMs per image")
    fcfg = TrainConfig(args.float_epochs, args.batch_size, args.lr_float, args.lr_float / 20,
                       args.logit_scale, seeds["shuffle_seed"])
    ccfg = TrainConfig(args.chip_epochs, args.batch_size, args.lr_chip, args.lr_chip / 20,
                       args.logit_scale, seeds["shuffle_seed"] + 1)
    times: dict[str, float] = {}
    mode = "mock" if args.mock else "chip"

    def evaluate(model: torch.nn.Module, m: str, label: str, chip: Chip | None) -> float:
        attach(model, chip)
        acc = accuracy(model, te, m, progress=progress, label=label)
        echo(f"{label}: test accuracy {100 * acc:.2f} %")
        return acc

    t0 = time.perf_counter()
    attach(net, train_chip)
    train(net, tr, fcfg, "float", progress=progress, log=echo)
    times["float training"] = time.perf_counter() - t0
    acc_float = evaluate(net, "float", "float software", train_chip)
    eval_chip, _ = chip_for(seeds["eval_noise_seed"], measure=False)
    eval_chip.mock = mp
    counter = CycleCounter(eval_chip.device) if eval_chip.device is not None else None
    eval_chip.device = counter
    acc_dep = evaluate(net, mode, "float-trained, deployed on the chip", eval_chip)
    cycles = (counter.cycles / max(len(te), 1) if counter is not None and mode == "chip"
              else None)
    ideal = Chip(open_device("golden", ChipInstance(ChipParams.ideal(mp.gain)), gain=mp.gain),
                 mock=MockParameter(mp.gain, 0.0))
    acc_ideal = evaluate(net, "chip", "float-trained, ideal chip", ideal)
    report = Report(str(args.data), len(tr), len(te), seeds, chip_desc, acc_float,
                    acc_float_deployed_chip=acc_dep, acc_float_deployed_ideal=acc_ideal,
                    cycles_per_image=cycles,
                    settings={"float": fcfg.to_dict(), "chip": ccfg.to_dict(),
                              "chip_init": args.chip_init, "mode": mode,
                              "params": str(args.params) if args.params else
                              ("ideal" if args.ideal else "ChipParams()"),
                              "threads": args.threads,
                              "num_sends": [int(la.num_sends or 1) for la in mac_layers(net)],
                              **calibration_metadata(args, cal)})
    meta = {"seeds": seeds, "params": params.to_dict(), "data": str(args.data),
            **calibration_metadata(args, cal),
            "train_examples": len(tr), "chip": chip_desc, "mock_parameter": [mp.gain,
                                                                            mp.noise_std]}
    cnet = None
    if args.chip_epochs > 0:
        cnet = mnist_model(cfg, seed=seeds["init_seed"], mock_parameter=mp)
        if args.chip_init == "float":
            cnet.load_state_dict(net.state_dict())
        attach(cnet, train_chip)
        t0 = time.perf_counter()
        train(cnet, tr, ccfg, mode, progress=progress, log=echo)
        times["chip-in-the-loop training"] = time.perf_counter() - t0
        eval_chip.device = _fresh_eval_device(args, params, twin, seeds, counter, cal)
        report.acc_chip_in_loop = evaluate(cnet, mode, "chip-in-the-loop trained, on the chip",
                                           eval_chip)
        report.acc_in_loop_weights_float = evaluate(cnet, "float",
                                                    "chip-in-the-loop weights, in float", None)
    if args.twin_check:
        report.twin = _twin_check(args, cnet if cnet is not None else net, te, params, seeds,
                                  mp, mode, progress, cal)
        echo("twin: " + ", ".join(f"{k} {v}" for k, v in report.twin.items()))
    for name in names:
        report.strategies.append(_strategy(args, MAPPINGS[name], cfg, tr, te, params, twin,
                                           seeds, mode, progress, cal))
    times["total"] = time.perf_counter() - t_all
    report.seconds = times
    _close(train_chip)
    with outs.commit() as temp:
        save_checkpoint(temp(out / "float.pt"), net, cfg,
                        {**meta, "trained": "float", "config": fcfg.to_dict()})
        if cnet is not None:
            save_checkpoint(temp(out / "chip.pt"), cnet, cfg,
                            {**meta, "trained": "chip-in-the-loop", "config": ccfg.to_dict()})
        temp(out / "report.md").write_text(report.markdown())
        temp(out / "report.json").write_text(report.to_json())
    print()
    print(report.markdown())
    echo("wrote " + ", ".join(str(f) for f in files))
    return 0


def _fresh_eval_device(args: argparse.Namespace, params: ChipParams, twin: TwinConfig | None,
                       seeds: dict[str, int], counter: Any,
                       cal: CalibrationResult | None) -> Any:
    """A fresh evaluation device (noise from eval_noise_seed again, calibration ``cal``), so
    that ``hxsim infer`` reproduces the evaluation; its cycles are counted."""
    from hxsim.nn.report import CycleCounter

    if counter is not None:
        counter.close()
    inst = twin.chip(seeds["eval_noise_seed"]) if twin is not None else ChipInstance(
        params, seeds["fixed_seed"], seeds["eval_noise_seed"])
    return CycleCounter(open_layer_device(args, inst, params, cal))


def _twin_check(args: argparse.Namespace, model: Any, te: Split, params: ChipParams,
                seeds: dict[str, int], mp: Any, mode: str, progress: bool,
                cal: CalibrationResult | None) -> dict[str, Any]:
    """Measure the evaluation chip (running with ``cal``), build the twin from the measurement,
    run ``model`` on the twin (which describes the calibrated chip: no calibration of its own)
    and on the chip with ``cal`` (same noise seed)."""
    from hxsim import twin as tw
    from hxsim.device import ModelDevice
    from hxsim.nn.chip import Chip
    from hxsim.nn.models import attach
    from hxsim.nn.train import accuracy

    t0 = time.perf_counter()
    real = ChipInstance(params, seeds["fixed_seed"], seeds["eval_noise_seed"] + 100)
    m = tw.measure(_calibrated(ModelDevice(real), cal), seed=seeds["fixed_seed"])
    cfg = tw.build_twin(m, f"ChipInstance fixed_seed {seeds['fixed_seed']}"
                        + (f", calibration {args.calibration}" if cal is not None else ""))
    accs = {}
    for name, dev in (("chip", _calibrated(ModelDevice(ChipInstance(
            params, seeds["fixed_seed"], seeds["eval_noise_seed"])), cal)),
                      ("twin", ModelDevice(cfg.chip(seeds["eval_noise_seed"])))):
        chip = Chip(dev, mock=mp)
        attach(model, chip)
        accs[name] = accuracy(model, te, mode, progress=progress, label=f"twin check: {name}")
    return {"acc_chip": accs["chip"], "acc_twin": accs["twin"],
            "difference_pp": round(100 * (accs["twin"] - accs["chip"]), 2),
            "twin_gain": round(cfg.params.gain, 7), "fit_gain": round(m.fit.gain, 7),
            "fit_gain_err": round(m.fit.gain_err, 8), "fit_noise": round(m.fit.noise_std, 4),
            "seconds": round(time.perf_counter() - t0, 1)}


def _calibrated(device: VmmDevice, cal: CalibrationResult | None) -> VmmDevice:
    return CalibratedDevice(device, cal) if cal is not None else device


def _strategy(args: argparse.Namespace, mapping: Any, cfg: Any, tr: Split, te: Split,
              params: ChipParams, twin: TwinConfig | None, seeds: dict[str, int], mode: str,
              progress: bool, cal: CalibrationResult | None) -> Any:
    """One mapping strategy: float training, deployment on a fresh evaluation chip (cycles
    counted), optionally chip-in-the-loop epochs."""
    from hxsim.nn.models import attach, mac_layers, mnist_model, vmms_per_example
    from hxsim.nn.report import StrategyResult
    from hxsim.nn.train import TrainConfig, accuracy, train

    t0 = time.perf_counter()
    scfg = replace(cfg, mapping=mapping)
    train_chip, _ = make_chip(args, params, args.fixed_seed, seeds["noise_seed"],
                              seeds["mock_seed"], twin, cal=cal)
    model = mnist_model(scfg, seed=seeds["init_seed"], mock_parameter=train_chip.mock)
    attach(model, train_chip)
    epochs = args.mapping_float_epochs if args.mapping_float_epochs is not None \
        else args.float_epochs
    train(model, tr, TrainConfig(epochs, args.batch_size, args.lr_float, args.lr_float / 20,
                                 args.logit_scale, seeds["shuffle_seed"]), "float",
          progress=progress)
    acc_f = accuracy(model, te, "float")
    eval_chip, _ = make_chip(args, params, args.fixed_seed, seeds["eval_noise_seed"],
                             seeds["mock_seed"], twin, measure=False, cal=cal)
    eval_chip.mock = train_chip.mock
    counter = eval_chip.device = _fresh_eval_device(args, params, twin, seeds, None, cal)
    attach(model, eval_chip)
    acc_d = accuracy(model, te, mode, progress=progress, label=f"{mapping.name}: deployed")
    cycles = counter.cycles / max(len(te), 1)
    acc_l = None
    if args.mapping_chip_epochs > 0:
        attach(model, train_chip)
        train(model, tr, TrainConfig(args.mapping_chip_epochs, args.batch_size, args.lr_chip,
                                     args.lr_chip / 20, args.logit_scale,
                                     seeds["shuffle_seed"] + 1), mode, progress=progress)
        eval_chip.device = _fresh_eval_device(args, params, twin, seeds, counter, cal)
        attach(model, eval_chip)
        acc_l = accuracy(model, te, mode, progress=progress, label=f"{mapping.name}: in-loop")
    res = StrategyResult(mapping.name, [int(la.num_sends or 1) for la in mac_layers(model)],
                         vmms_per_example(model, (1, *cfg.in_hw)), cycles, acc_f, acc_d, acc_l,
                         time.perf_counter() - t0)
    echo(f"mapping {res.name}: num_sends {res.num_sends}, {res.vmms_per_image} VMMs/image, "
         f"{res.energy_uj:.1f} uJ/image, float {100 * acc_f:.2f} %, deployed "
         f"{100 * acc_d:.2f} %" + (f", in-loop {100 * acc_l:.2f} %" if acc_l is not None else "")
         + f", {res.seconds:.1f} s")
    _close(train_chip)
    _close(eval_chip)
    return res


# ---- hxsim infer --------------------------------------------------------------------------------
def cmd_infer(args: argparse.Namespace) -> int:
    from hxsim.nn.models import attach, load_checkpoint
    from hxsim.nn.train import accuracy

    _set_threads(args.threads)
    model, cfg, meta = load_checkpoint(args.weights)
    seeds = meta.get("seeds", {})
    fixed = (args.fixed_seed if args.fixed_seed is not None
             else int(seeds.get("fixed_seed", DEFAULT_FIXED_SEED)))
    noise = (args.noise_seed if args.noise_seed is not None
             else int(seeds.get("eval_noise_seed", DEFAULT_NOISE_SEED + 1)))
    twin = _twin(args)
    if twin is not None:
        params = twin.params
    elif args.params is None and not args.ideal and "params" in meta:
        params = ChipParams.from_dict(meta["params"])
    else:
        params = chip_params(args)
    inst = ChipInstance(params, fixed, noise)
    cal = load_calibration(args, inst)
    trained_cal = (meta.get("calibration") or {}).get("file")
    if trained_cal is not None and cal is None and not args.float:
        echo(f"note: the training run used --calibration {trained_cal}; this run uses none "
             "(the reset values)")
    te = _load(args, "test", args.test_limit)
    if args.cosim_check > len(te):
        raise UsageError(f"--cosim-check: {args.cosim_check} images requested, the test set has "
                         f"{len(te)}")
    spec = job_spec(args)
    echo(f"weights: {args.weights} ({meta.get('trained', '?')}); data: {args.data} "
         f"({len(te)} test images)")
    mp = meta.get("mock_parameter")
    chip = None
    if args.float:
        where, mode = "float", "float"
    else:
        where = "mock" if args.mock else f"device {args.device}"
        mode = "mock" if args.mock else "chip"
        echo(f"chip: fixed_seed={fixed} noise_seed={noise}")
        chip, _ = make_chip(args, params, fixed, noise, int(seeds.get("mock_seed", 0)), twin,
                            measure=mp is None, cal=cal)
        if mp is not None:
            from hxsim.nn.chip import MockParameter

            chip.mock = MockParameter(float(mp[0]), float(mp[1]))
    attach(model, chip)
    t0 = time.perf_counter()
    try:
        acc = accuracy(model, te, mode, args.batch_size, wants_progress(args),
                       f"infer ({where})")
    finally:
        vmms = chip.vmms if chip is not None else 0
        _close(chip)
    dt = time.perf_counter() - t0
    echo(f"test accuracy ({where}): {100 * acc:.2f} % on {len(te)} images, {dt:.1f} s"
         + (f", {vmms} tile VMMs ({vmms / max(len(te), 1):.0f} per image)"
            if vmms and mode == "chip" else ""))
    if args.cosim_check:
        return _cosim(args, spec, model, te.head(args.cosim_check), params, fixed, noise, cal)
    return 0


def _cosim(args: argparse.Namespace, spec: Any, model: Any, data: Split, params: ChipParams,
           fixed: int, noise: int, cal: CalibrationResult | None) -> int:
    """``--cosim-check``: the images in chunks, here or on the cluster of ``spec``; exit code."""
    from hxsim import jobs
    from hxsim.nn.cosim import cosim_check, split

    chunks = len(split(len(data), args.cosim_chunk))
    here = spec.in_process(chunks, auto_min=2)
    echo(f"cosim check: {len(data)} images in {chunks} chunk(s) of up to {args.cosim_chunk} "
         f"(--cosim-chunk), fixed_seed={fixed} noise_seed={noise}, "
         f"{'in this process' if here else 'on ' + spec.describe()}")
    t0 = time.perf_counter()
    try:
        if here:
            ok = cosim_check(model, data, params, fixed, noise, simulator=args.simulator,
                             calibration=cal, log=echo, chunk_size=args.cosim_chunk,
                             progress=wants_progress(args))
        else:
            with open_jobs(spec) as client:
                ok = cosim_check(model, data, params, fixed, noise, simulator=args.simulator,
                                 calibration=cal, log=echo, chunk_size=args.cosim_chunk,
                                 client=client, progress=wants_progress(args))
    except jobs.JobFailed as exc:
        echo(f"cosim: FAILED: {exc}")
        return 1
    echo(f"cosim check: {time.perf_counter() - t0:.1f} s")
    return 0 if ok else 1


# ---- hxsim twin ---------------------------------------------------------------------------------
def cmd_twin(args: argparse.Namespace) -> int:
    from hxsim import twin as tw

    outs = Outputs(args.force, [args.params, args.calibration])
    outs.add(args.out)
    outs.check()
    params = chip_params(args)
    inst = ChipInstance(params, args.fixed_seed, args.noise_seed)
    cal = load_calibration(args, inst)
    echo(f"measuring device {args.device} (fixed_seed={args.fixed_seed} "
         f"noise_seed={args.noise_seed}), stimulus seed {args.seed}"
         + (f", calibration {args.calibration}" if cal is not None else ""))
    device = open_layer_device(args, inst, params, cal)
    try:
        m = tw.measure(device, args.seed, args.vectors, args.repetitions)
    finally:
        stats = close_device(device)
        if stats:
            echo(f"{device.name}: {stats}")
    cfg = tw.build_twin(m, f"device {args.device}, fixed_seed {args.fixed_seed}"
                        + (f", calibration {args.calibration}" if cal is not None else ""))
    echo(m.fit.summary())
    with outs.commit() as temp:
        cfg.save(temp(args.out))
    echo(f"twin: gain {cfg.params.gain:.6g}, membrane noise {cfg.params.membrane_noise_lsb:.3g} "
         f"LSB, column gain spread {100 * cfg.params.column_gain_std:.2f} %, driver gain spread "
         f"{100 * cfg.params.driver_gain_std:.2f} %; wrote {args.out}")
    return 0
