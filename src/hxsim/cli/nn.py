"""``hxsim train`` and ``hxsim infer``: hxtorch's MNIST network on the simulated chip.

``hxsim train`` trains the network twice on the same data: in float (the software reference)
and with the chip in the loop, evaluates both (the float-trained weights also deployed on the
chip and on the ideal chip), and writes weights and a report under ``--out``. ``hxsim infer``
runs saved weights on the test set, optionally cross-checking the first N images against the RTL
co-simulation (``--cosim-check N``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.cli.common import (
    DEFAULT_FIXED_SEED,
    DEFAULT_NOISE_SEED,
    UsageError,
    chip_options,
    chip_params,
    device_options,
    echo,
    nonneg,
    output_options,
    positive,
    positive_float,
    progress_options,
    seed_options,
    wants_progress,
)
from hxsim.device import GoldenDevice, ModelDevice, VmmDevice, close_device, open_device
from hxsim.nn.blas import set_blas_threads
from hxsim.nn.data import DEFAULT_DATA_DIR, Split, load_split
from hxsim.nn.network import Network
from hxsim.nn.report import Report, cycles_per_example
from hxsim.nn.train import TrainConfig, accuracy, config_dict, train
from hxsim.outputs import Outputs
from hxsim.params import ChipParams
from hxsim.progress import CHUNK, ProgressDevice, bar, start_device, write

DEFAULT_OUT = Path("runs/nn")


def _data_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("data")
    g.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                   help="directory with MNIST-format IDX files (from Debian's "
                        "dataset-fashion-mnist)")
    g.add_argument("--test-limit", type=positive, default=None, metavar="N",
                   help="use only the first N test images (default: all)")
    g.add_argument("--threads", type=positive, default=1, metavar="N",
                   help="BLAS threads (1: fastest on a shared machine, reproducible)")
    return p


TRAIN_DOC = """\
Train hxtorch's MNIST network twice on the same data: in float (the software reference) and
with the chip in the loop; evaluate both (the float-trained weights also deployed on the chip and
on the ideal chip) and write weights and a report under --out."""
INFER_DOC = """\
Run saved weights (from hxsim train) on the test set, on --device or in float (--float);
--cosim-check N also runs the first N images through the RTL co-simulation and compares every
layer bit for bit."""


def register(subparsers: argparse._SubParsersAction) -> None:
    t = subparsers.add_parser(
        "train", help="train hxtorch's MNIST network in float and with the chip in the loop",
        description=TRAIN_DOC,
        parents=[_data_options(),
                 device_options("model", what="where the chip's VMMs run (chip-in-the-loop "
                                "training and the evaluations on the chip)"),
                 seed_options("training: data order (shuffle_seed = N; N + 1 in the chip run) "
                              "and weight init (init_seed = N + 1)",
                              noise="the chip's trial noise: noise_seed = N in the training, "
                                    "eval_noise_seed = N + 1 in the evaluations"),
                 chip_options(), output_options(DEFAULT_OUT, "output directory (float.npz, "
                                                "chip.npz, report.md, report.json)"),
                 progress_options()])
    g = t.add_argument_group("training")
    g.add_argument("--train-limit", type=positive, default=None, metavar="N",
                   help="use only the first N training images (default: all)")
    g.add_argument("--float-epochs", type=nonneg, default=10, metavar="N",
                   help="float training epochs")
    g.add_argument("--chip-epochs", type=nonneg, default=2, metavar="N",
                   help="chip-in-the-loop epochs (0: float only)")
    g.add_argument("--chip-init", choices=("float", "scratch"), default="float",
                   help="start the chip-in-the-loop run from the float-trained weights or from a "
                        "fresh init")
    g.add_argument("--batch-size", type=positive, default=200, metavar="N",
                   help="examples per step")
    g.add_argument("--lr-float", type=positive_float, default=0.5, metavar="LR",
                   help="Adam step size of the float run (weight units); decays to 1/20")
    g.add_argument("--lr-chip", type=positive_float, default=0.2, metavar="LR",
                   help="Adam step size of the chip run (weight units); decays to 1/20")
    g.add_argument("--logit-scale", type=positive_float, default=0.125, metavar="S",
                   help="the loss is the cross-entropy of softmax(S * logits)")
    g.add_argument("--event-wait", type=positive, default=2, metavar="N",
                   help="cycles between events of the network's VMMs")
    t.set_defaults(func=cmd_train)

    i = subparsers.add_parser(
        "infer", help="run trained weights on the test set (on a device or in float)",
        description=INFER_DOC,
        parents=[_data_options(),
                 device_options("model", what="where the chip's VMMs run"),
                 seed_options(chip_default=("the training run's fixed_seed, from the weights "
                                            "file", "the training run's eval_noise_seed, from "
                                            "the weights file")),
                 chip_options("the training run's, from the weights file"),
                 progress_options()])
    i.add_argument("--weights", type=Path, default=DEFAULT_OUT / "chip.npz", metavar="FILE",
                   help="weights file from `hxsim train`")
    i.add_argument("--float", action="store_true",
                   help="run the float linear model instead of the chip (no VMMs)")
    i.add_argument("--cosim-check", type=nonneg, default=0, metavar="N",
                   help="also run the first N test images on the model and through the RTL "
                        "co-simulation (--simulator), from fresh chip instances with the same "
                        "seeds, and check every layer's outputs are equal bit for bit (exit 1 "
                        "otherwise; 0: no check)")
    i.add_argument("--batch-size", type=positive, default=500, metavar="N",
                   help="images per forward pass")
    i.set_defaults(func=cmd_infer)


def _load(args: argparse.Namespace, split: str, limit: int | None) -> Split:
    return load_split(args.data, split).head(limit)


def chip_device(args: argparse.Namespace, params: ChipParams, fixed_seed: int,
                 noise_seed: int, gain: float) -> VmmDevice:
    """The network's device for ``--device`` on the chip (params, seeds): ``model`` the fast
    path, ``golden`` the golden reference at the network's gain, ``regs``/``cosim`` the
    register-level model or the co-simulation (started, so a first build shows its status)."""
    chip = ChipInstance(params, fixed_seed, noise_seed)
    if args.device == "model":
        return ModelDevice(chip)
    if args.device == "golden":
        return GoldenDevice(gain)
    device = open_device(args.device, chip, args.simulator)
    start_device(device, wants_progress(args))
    return device


def _close(device: VmmDevice | None) -> None:
    if device is not None:
        stats = close_device(device)
        if stats:
            echo(f"{device.name}: {stats}")


def cmd_train(args: argparse.Namespace) -> int:
    set_blas_threads(args.threads)
    params = chip_params(args)
    seeds = {"shuffle_seed": args.seed, "init_seed": args.seed + 1,
             "fixed_seed": args.fixed_seed, "noise_seed": args.noise_seed,
             "eval_noise_seed": args.noise_seed + 1}
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {out} is a file, expected a directory")
    outs = Outputs(args.force, [args.params])
    for f in [out / "float.npz"] + ([out / "chip.npz"] if args.chip_epochs > 0 else []) \
            + [out / "report.md", out / "report.json"]:
        outs.add(f)
    outs.check()
    progress = wants_progress(args)
    t_all = time.perf_counter()
    tr = _load(args, "train", args.train_limit)
    te = _load(args, "test", args.test_limit)
    echo(f"data: {args.data} ({len(tr)} train, {len(te)} test)")
    echo("seeds: " + " ".join(f"{k}={v}" for k, v in seeds.items()))

    net = Network.mnist(np.random.Generator(np.random.PCG64(seeds["init_seed"])),
                        event_wait=args.event_wait, in_hw=(tr.images.shape[1], tr.images.shape[2]))
    echo(f"network: num_sends {[la.num_sends for la in net.layers]}, "
         f"{net.vmms_per_example()} tile VMMs per image; chip VMMs on device {args.device}")
    fcfg = TrainConfig(epochs=args.float_epochs, batch_size=args.batch_size, lr=args.lr_float,
                       lr_final=args.lr_float / 20, logit_scale=args.logit_scale,
                       shuffle_seed=seeds["shuffle_seed"], exact_relu=True)
    ccfg = TrainConfig(epochs=args.chip_epochs, batch_size=args.batch_size, lr=args.lr_chip,
                       lr_final=args.lr_chip / 20, logit_scale=args.logit_scale,
                       shuffle_seed=seeds["shuffle_seed"] + 1)
    base_meta = {"seeds": seeds, "params": params.to_dict(), "data": str(args.data),
                 "train_examples": len(tr), "device": args.device}
    times: dict[str, float] = {}

    t0 = time.perf_counter()
    train(net, tr, fcfg, "float", progress=progress, log=echo)
    times["float training"] = time.perf_counter() - t0
    net.meta = {**base_meta, "trained": "float", "config": config_dict(fcfg)}

    def evaluate(n: Network, mode: str, device: VmmDevice | None, label: str) -> float:
        try:
            acc = accuracy(n, te, mode, device, progress=progress, label=label)
        finally:
            _close(device)
        echo(f"{label}: test accuracy {100 * acc:.2f} %")
        return acc

    def on_chip(n: Network, noise_seed: int) -> VmmDevice:
        return chip_device(args, params, seeds["fixed_seed"], noise_seed, n.gain)

    acc_float = evaluate(net, "float", None, "float software")
    acc_dep = evaluate(net, "chip", on_chip(net, seeds["eval_noise_seed"]),
                       "float-trained, deployed on the chip")
    acc_ideal = evaluate(net, "chip", GoldenDevice(net.gain), "float-trained, ideal chip")

    report = Report(dataset=str(args.data), train_examples=len(tr), test_examples=len(te),
                    seeds=seeds, acc_float=acc_float, acc_float_deployed_chip=acc_dep,
                    acc_float_deployed_ideal=acc_ideal, vmms_per_image=net.vmms_per_example(),
                    num_sends=[la.num_sends for la in net.layers], event_wait=net.event_wait,
                    settings={"float": config_dict(fcfg), "chip": config_dict(ccfg),
                              "chip_init": args.chip_init, "ideal_chip": args.ideal,
                              "params": str(args.params) if args.params else "ChipParams()",
                              "device": args.device})

    if args.chip_epochs > 0:
        if args.chip_init == "scratch":
            cnet = Network.mnist(np.random.Generator(np.random.PCG64(seeds["init_seed"])),
                                 event_wait=args.event_wait,
                                 in_hw=(tr.images.shape[1], tr.images.shape[2]))
        else:
            cnet = net.copy()
        t0 = time.perf_counter()
        device = on_chip(cnet, seeds["noise_seed"])
        try:
            train(cnet, tr, ccfg, "chip", device, progress=progress, log=echo)
        finally:
            _close(device)
        times["chip-in-the-loop training"] = time.perf_counter() - t0
        cnet.meta = {**base_meta, "trained": "chip-in-the-loop", "config": config_dict(ccfg),
                     "chip_init": args.chip_init}
        report.acc_chip_in_loop = evaluate(cnet, "chip", on_chip(cnet, seeds["eval_noise_seed"]),
                                           "chip-in-the-loop trained, on the chip")
        report.acc_in_loop_weights_float = evaluate(cnet, "float", None,
                                                    "chip-in-the-loop weights, in float")
        timed = cnet
    else:
        timed = net
    # Chip time per image from the cycle-exact timing of the actual VMM inputs (first 1000).
    _, cache = timed.forward(te.images[:1000], "chip", GoldenDevice(timed.gain))
    report.chip_cycles_per_image = cycles_per_example(timed, cache.rows, min(1000, len(te)))
    times["total"] = time.perf_counter() - t_all
    report.train_seconds = times
    md, js = out / "report.md", out / "report.json"
    with outs.commit() as temp:  # every output at the end, renamed into place together
        net.save(temp(out / "float.npz"))
        if args.chip_epochs > 0:
            cnet.save(temp(out / "chip.npz"))
        temp(md).write_text(report.markdown())
        temp(js).write_text(report.to_json())
    print()
    print(report.markdown())
    echo(f"wrote {out / 'float.npz'}, "
         + (f"{out / 'chip.npz'}, " if args.chip_epochs > 0 else "") + f"{md}, {js}")
    return 0


def cmd_infer(args: argparse.Namespace) -> int:
    set_blas_threads(args.threads)
    net = Network.load(args.weights)
    seeds = net.meta.get("seeds", {})
    fixed = (args.fixed_seed if args.fixed_seed is not None
             else int(seeds.get("fixed_seed", DEFAULT_FIXED_SEED)))
    noise = (args.noise_seed if args.noise_seed is not None
             else int(seeds.get("eval_noise_seed", DEFAULT_NOISE_SEED + 1)))
    if args.params is None and not args.ideal and "params" in net.meta:
        params = ChipParams.from_dict(net.meta["params"])
    else:
        params = chip_params(args)
    te = _load(args, "test", args.test_limit)
    if args.cosim_check > len(te):
        raise UsageError(f"--cosim-check: {args.cosim_check} images requested, the test set has "
                         f"{len(te)}")
    echo(f"weights: {args.weights} ({net.meta.get('trained', '?')}); data: {args.data} "
         f"({len(te)} test images)")
    where = "float" if args.float else f"device {args.device}"
    device: VmmDevice | None = None
    if not args.float:
        if args.device != "golden":
            echo(f"chip: fixed_seed={fixed} noise_seed={noise}")
        device = chip_device(args, params, fixed, noise, net.gain)
    t0 = time.perf_counter()
    try:
        acc = accuracy(net, te, "float" if args.float else "chip", device, args.batch_size,
                       wants_progress(args), f"infer ({where})")
    finally:
        _close(device)
    dt = time.perf_counter() - t0
    vmms = device.vmms if device is not None else 0
    echo(f"test accuracy ({where}): {100 * acc:.2f} % on {len(te)} images, {dt:.1f} s"
         + (f", {vmms} tile VMMs ({vmms / max(len(te), 1):.0f} per image)" if vmms else ""))
    if args.cosim_check:
        return 0 if cosim_check(args, net, te.images[:args.cosim_check], params, fixed,
                                noise) else 1
    return 0


def cosim_check(args: argparse.Namespace, net: Network, images: np.ndarray, params: ChipParams,
                fixed: int, noise: int) -> bool:
    """``hxsim.nn.cosim.cosim_check`` with the co-simulation opened by ``open_device`` (a bar of
    its tile VMMs)."""
    from hxsim.nn.cosim import cosim_check as check

    enabled = wants_progress(args)
    bars: list[Any] = []
    opened: list[VmmDevice] = []

    def factory(chip: ChipInstance) -> VmmDevice:
        device = open_device("cosim", chip, args.simulator)
        start_device(device, enabled)
        bars.append(bar("cosim check", images.shape[0] * net.vmms_per_example(), "VMM",
                        enabled))
        opened.append(ProgressDevice(device, bars[-1], CHUNK["cosim"]))
        return opened[-1]

    try:
        ok = check(net, images, params, fixed, noise, factory=factory, log=write)
    finally:
        for b in bars:
            b.close()
    for dev in opened:
        stats = dev.stats()
        if stats:
            echo(f"cosim: {stats}")
    return ok

