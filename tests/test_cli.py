"""The ``hxsim`` grammar: ``--version``, help texts with defaults, and the shared options (device,
seeds, chip, output, progress) meaning the same in every command. Runs on the model and the
register-level model only (fast); the co-simulation is made unavailable where a test needs it."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from test_nn_data import write_dataset

import hxsim.device
from hxsim import ChipInstance, ChipParams
from hxsim.calibration import CalibrationSettings
from hxsim.cli import build_parser, main
from hxsim.cli.common import (
    DEFAULT_FIXED_SEED,
    DEFAULT_NOISE_SEED,
    DEFAULT_SEED,
    SIMULATORS,
    HelpFormatter,
)
from hxsim.device import DEVICE_KINDS, DeviceUnavailable, ModelDevice
from hxsim.nn.data import synthetic_split
from hxsim.progress import ProgressDevice, bar, progress_enabled, start_device
from hxsim.sweep import MeasureSettings
from hxsim.timing import Timing


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def options(p: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Options by their first long name (``--progress`` for ``--progress/--no-progress``),
    without ``--help``."""
    return {next(o for o in a.option_strings if o.startswith("--")): a for a in p._actions
            if a.option_strings and a.default is not argparse.SUPPRESS}


# ---- version and help ------------------------------------------------------------------------
def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"hxsim {version('hxsim')}"
    # python -m hxsim is the same command line.
    run = subprocess.run([sys.executable, "-m", "hxsim", "--version"], capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == f"hxsim {version('hxsim')}"


@pytest.mark.parametrize(("argv", "line"), [
    (["characterize", "--seed", "3"], "hxsim characterize: error: unrecognized arguments: "
     "--seed 3 (see hxsim characterize --help)"),
    (["twin", "--bogus"], "hxsim twin: error: unrecognized arguments: --bogus "
     "(see hxsim twin --help)"),
])
def test_unknown_option_names_the_command(argv: list[str], line: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [line]


def test_twin_repetitions_checked_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    """--repetitions 1 is refused before anything runs (a spread needs two repetitions)."""
    with pytest.raises(SystemExit) as exc:
        main(["twin", "--repetitions", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hxsim twin: error: argument --repetitions:")
    assert "at least 2" in err[0]


@pytest.mark.parametrize("name", list(commands()))
def test_every_option_has_help_and_default(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    p = commands()[name]
    fmt = HelpFormatter(prog=p.prog)
    for opt, action in options(p).items():
        assert action.help, f"hxsim {name} {opt}: no help text"
        assert "default" in (fmt._get_help_string(action) or ""), \
            f"hxsim {name} {opt}: the help does not state the default"
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for opt in options(p):
        assert opt in text
    assert "(default: None)" not in text


# ---- the shared options ------------------------------------------------------------------------
#: The shared groups each command takes.
GROUPS = {
    "demo": {"device", "seed", "chip-seeds", "progress", "calibration"},
    "characterize": {"device", "chip-seeds", "chip", "output", "progress", "timing",
                     "calibration"},
    "measure": {"device", "seed", "chip-seeds", "chip", "output", "progress", "timing",
                "calibration"},
    "compare": {"chip", "output"},
    "export-vectors": {"seed", "output", "timing"},
    "replay-vectors": {"device", "chip-seeds", "chip", "progress"},
    "calibrate": {"device", "chip-seeds", "chip", "output", "progress", "calibration"},
    "sweep": {"device", "seed", "chip-seeds", "chip", "output", "progress", "timing",
              "calibration", "jobs"},
    "drift": {"seed", "chip-seeds", "chip", "output"},
    "train": {"device", "seed", "chip-seeds", "chip", "output", "progress", "calibration"},
    "infer": {"device", "chip-seeds", "chip", "progress", "calibration", "jobs"},
    "twin": {"device", "seed", "chip-seeds", "chip", "output", "progress", "calibration"},
}
GROUP_OPTIONS = {"device": {"--device", "--simulator"}, "seed": {"--seed"},
                 "chip-seeds": {"--fixed-seed", "--noise-seed"}, "chip": {"--params", "--ideal"},
                 "output": {"--out", "--force"}, "progress": {"--progress"},
                 "timing": {"--num-sends", "--event-wait"}, "calibration": {"--calibration"},
                 "jobs": {"--workers", "--scheduler", "--cluster", "--cluster-config"}}
#: Removed spellings of the old command lines.
OLD = {"--fast", "--backend", "--cosim", "--no-cosim", "--mode", "--no-progress-bar"}


def test_shared_options_are_the_same_everywhere() -> None:
    cmds = commands()
    assert set(cmds) == set(GROUPS)
    for name, p in cmds.items():
        opts = options(p)
        have = {g for g, o in GROUP_OPTIONS.items() if o <= set(opts)}
        assert have == GROUPS[name], name
        assert not OLD & set(opts), name
        if "--device" in opts:
            assert set(opts["--device"].choices or ()) <= set(DEVICE_KINDS)
            assert opts["--device"].default in DEVICE_KINDS
            assert tuple(opts["--simulator"].choices or ()) == SIMULATORS
            assert opts["--simulator"].default == "verilator"
        if "--seed" in opts:
            assert opts["--seed"].default == DEFAULT_SEED
        if "--fixed-seed" in opts and name != "infer":  # infer: the training run's seeds
            assert opts["--fixed-seed"].default == DEFAULT_FIXED_SEED
            assert opts["--noise-seed"].default == DEFAULT_NOISE_SEED
        if "--progress" in opts:
            assert isinstance(opts["--progress"], argparse.BooleanOptionalAction)
            assert opts["--progress"].default is None
        if "--force" in opts:
            assert opts["--force"].default is False and opts["--out"].type is Path
        if "--calibration" in opts:
            assert opts["--calibration"].default is None and opts["--calibration"].type is Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A measured-data file, a vector file, a weights file and a tiny data set."""
    d = tmp_path_factory.mktemp("files")
    f = {"measured": d / "m.npz", "vectors": d / "v.jsonl", "weights": d / "w.pt",
         "data": d / "data"}
    assert main(["measure", "--device", "model", "--out", str(f["measured"]), "--vmms", "4",
                 "--repetitions", "2", "--no-progress"]) == 0
    assert main(["export-vectors", "--out", str(f["vectors"]), "--vmms", "2"]) == 0
    rng = np.random.default_rng(5)
    pytest.importorskip("torch")
    from hxsim.nn.models import NetConfig, mnist_model, save_checkpoint

    save_checkpoint(f["weights"], mnist_model(), NetConfig(), {})
    write_dataset(f["data"], synthetic_split(rng, 20), synthetic_split(rng, 4))
    return f


def base_args(name: str, f: dict[str, Path], out: Path) -> list[str]:
    """A small, valid command line of ``name`` (outputs under ``out``)."""
    small = {
        "demo": ["--columns", "2"],
        "characterize": ["--repetitions", "2", "--levels", "0,7", "--out", str(out / "c")],
        "measure": ["--vmms", "3", "--repetitions", "2", "--out", str(out / "m.npz")],
        "compare": [str(f["measured"]), "--out", str(out / "r"), "--golden-rms-max", "100"],
        "export-vectors": ["--vmms", "2", "--out", str(out / "v.jsonl")],
        "replay-vectors": [str(f["vectors"])],
        "calibrate": ["--driver-repetitions", "1", "--offset-repetitions", "2",
                      "--out", str(out / "cal.json")],
        "sweep": ["syn_i_bias_dac=400:800:2", "--out", str(out / "s")],
        "drift": ["--vmms", "100", "--periods", "never,50", "--out", str(out / "d")],
        "train": ["--data", str(f["data"]), "--float-epochs", "1", "--chip-epochs", "1",
                  "--batch-size", "10", "--out", str(out / "nn")],
        "infer": ["--data", str(f["data"]), "--weights", str(f["weights"])],
        "twin": ["--vectors", "32", "--repetitions", "2", "--out", str(out / "twin.json")],
    }
    return [name, *small[name]]


def with_groups(*groups: str) -> list[str]:
    return [n for n, g in GROUPS.items() if set(groups) <= g]


def one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], err


def cosim_commands() -> list[str]:
    """Commands whose --device offers cosim (sweep takes only devices with CapMem cells)."""
    return [n for n in with_groups("device")
            if "cosim" in (options(commands()[n])["--device"].choices or ())]


@pytest.mark.parametrize("name", cosim_commands())
def test_unavailable_cosim_is_one_line_exit_2(name: str, files: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the testbench package, --device cosim is exit 2 and one line saying so, in every
    command that runs VMMs (train and infer included); nothing is written."""
    monkeypatch.setattr(hxsim.device, "entry_points", lambda group: [])
    assert main([*base_args(name, files, tmp_path), "--device", "cosim", "--no-progress"]) == 2
    one_error_line(capsys.readouterr().err, f"hxsim {name}: error:", "device cosim",
                   "hxtb is not installed")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written in ([], [tmp_path / "nn" / "float.pt"]), written  # train: before the chip


@pytest.mark.parametrize("name", with_groups("device"))
def test_bad_device_and_simulator(name: str, files: dict[str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (["--device", "chip"], ["--simulator", "nosuch"]):
        with pytest.raises(SystemExit) as exc:
            main([*base_args(name, files, tmp_path), *bad])
        assert exc.value.code == 2
        one_error_line(capsys.readouterr().err, f"hxsim {name}: error:", bad[0],
                       f"see hxsim {name} --help")


@pytest.mark.parametrize(("name", "seed"), [
    (n, s) for n in with_groups("seed") for s in ["--seed"]] + [
    (n, s) for n in with_groups("chip-seeds") for s in ["--fixed-seed", "--noise-seed"]])
def test_bad_seed(name: str, seed: str, files: dict[str, Path], tmp_path: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*base_args(name, files, tmp_path), seed, "-1"])
    assert exc.value.code == 2
    one_error_line(capsys.readouterr().err, seed, "expected a non-negative integer, got -1")


@pytest.mark.parametrize("name", with_groups("chip"))
def test_ideal_and_params_exclude_each_other(name: str, files: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    params = tmp_path / "p.json"
    ChipParams().save(params)
    assert main([*base_args(name, files, tmp_path), "--ideal", "--params", str(params)]) == 2
    one_error_line(capsys.readouterr().err, "--ideal and --params exclude each other")
    assert main([*base_args(name, files, tmp_path), "--params", str(tmp_path / "no.json")]) == 2
    one_error_line(capsys.readouterr().err, "--params:", "no.json")


@pytest.mark.parametrize("name", with_groups("output"))
def test_no_overwrite_without_force(name: str, files: dict[str, Path], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = [*base_args(name, files, tmp_path), "--device", "model"] \
        if "device" in GROUPS[name] else base_args(name, files, tmp_path)
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    one_error_line(capsys.readouterr().err, f"hxsim {name}: error:", "exists; use --force")
    assert main([*args, "--force"]) == 0


@pytest.mark.parametrize("name", with_groups("progress"))
def test_progress_bars_count_the_work(name: str, files: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--progress draws tqdm bars on stderr (not a terminal here) counting VMMs or images;
    --no-progress and the default (stderr not a terminal) draw nothing."""
    device = "regs" if name in ("demo", "replay-vectors") else "model"
    args = [*base_args(name, files, tmp_path), "--device", device]
    if "output" in GROUPS[name]:
        args.append("--force")
    cal = CalibrationSettings(driver_repetitions=1, offset_repetitions=2).num_vmms
    total = {"demo": "8/8 [", "characterize": "4/4 [", "measure": "6/6 [",
             "replay-vectors": "", "calibrate": f"{cal}/{cal} [", "train": "20/20 [",
             "infer": "4/4 [", "twin": "", "sweep": f"{3 * MeasureSettings().num_vmms}/"}[name]
    for flag, drawn in (["--progress"], True), (["--no-progress"], False), ([], False):
        assert main([*args, *flag]) in (0, 1)
        err = capsys.readouterr().err
        if drawn and total:
            assert total in err, err
        elif not drawn:
            assert "[" not in err and "it/s" not in err, err


# ---- the progress module -------------------------------------------------------------------
def test_progress_enabled() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_enabled(None, io.StringIO()) is False
    assert progress_enabled(None, Tty()) is True
    assert progress_enabled(True, io.StringIO()) is True
    assert progress_enabled(False, Tty()) is False


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunked_vmms_are_bit_identical(chunk: int) -> None:
    """A batch run in consecutive chunks gives the results of one call, and leaves the noise
    stream at the same place (noisy chip, DAC and column offsets set)."""
    rng = np.random.default_rng(17)
    x = rng.integers(0, 32, size=(50, 128))
    x[rng.random(x.shape) < 0.5] = 0
    w = rng.integers(-63, 64, size=(128, 256))
    dac = rng.integers(20, 50, size=128)
    col = rng.integers(-10, 11, size=256)
    t = Timing(num_sends=2)
    whole_chip = ChipInstance(ChipParams(), 3, 4)
    parts_chip = ChipInstance(ChipParams(), 3, 4)
    whole = ModelDevice(whole_chip).run_vmms(x, w, t, dac, col)
    out = io.StringIO()
    progress = bar("test", 50, "VMM", True, out)
    dev = ProgressDevice(ModelDevice(parts_chip), progress, chunk)
    parts = dev.run_vmms(x, w, t, dac, col)
    progress.close()
    for f in ("baseline", "result", "y", "cycles"):
        np.testing.assert_array_equal(getattr(parts, f), getattr(whole, f))
    assert whole_chip.noise_state == parts_chip.noise_state
    assert dev.vmms == 50 and "50/50" in out.getvalue()
    # ... and the next VMM after both draws the same noise.
    np.testing.assert_array_equal(whole_chip.vmm(x[:1], w), parts_chip.vmm(x[:1], w))


def test_start_device() -> None:
    class Fails:
        name = "cosim (verilator)"

        def start(self) -> None:
            raise RuntimeError("co-simulation (verilator): building tb_top failed (x)")

    class Starts:
        name = "sim"
        started = 0

        def start(self) -> None:
            self.started += 1

    out = io.StringIO()
    with pytest.raises(DeviceUnavailable, match="building tb_top failed"):
        start_device(Fails(), True, out)
    assert "building the simulator (first use ~30 s" in out.getvalue()
    s = Starts()
    out = io.StringIO()
    start_device(s, False, out)
    assert s.started == 1 and out.getvalue() == ""
    assert start_device(ModelDevice(ChipInstance(ChipParams(), 1, 2)), True, out) == 0.0
