"""The options every sub-command shares, as argparse parent parsers, and their meaning.

A sub-command takes the groups that apply to it (``parents=[...]``); each parent is built by a
function because the default (where VMMs run, the output path, the chip) is stated per command:

=========== ======================================================================================
group       options
=========== ======================================================================================
device      ``--device {model,golden,regs,cosim}``, ``--simulator {verilator,icarus}``
seeds       ``--seed N`` (stimulus / training randomness), ``--fixed-seed N`` (the chip
            instance's fixed pattern), ``--noise-seed N`` (its trial noise); defaults 2026, 1, 2
chip        ``--params FILE`` (ChipParams JSON), ``--ideal``
output      ``--out DIR|FILE``, ``--force``
progress    ``--progress/--no-progress`` (default: on when stderr is a terminal)
timing      ``--num-sends N``, ``--event-wait N`` (the VMM timing registers)
calibration ``--calibration FILE`` (a file of ``hxsim calibrate``: the device runs with its DAC
            offsets, column offsets and CapMem cells; ``load_calibration``, ``Run``)
jobs        ``--workers N``, ``--scheduler ADDRESS``, ``--cluster slurm|pbs|lsf``,
            ``--cluster-config FILE``: where a command's jobs run (``hxsim.jobs``, defined
            there once and shared with make regress / make mutate; ``job_options``,
            ``job_spec``, ``open_jobs``; docs/regress.md)
=========== ======================================================================================

Every option has a help text that states its default. Bad input is reported as one line on
stderr naming the option and exit code 2 (``HxParser.error`` for what argparse checks, ``main``
for what the commands check).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from hxsim.array import ChipInstance
from hxsim.calibration import CalibratedDevice, CalibrationResult
from hxsim.checks import read_json, require_file
from hxsim.device import DEVICE_KINDS, VmmDevice, close_device, open_device
from hxsim.params import ChipParams
from hxsim.progress import CHUNK, ProgressDevice, bar, progress_enabled, start_device
from hxsim.timing import Timing

#: Default seeds of every command (``--seed``, ``--fixed-seed``, ``--noise-seed``).
DEFAULT_SEED = 2026
DEFAULT_FIXED_SEED = 1
DEFAULT_NOISE_SEED = 2
#: HDL simulators of the co-simulation (``hxtb.build``).
SIMULATORS = ("verilator", "icarus")


class UsageError(Exception):
    """Bad input from the user: reported without a traceback, exit code 2."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; every option's help ends with its default. An option whose
    default is None or a flag's False states its default in its own words (``default:``) or
    gets ``(default: off)``."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.default is None or action.default is False:
            return text + " (default: off)" if action.nargs == 0 else text
        return text + " (default: %(default)s)"


class HxParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose usage errors are one line (``hxsim CMD: error: ...``)
    and exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(low: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"expected {what}, got {v}")
        return v
    parse.__name__ = what  # argparse names the type in its messages
    return parse


nonneg = _int_at_least(0, "a non-negative integer")
positive = _int_at_least(1, "a positive integer")


def _float_in(low: float, high: float, what: str, low_open: bool = False
              ) -> Callable[[str], float]:
    """An argparse type: a finite float in ``low..high`` (``low`` excluded when ``low_open``)."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (math.isfinite(v) and (low < v if low_open else low <= v) and v <= high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return v
    parse.__name__ = what
    return parse


positive_float = _float_in(0.0, math.inf, "a positive number", low_open=True)
cadc_code = _float_in(0.0, 255.0, "a CADC code 0..255")
cadc_span = _float_in(0.0, 255.0, "a number of CADC codes in (0, 255]", low_open=True)
gain_value = _float_in(0.0, 1.0, "a gain in (0, 1] (LSB per unit x*w per send)", low_open=True)
probability = _float_in(0.0, 1.0, "a number in 0..1")
number = _float_in(-math.inf, math.inf, "a finite number")


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


# ---- the parent parsers ------------------------------------------------------------------------
def device_options(default: str, kinds: Sequence[str] = DEVICE_KINDS,
                   what: str = "where the VMMs run") -> argparse.ArgumentParser:
    """``--device`` (one of ``kinds``, default ``default``) and ``--simulator``."""
    text = {"model": "the model's fast path", "golden": "the golden reference (ideal array)",
            "regs": "register-level programs on the model of hx_top",
            "cosim": "register-level programs through the RTL co-simulation (needs the dev "
                     "extras)"}
    p = _parent()
    g = p.add_argument_group("device")
    g.add_argument("--device", choices=tuple(kinds), default=default,
                   help=f"{what}: " + "; ".join(f"{k}: {text[k]}" for k in kinds))
    g.add_argument("--simulator", choices=SIMULATORS, default="verilator",
                   help="HDL simulator of the co-simulation (--device cosim)")
    return p


def seed_options(seed: str | None = None, chip: bool = True,
                 chip_default: tuple[str, str] | None = None, noise: str | None = None
                 ) -> argparse.ArgumentParser:
    """``--seed`` (when ``seed`` says what it seeds) and ``--fixed-seed``/``--noise-seed`` (when
    ``chip``; ``noise`` says what the noise seed seeds when it is more than the chip instance's
    trial noise); ``chip_default`` (fixed, noise) replaces the chip seeds' defaults by words (None
    in the namespace)."""
    p = _parent()
    g = p.add_argument_group("seeds (printed and recorded in the outputs)")
    if seed is not None:
        g.add_argument("--seed", type=nonneg, default=DEFAULT_SEED, metavar="N",
                       help=f"seed of the {seed}")
    if chip:
        for k, (name, text, default) in enumerate((
                ("fixed-seed", "the chip instance's fixed pattern", DEFAULT_FIXED_SEED),
                ("noise-seed", noise or "the chip instance's trial noise", DEFAULT_NOISE_SEED))):
            if chip_default is None:
                g.add_argument(f"--{name}", type=nonneg, default=default, metavar="N",
                               help=f"seed of {text}")
            else:
                g.add_argument(f"--{name}", type=nonneg, default=None, metavar="N",
                               help=f"seed of {text} (default: {chip_default[k]})")
    return p


def chip_options(default: str = "ChipParams(): noise and fixed pattern on, SPEC values",
                 what: str = "chip parameters") -> argparse.ArgumentParser:
    """``--params FILE`` and ``--ideal`` (exclusive; checked by ``chip_params``)."""
    p = _parent()
    g = p.add_argument_group("chip")
    g.add_argument("--params", type=Path, default=None, metavar="FILE",
                   help=f"{what} as a ChipParams JSON file (default: {default})")
    g.add_argument("--ideal", action="store_true",
                   help="the ideal chip (ChipParams.ideal(): no noise, no fixed pattern)")
    return p


def output_options(default: Path, what: str) -> argparse.ArgumentParser:
    """``--out`` (``what``, default ``default``) and ``--force``."""
    p = _parent()
    g = p.add_argument_group("output")
    g.add_argument("--out", type=Path, default=default,
                   metavar="FILE" if default.suffix else "DIR", help=what)
    g.add_argument("--force", action="store_true",
                   help="overwrite existing output files (without it, an existing file is an "
                        "error, exit 2)")
    return p


def progress_options() -> argparse.ArgumentParser:
    p = _parent()
    p.add_argument_group("progress").add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="progress bars on stderr (default: on when stderr is a terminal)")
    return p


def timing_options(num_sends: int = 1, event_wait: int = 5) -> argparse.ArgumentParser:
    p = _parent()
    g = p.add_argument_group("VMM timing")
    g.add_argument("--num-sends", type=positive, default=num_sends, metavar="N",
                   help="times each input is sent (NUM_SENDS register)")
    g.add_argument("--event-wait", type=positive, default=event_wait, metavar="N",
                   help="cycles between events (EVENT_WAIT register)")
    return p


def calibration_options(what: str = "the device runs with its DAC offsets, column offsets "
                        "and CapMem cells") -> argparse.ArgumentParser:
    """``--calibration FILE`` (a calibration file of ``hxsim calibrate``; ``load_calibration``)."""
    p = _parent()
    p.add_argument_group("calibration").add_argument(
        "--calibration", type=Path, default=None, metavar="FILE",
        help=f"calibration file (hxsim calibrate): {what} (default: none: DAC offsets 32, "
             "column offsets 0, CapMem cells at their reset values)")
    return p


# ---- what the options mean -----------------------------------------------------------------
def job_options(workers_default: str) -> argparse.ArgumentParser:
    """The job group (``hxsim.jobs.cluster_options``: one definition for every command that
    runs jobs); ``workers_default`` states what happens without ``--workers``."""
    from hxsim.jobs import cluster_options

    return cluster_options(workers_default)


def job_spec(args: argparse.Namespace) -> Any:
    """The ``hxsim.jobs.ClusterSpec`` of the job options, the cluster config file checked
    (``ValueError``/``ClusterConfigError`` naming the option or the file's field: exit 2)."""
    from hxsim import jobs

    spec = jobs.ClusterSpec.from_args(args)
    if spec.cluster is not None and spec.config is not None:
        jobs.load_cluster_config(spec.config, spec.cluster)
    return spec


@contextlib.contextmanager
def open_jobs(spec: Any) -> Iterator[Any]:
    """``hxsim.jobs.open_cluster`` with a scheduler that cannot be reached reported as bad input
    (``UsageError``, exit 2) instead of a traceback."""
    from hxsim import jobs

    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(jobs.open_cluster(spec))
        except OSError as exc:  # --scheduler: cannot connect
            raise UsageError(str(exc)) from None
        yield client


def chip_params(args: argparse.Namespace, default_ideal: bool = False) -> ChipParams:
    """The chip of ``--params`` / ``--ideal`` (or the command's default)."""
    if args.ideal and args.params is not None:
        raise UsageError("--ideal and --params exclude each other")
    if args.ideal:
        return ChipParams.ideal()
    if args.params is not None:
        require_file(args.params, "--params")
        return ChipParams.load(args.params)
    return ChipParams.ideal() if default_ideal else ChipParams()


def chip_instance(args: argparse.Namespace, default_ideal: bool = False) -> ChipInstance:
    """The chip instance of ``--params``/``--ideal``, ``--fixed-seed`` and ``--noise-seed``."""
    return ChipInstance(chip_params(args, default_ideal), args.fixed_seed, args.noise_seed)


def load_calibration(args: argparse.Namespace, chip: ChipInstance | None = None
                     ) -> CalibrationResult | None:
    """The calibration of ``--calibration`` (None when not given), checked against the command:
    ``UsageError`` when the file was measured on another fixed-pattern seed than ``chip``'s
    (the calibration of one chip instance does not fit another). Every device kind applies the
    file's CapMem cells (``regs`` and ``cosim`` write them over AXI)."""
    path = getattr(args, "calibration", None)
    if path is None:
        return None
    require_file(path, "--calibration")
    raw = read_json(path, "--calibration")
    try:
        cal = CalibrationResult.from_dict(raw)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--calibration: {path}: {exc}") from exc
    # Every file hxsim calibrate writes records the chip instance it was measured on; without it
    # the fixed-seed check below could not be made, so the field is required (any version).
    recorded = raw.get("chip").get("fixed_seed") if isinstance(raw.get("chip"), dict) else None
    if not isinstance(raw.get("chip"), dict) or "fixed_seed" not in raw["chip"]:
        raise UsageError(f"--calibration: {path}: field 'chip.fixed_seed' missing (expected an "
                         "object \"chip\" with an integer \"fixed_seed\", as hxsim calibrate "
                         "writes)")
    if isinstance(recorded, bool) or not isinstance(recorded, int):
        raise UsageError(f"--calibration: {path}: field 'chip.fixed_seed': expected an integer, "
                         f"got {type(recorded).__name__} {recorded!r}")
    if chip is not None and recorded != chip.fixed_seed:
        raise UsageError(f"--calibration: {path} was measured on fixed_seed {recorded}, the chip "
                         f"is fixed_seed {chip.fixed_seed} (give --fixed-seed {recorded}, or "
                         "calibrate this chip instance)")
    return cal


def calibration_metadata(args: argparse.Namespace, cal: CalibrationResult | None
                         ) -> dict[str, Any]:
    """What an output records about the calibration it ran with."""
    if cal is None:
        return {"calibration": None}
    return {"calibration": {"file": str(args.calibration),
                            "capmem_default": cal.capmem is None or cal.capmem.is_default}}


def seed_metadata(chip: ChipInstance) -> dict[str, Any]:
    return {"fixed_seed": chip.fixed_seed, "noise_seed": chip.noise_seed,
            "chip": chip.params.to_dict()}


def timing(args: argparse.Namespace) -> Timing:
    return Timing(num_sends=args.num_sends, event_wait=args.event_wait)


def wants_progress(args: argparse.Namespace) -> bool:
    return progress_enabled(args.progress)


class Run:
    """One device run of a command: opens ``--device`` on ``chip``, starts it (the co-simulation
    builds and starts its simulator, with a status line), gives a device that advances a bar of
    ``total`` VMMs (and runs with ``calibration``'s configuration when one is given), and on
    ``finish`` closes it and prints the wall time and its statistics."""

    def __init__(self, command: str, args: argparse.Namespace, chip: ChipInstance,
                 total: int | None, calibration: CalibrationResult | None = None) -> None:
        self.command = command
        self.kind = str(args.device)
        self.t0 = time.perf_counter()
        self.inner = open_device(self.kind, chip, args.simulator)
        self.calibration = calibration
        self.progress = wants_progress(args)
        self.bar: Any = None
        self.total = total
        self.device: VmmDevice = self.inner

    def start(self, label: str | None = None) -> VmmDevice:
        """Start the device and open the bar; returns the device to run VMMs on (with the
        calibration's configuration where the caller gives none: ``CalibratedDevice``)."""
        start_device(self.inner, self.progress)
        self.bar = bar(label or self.command, self.total, "VMM", self.progress)
        dev: VmmDevice = self.inner
        if self.calibration is not None:
            dev = CalibratedDevice(dev, self.calibration)
        self.device = ProgressDevice(dev, self.bar, CHUNK.get(self.kind, 16))
        return self.device

    def finish(self) -> dict[str, Any]:
        """Close the bar and the device; print the wall time and the device's statistics and
        return them for the output's metadata."""
        if self.bar is not None:
            self.bar.close()
        stats = close_device(self.inner)
        wall = time.perf_counter() - self.t0
        print(f"hxsim {self.command}: wall time {wall:.1f} s on device "
              f"{self.inner.name}" + (f" ({stats})" if stats else ""))
        return {"wall_time_s": round(wall, 2), **({"backend_stats": stats} if stats else {})}


#: Attribute of the parsed namespace holding the destinations given on the command line
#: (``hxsim.cli.main`` sets it; options left at their default are not in it).
EXPLICIT = "explicit_options"


def given(args: argparse.Namespace) -> set[str]:
    """The destinations of the options given on the command line."""
    return set(getattr(args, EXPLICIT, ()))


def option_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def refuse_together(args: argparse.Namespace, dest: str, others: Sequence[str],
                    why: str) -> None:
    """``UsageError`` when option ``dest`` is given together with any of ``others``."""
    have = given(args)
    if dest not in have:
        return
    clash = [option_name(o) for o in others if o in have]
    if clash:
        raise UsageError(f"{option_name(dest) if dest != 'source' else '--from'} and "
                         f"{', '.join(clash)} exclude each other ({why})")


@contextlib.contextmanager
def as_options(**names: str) -> Iterator[None]:
    """Inside the block, a ``ValueError`` whose message starts with a library argument's name
    (``count: ...``) is reported with the option's name instead (``as_options(count="--vmms")``
    gives ``--vmms: ...``)."""
    try:
        yield
    except ValueError as exc:
        text = str(exc)
        for internal, option in names.items():
            if text.startswith(internal + ":"):
                raise UsageError(option + text[len(internal):]) from exc
        raise


def echo(msg: str) -> None:
    print(msg, flush=True)
