"""``hxsim train`` and ``hxsim infer``: hxtorch's MNIST network on the simulated chip.

``hxsim train`` trains the network twice on the same data: in float (the software reference)
and with the chip in the loop, evaluates both (the float-trained weights also deployed on the
chip), and writes weights and a report under ``--out``. ``hxsim infer`` runs saved weights on the
test set, optionally cross-checking the first N images against the RTL co-simulation.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.array import ChipInstance
from hxsim.device import DeviceUnavailable, GoldenDevice, ModelDevice, VmmDevice
from hxsim.nn.blas import set_blas_threads
from hxsim.nn.data import DEFAULT_DATA_DIR, Split, load_split
from hxsim.nn.network import Network
from hxsim.nn.report import Report, cycles_per_example
from hxsim.nn.train import TrainConfig, accuracy, config_dict, train
from hxsim.params import ChipParams

DEFAULT_OUT = Path("runs/nn")


def _log(msg: str) -> None:
    print(msg, flush=True)


def _nonneg(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {v}")
    return v


def _pos(text: str) -> int:
    v = _nonneg(text)
    if v == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return v


def _posf(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR,
                   help="directory with MNIST-format IDX files (default: %(default)s, "
                   "from Debian's dataset-fashion-mnist)")
    p.add_argument("--test-limit", type=_pos, default=None, metavar="N",
                   help="use only the first N test images")
    p.add_argument("--params", type=Path, default=None, metavar="JSON",
                   help="chip parameters (ChipParams JSON); default: ChipParams() "
                   "(noise and fixed pattern on)")
    p.add_argument("--ideal", action="store_true", help="ideal chip (ChipParams.ideal())")
    p.add_argument("--threads", type=_pos, default=1,
                   help="BLAS threads (default 1: fastest on a shared machine, reproducible)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _chip_params(args: argparse.Namespace) -> ChipParams:
    if args.ideal and args.params is not None:
        raise ValueError("--ideal and --params exclude each other")
    if args.ideal:
        return ChipParams.ideal()
    if args.params is not None:
        return ChipParams.load(args.params)
    return ChipParams()


def _load(args: argparse.Namespace, split: str, limit: int | None) -> Split:
    data = load_split(args.data, split).head(limit)
    return data


def register(subparsers: Any) -> None:
    t = subparsers.add_parser(
        "train", help="train hxtorch's MNIST network in float and with the chip in the loop",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(t)
    t.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="output directory for weights and report (default: %(default)s)")
    t.add_argument("--train-limit", type=_pos, default=None, metavar="N",
                   help="use only the first N training images")
    t.add_argument("--float-epochs", type=_nonneg, default=10)
    t.add_argument("--chip-epochs", type=_nonneg, default=2,
                   help="chip-in-the-loop epochs (0: float only)")
    t.add_argument("--chip-init", choices=("float", "scratch"), default="float",
                   help="start the chip-in-the-loop run from the float-trained weights "
                   "(default) or from a fresh init")
    t.add_argument("--batch-size", type=_pos, default=200)
    t.add_argument("--lr-float", type=_posf, default=0.5)
    t.add_argument("--lr-chip", type=_posf, default=0.2,
                   help="Adam step size of the chip run (weight units); decays to 1/20")
    t.add_argument("--logit-scale", type=_posf, default=0.125)
    t.add_argument("--event-wait", type=_pos, default=2)
    for name, default in (("shuffle-seed", 1), ("init-seed", 2), ("fixed-seed", 3),
                          ("noise-seed", 4), ("eval-noise-seed", 5)):
        t.add_argument(f"--{name}", type=_nonneg, default=default)
    t.set_defaults(func=cmd_train)

    i = subparsers.add_parser(
        "infer", help="run trained weights on the test set (chip, ideal chip or float)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_common(i)
    i.add_argument("--weights", type=Path, default=DEFAULT_OUT / "chip.npz",
                   help="weights file from `hxsim train` (default: %(default)s)")
    i.add_argument("--mode", choices=("chip", "golden", "float"), default="chip",
                   help="chip instance (default), golden reference or the float linear model")
    i.add_argument("--fixed-seed", type=_nonneg, default=None,
                   help="chip fixed-pattern seed (default: the one the weights were trained on)")
    i.add_argument("--noise-seed", type=_nonneg, default=None,
                   help="trial-noise seed (default: the training run's eval-noise seed)")
    i.add_argument("--cosim", type=_nonneg, default=0, metavar="N",
                   help="also run the first N test images through the RTL co-simulation and "
                   "check every layer's outputs equal the fast path's bit for bit")
    i.add_argument("--batch-size", type=_pos, default=500)
    i.set_defaults(func=cmd_infer)


def _seeds(args: argparse.Namespace) -> dict[str, int]:
    return {k: int(getattr(args, k)) for k in
            ("shuffle_seed", "init_seed", "fixed_seed", "noise_seed", "eval_noise_seed")}


def cmd_train(args: argparse.Namespace) -> int:
    set_blas_threads(args.threads)
    params = _chip_params(args)
    seeds = _seeds(args)
    progress = not args.no_progress
    t_all = time.perf_counter()
    tr = _load(args, "train", args.train_limit)
    te = _load(args, "test", args.test_limit)
    _log(f"data: {args.data} ({len(tr)} train, {len(te)} test)")
    _log("seeds: " + " ".join(f"{k}={v}" for k, v in seeds.items()))
    args.out.mkdir(parents=True, exist_ok=True)

    net = Network.mnist(np.random.Generator(np.random.PCG64(seeds["init_seed"])),
                        event_wait=args.event_wait, in_hw=(tr.images.shape[1], tr.images.shape[2]))
    _log(f"network: num_sends {[la.num_sends for la in net.layers]}, "
         f"{net.vmms_per_example()} tile VMMs per image")
    fcfg = TrainConfig(epochs=args.float_epochs, batch_size=args.batch_size, lr=args.lr_float,
                       lr_final=args.lr_float / 20, logit_scale=args.logit_scale,
                       shuffle_seed=seeds["shuffle_seed"], exact_relu=True)
    ccfg = TrainConfig(epochs=args.chip_epochs, batch_size=args.batch_size, lr=args.lr_chip,
                       lr_final=args.lr_chip / 20, logit_scale=args.logit_scale,
                       shuffle_seed=seeds["shuffle_seed"] + 1)
    base_meta = {"seeds": seeds, "params": params.to_dict(), "data": str(args.data),
                 "train_examples": len(tr)}
    times: dict[str, float] = {}

    t0 = time.perf_counter()
    train(net, tr, fcfg, "float", progress=progress, log=_log)
    times["float training"] = time.perf_counter() - t0
    net.meta = {**base_meta, "trained": "float", "config": config_dict(fcfg)}
    net.save(args.out / "float.npz")

    def chip_backend(noise_seed: int) -> ModelDevice:
        return ModelDevice(ChipInstance(params, seeds["fixed_seed"], noise_seed))

    def evaluate(n: Network, mode: str, backend: VmmDevice | None, label: str) -> float:
        acc = accuracy(n, te, mode, backend, progress=progress, label=label)
        _log(f"{label}: test accuracy {100 * acc:.2f} %")
        return acc

    acc_float = evaluate(net, "float", None, "float software")
    acc_dep = evaluate(net, "chip", chip_backend(seeds["eval_noise_seed"]),
                       "float-trained, deployed on the chip")
    acc_ideal = evaluate(net, "chip", GoldenDevice(net.gain), "float-trained, ideal chip")

    report = Report(dataset=str(args.data), train_examples=len(tr), test_examples=len(te),
                    seeds=seeds, acc_float=acc_float, acc_float_deployed_chip=acc_dep,
                    acc_float_deployed_ideal=acc_ideal, vmms_per_image=net.vmms_per_example(),
                    num_sends=[la.num_sends for la in net.layers], event_wait=net.event_wait,
                    settings={"float": config_dict(fcfg), "chip": config_dict(ccfg),
                              "chip_init": args.chip_init, "ideal_chip": args.ideal,
                              "params": str(args.params) if args.params else "ChipParams()"})

    if args.chip_epochs > 0:
        if args.chip_init == "scratch":
            cnet = Network.mnist(np.random.Generator(np.random.PCG64(seeds["init_seed"])),
                                 event_wait=args.event_wait,
                                 in_hw=(tr.images.shape[1], tr.images.shape[2]))
        else:
            cnet = net.copy()
        t0 = time.perf_counter()
        train(cnet, tr, ccfg, "chip", chip_backend(seeds["noise_seed"]), progress=progress,
              log=_log)
        times["chip-in-the-loop training"] = time.perf_counter() - t0
        cnet.meta = {**base_meta, "trained": "chip-in-the-loop", "config": config_dict(ccfg),
                     "chip_init": args.chip_init}
        cnet.save(args.out / "chip.npz")
        report.acc_chip_in_loop = evaluate(cnet, "chip", chip_backend(seeds["eval_noise_seed"]),
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
    md, js = report.save(args.out)
    print()
    print(report.markdown())
    _log(f"wrote {args.out / 'float.npz'}, "
         + (f"{args.out / 'chip.npz'}, " if args.chip_epochs > 0 else "") + f"{md}, {js}")
    return 0


def cmd_infer(args: argparse.Namespace) -> int:
    set_blas_threads(args.threads)
    net = Network.load(args.weights)
    seeds = net.meta.get("seeds", {})
    fixed = args.fixed_seed if args.fixed_seed is not None else int(seeds.get("fixed_seed", 0))
    noise = (args.noise_seed if args.noise_seed is not None
             else int(seeds.get("eval_noise_seed", 1)))
    if args.params is None and not args.ideal and "params" in net.meta:
        params = ChipParams.from_dict(net.meta["params"])
    else:
        params = _chip_params(args)
    te = _load(args, "test", args.test_limit)
    if args.cosim > len(te):
        raise ValueError(f"--cosim: {args.cosim} images requested, the test set has {len(te)}")
    _log(f"weights: {args.weights} ({net.meta.get('trained', '?')}); data: {args.data} "
         f"({len(te)} test images)")
    backend: VmmDevice | None = None
    if args.mode == "chip":
        backend = ModelDevice(ChipInstance(params, fixed, noise))
        _log(f"chip: fixed_seed={fixed} noise_seed={noise}")
    elif args.mode == "golden":
        backend = GoldenDevice(net.gain)
    t0 = time.perf_counter()
    acc = accuracy(net, te, "float" if args.mode == "float" else "chip", backend,
                   args.batch_size, not args.no_progress, f"infer ({args.mode})")
    dt = time.perf_counter() - t0
    vmms = backend.vmms if backend is not None else 0
    _log(f"test accuracy ({args.mode}): {100 * acc:.2f} % on {len(te)} images, {dt:.1f} s"
         + (f", {vmms} tile VMMs ({vmms / max(len(te), 1):.0f} per image)" if vmms else ""))
    if args.cosim:
        from hxsim.nn.cosim import cosim_check

        try:
            ok = cosim_check(net, te.images[:args.cosim], params, fixed, noise, log=_log)
        except DeviceUnavailable as exc:
            raise ValueError(f"--cosim: {exc}") from exc
        return 0 if ok else 1
    return 0

