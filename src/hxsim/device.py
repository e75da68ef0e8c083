"""Devices that run VMMs: one protocol (``VmmDevice``), implementations side by side.

``VmmDevice.run_vmms(x[B,128], w[128,256], timing, dac_offsets, column_offsets) -> VmmBatch`` runs
B VMMs one after another with one weight matrix and returns the baseline and result codes, the
int8 results and the ``CYCLES_LAST`` of each. Everything that runs VMMs takes a device: the
bring-up commands, calibration (``hxsim.calibration``), the network stack (``hxsim.nn``; larger
matrices through ``device_matmul``). Implementations (``open_device(kind, chip)``):

* ``model``: the model's vectorized fast path on a ``ChipInstance`` (``ModelDevice``);
* ``golden``: the golden reference (ideal array: baseline code 128, gain 1/500 unless given,
  golden timing; ``GoldenDevice``); the chip's parameters and seeds are not used;
* ``regs``: register-level programs (``hxsim.bringup.program``: AXI writes, vector stores/loads,
  START, wait for DONE) on the register-level model of hx_top (``RegisterDevice`` on
  ``hxsim.regmodel.HxTopRegModel``);
* ``cosim``: the RTL co-simulation, found through the entry point group ``hxsim.devices`` (the
  testbench package registers ``hxtb.session.client:CosimDevice``); ``DeviceUnavailable`` when it
  or the testbench extra is not installed.

CapMem cells (``run_vmms(..., capmem=)``, ``hxsim.capmem.CapMemConfig``; None: the reset values)
are taken by every kind: ``model`` programs them with the tile, ``golden`` checks their type (the
ideal array does not depend on them), ``regs`` and ``cosim`` write them over AXI (only the cells
that differ from what the device last wrote) and run with the cells the registers hold.
``run_with_capmem`` refuses them for a device whose ``run_vmms`` has no ``capmem`` argument.

Batch semantics: the B vectors run in order, so on a ``ChipInstance`` they draw the trial noise
in the same order on every device (fast path, register model, co-simulation).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance, ProgrammedTile, check_inputs, tiled_matmul
from hxsim.bringup.program import ExecResult, Op, VmmProgram
from hxsim.capmem import CapMemConfig
from hxsim.checks import int_array
from hxsim.golden import (
    GOLDEN_GAIN,
    INT8_MAX,
    INT8_MIN,
    TILE_COLS,
    TILE_ROWS,
    W_MAX,
    X_MAX,
    check_gain,
    ideal_codes,
    vmm_total_cycles,
)
from hxsim.regmodel import DAC_RESET, HxTopRegModel
from hxsim.timing import Timing
from hxsim.types import I64

#: Device kinds ``open_device`` knows, in the order the CLI lists them.
DEVICE_KINDS = ("model", "golden", "regs", "cosim")
#: Entry point group through which an installed package offers further devices.
ENTRY_POINT_GROUP = "hxsim.devices"


class DeviceUnavailable(RuntimeError):
    """The requested device cannot run here, or it failed (reported with exit code 2)."""


@dataclass(frozen=True)
class VmmBatch:
    """Results of B VMMs: raw baseline and result codes (0..255), int8 results (-128..127), all
    int64 ``[B, 256]``, and ``cycles[B]`` (``CYCLES_LAST`` of each VMM)."""

    baseline: I64
    result: I64
    y: I64
    cycles: I64


@dataclass(frozen=True)
class VmmArgs:
    """Checked arguments of one ``run_vmms`` batch, defaults filled in: ``x[B, 128]`` (0..31),
    ``w[128, 256]`` (-63..63), ``timing``, ``dac_offsets[128]`` (0..63, default 32) and
    ``column_offsets[256]`` (-128..127, default 0), all int64."""

    x: I64
    w: I64
    timing: Timing
    dac_offsets: I64
    column_offsets: I64

    @property
    def batch(self) -> int:
        return int(self.x.shape[0])


def check_vmm_args(x: object, w: object, timing: Timing | None = None,
                   dac_offsets: object = None, column_offsets: object = None) -> VmmArgs:
    """Check the arguments of ``run_vmms`` and fill in the defaults (``Timing()``, DAC offsets
    32, column offsets 0). Raises ``ValueError`` naming the argument and its allowed range."""
    xa = int_array(x, "x", 0, X_MAX, ndim=2)
    if xa.shape[1] != TILE_ROWS:
        raise ValueError(f"x: expected {TILE_ROWS} inputs per vector, got shape {xa.shape}")
    wa = int_array(w, "w", -W_MAX, W_MAX, shape=(TILE_ROWS, TILE_COLS))
    if timing is not None and not isinstance(timing, Timing):
        raise ValueError(f"timing: expected hxsim.Timing or None, got {type(timing).__name__}")
    da = (np.full(TILE_ROWS, DAC_RESET, dtype=np.int64) if dac_offsets is None
          else int_array(dac_offsets, "dac_offsets", 0, 63, shape=(TILE_ROWS,)))
    ca = (np.zeros(TILE_COLS, dtype=np.int64) if column_offsets is None
          else int_array(column_offsets, "column_offsets", INT8_MIN, INT8_MAX,
                         shape=(TILE_COLS,)))
    return VmmArgs(xa, wa, timing if timing is not None else Timing(), da, ca)


def check_capmem(capmem: object) -> CapMemConfig | None:
    """``capmem`` as given (None or an ``hxsim.capmem.CapMemConfig``); ``ValueError`` otherwise."""
    if capmem is not None and not isinstance(capmem, CapMemConfig):
        raise ValueError(f"capmem: expected an hxsim.capmem.CapMemConfig or None, got "
                         f"{type(capmem).__name__}")
    return capmem


def run_with_capmem(device: VmmDevice, x: object, w: object, timing: Timing | None = None,
                    dac_offsets: object = None, column_offsets: object = None,
                    capmem: CapMemConfig | None = None) -> VmmBatch:
    """``device.run_vmms`` with the CapMem cells ``capmem`` (None: the device's own, as today).
    A device whose ``run_vmms`` takes no ``capmem`` keyword cannot be set:
    ``DeviceUnavailable`` naming it."""
    if capmem is None:
        return device.run_vmms(x, w, timing, dac_offsets, column_offsets)
    check_capmem(capmem)
    try:
        params = inspect.signature(device.run_vmms).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    if "capmem" not in params:
        raise DeviceUnavailable(f"device {device.name}: takes no CapMem settings "
                                "(run_vmms has no capmem argument); use --device model")
    batch: VmmBatch = device.run_vmms(  # type: ignore[call-arg]
        x, w, timing, dac_offsets, column_offsets, capmem=capmem)
    return batch


class VmmDevice(Protocol):
    """Something that runs VMMs: the model, the golden reference, the register-level model of
    hx_top, the RTL co-simulation or a chip.

    ``run_vmms`` runs ``x[B, 128]`` (0..31) against ``w[128, 256]`` (-63..63) with ``timing``
    (default ``Timing()``), DAC offsets ``[128]`` (0..63, default 32) and digital column offsets
    ``[256]`` (-128..127, default 0), the B vectors one after another; it raises ``ValueError``
    for bad arguments and ``DeviceUnavailable`` when the device fails. ``vmms`` counts the VMMs
    run so far. ``close()`` releases what the device holds (idempotent); ``stats()`` is a
    one-line summary of what it did, or None."""

    @property
    def name(self) -> str: ...

    @property
    def vmms(self) -> int: ...

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch: ...

    def close(self) -> None: ...

    def stats(self) -> str | None: ...


class ModelDevice:
    """The model's fast path on ``chip``, shaped like the hardware: a batch's weights, DAC offsets
    and column offsets are programmed once (``ChipInstance.program``) and the tile is kept while
    later batches bring the same contents (compared element by element, so a caller's in-place
    change is seen); then only the inputs are checked and run (``ProgrammedTile.vmm_detail``).
    Results and noise are those of ``chip.vmm_detail`` with the same arguments."""

    name = "model"

    def __init__(self, chip: ChipInstance) -> None:
        self.chip = chip
        self.vmms = 0
        self._tile: ProgrammedTile | None = None

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        """See ``VmmDevice``; ``capmem``: the CapMem cells (None: the defaults), programmed with
        the tile (``ChipInstance.program``)."""
        check_capmem(capmem)
        tile = self._tile
        if (tile is not None and isinstance(x, np.ndarray) and x.ndim == 2
                and (timing is None or isinstance(timing, Timing))
                and tile.matches(w, dac_offsets, column_offsets, capmem)):
            # Configuration unchanged: check only the inputs (the errors of check_vmm_args).
            xa = check_inputs(x)[0]
            t = timing if timing is not None else Timing()
        else:
            a = check_vmm_args(x, w, timing, dac_offsets, column_offsets)
            tile = self._tile = self.chip.program(a.w, a.dac_offsets, a.column_offsets, capmem)
            xa, t = a.x, a.timing
        b, r, y = tile.vmm_detail(xa, t)
        self.vmms += xa.shape[0]
        return VmmBatch(b.astype(np.int64), r.astype(np.int64), y.astype(np.int64),
                        vmm_total_cycles(t, xa))

    def close(self) -> None:
        """Nothing to release."""

    def stats(self) -> str | None:
        return None


class GoldenDevice:
    """The golden reference (``hxsim.golden.ideal_codes``): ideal values at ``gain`` (default
    1/500), baseline code 128, result code 128 + ideal value, ``y = post(result, baseline,
    column_offsets)`` and golden timing. DAC offsets have no effect on the ideal array (they are
    range-checked), nor do CapMem cells (type-checked). Raises ``ValueError`` for a gain outside
    (0, 1]."""

    name = "golden"

    def __init__(self, gain: float = GOLDEN_GAIN) -> None:
        self.gain = check_gain(gain)
        self.vmms = 0

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        check_capmem(capmem)
        a = check_vmm_args(x, w, timing, dac_offsets, column_offsets)
        b, r, y = ideal_codes(a.x, a.w, a.timing.num_sends, a.column_offsets, self.gain)
        self.vmms += a.batch
        return VmmBatch(b, r, y, vmm_total_cycles(a.timing, a.x))

    def close(self) -> None:
        """Nothing to release."""

    def stats(self) -> str | None:
        return None


class RegisterDevice:
    """Runs VMMs as register-level programs (``hxsim.bringup.program.VmmProgram``) on the
    register model of hx_top: configuration (CapMem cells, timing, weights, DAC and digital
    offsets) is written only when it changed since the last batch (CapMem: only the cells that
    differ from what the device last wrote, one AXI write each), then per vector: input store,
    START, DONE, the counter reads and the result, baseline and raw-result loads, decoded by
    position. The VMMs run with the cells the model's registers hold (``HxTopRegModel.capmem``),
    never with the ``capmem`` argument directly.

    ``execute(ops)`` runs any register-level program on the same model (``hxsim replay-vectors``).
    A refused access raises ``DeviceUnavailable`` with the first mismatch."""

    def __init__(self, model: HxTopRegModel, name: str = "model registers") -> None:
        if not isinstance(model, HxTopRegModel):
            raise ValueError(f"model: expected an HxTopRegModel, got {type(model).__name__}")
        self.model = model
        self.name = name
        # the cells the model holds as it is handed over (after reset: the defaults)
        self.program = VmmProgram(capmem=model.capmem)
        self.vmms = 0
        self.ops_executed = 0

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        """See ``VmmDevice``; ``capmem``: the CapMem cells (None: their reset values, as on the
        model device), written over AXI where they differ from what the device last wrote."""
        a = check_vmm_args(x, w, timing, dac_offsets, column_offsets)
        check_capmem(capmem)
        ops = self.program.ops(a.x, a.w, a.timing, a.dac_offsets, a.column_offsets, capmem)
        try:
            res = self.model.execute(ops)
            if res.mismatches:
                raise DeviceUnavailable(f"{self.name}: the target refused the program: "
                                        f"{res.mismatches[0]}")
            b, r, y, cycles = VmmProgram.decode(res, a.batch)
        except ValueError as exc:  # the model could not run or answer the program
            self.program.forget()
            raise DeviceUnavailable(f"{self.name}: {exc}") from exc
        except DeviceUnavailable:
            self.program.forget()
            raise
        self.ops_executed += len(ops)
        self.vmms += a.batch
        return VmmBatch(b, r, y, cycles)

    def execute(self, ops: list[Op], check: bool = True) -> ExecResult:
        """Run a register-level program on the model (see ``HxTopRegModel.execute``); the cached
        configuration is forgotten (the program may change it)."""
        self.program.forget()
        res = self.model.execute(ops, check)
        self.ops_executed += len(ops)
        self.vmms += res.vmms
        return res

    def stats(self) -> str | None:
        return f"{self.vmms} VMMs, {self.ops_executed} register-level operations"

    def close(self) -> None:
        """Nothing to release."""


class DeviceWrapper:
    """Base of a device that wraps another (``inner``): ``name``, ``vmms``, ``close()`` and
    ``stats()`` are the inner device's; a subclass gives its own ``run_vmms``."""

    inner: VmmDevice

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def vmms(self) -> int:
        return self.inner.vmms

    def close(self) -> None:
        self.inner.close()

    def stats(self) -> str | None:
        return self.inner.stats()


@dataclass
class RecordingDevice(DeviceWrapper):
    """Wraps a device and keeps every batch: ``calls`` holds (x, w, timing, VmmBatch) per
    ``run_vmms`` call (for cross-checks and cycle counts). ``vmms`` and ``name`` are the inner
    device's."""

    inner: VmmDevice
    calls: list[tuple[I64, I64, Timing, VmmBatch]] = field(default_factory=list)

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: CapMemConfig | None = None) -> VmmBatch:
        batch = run_with_capmem(self.inner, x, w, timing, dac_offsets, column_offsets, capmem)
        self.calls.append((np.array(x, dtype=np.int64), np.array(w, dtype=np.int64),
                           timing if timing is not None else Timing(), batch))
        return batch


def device_matmul(device: VmmDevice, x: I64, w: I64, timing: Timing | None = None
                  ) -> npt.NDArray[np.int8]:
    """``x[B, K]`` (0..31) times ``w[K, N]`` (-63..63) on ``device`` -> int8 ``[B, N]``: the tiling
    of ``hxsim.array.tiled_matmul`` (128-row x 256-column tiles, column tiles outer, row tiles
    inner, one ``run_vmms`` batch per tile; row tiles added digitally with int8 saturation)."""
    return tiled_matmul(lambda xt, wt: device.run_vmms(xt, wt, timing).y, x, w)


def close_device(device: VmmDevice) -> str | None:
    """Close ``device``; returns its statistics line (or None)."""
    line = device.stats()
    device.close()
    return line


def execute_program(device: VmmDevice, ops: list[Op], check: bool = True) -> ExecResult:
    """Run a raw register-level program on a device that runs them (``regs``, ``cosim``): the
    reads and the mismatches against the ops' expectations. Raises ``DeviceUnavailable`` for a
    device without a register interface (``model``, ``golden``) or when the device fails."""
    run = getattr(device, "execute", None)
    if not callable(run):
        raise DeviceUnavailable(f"device {device.name}: runs no register-level programs "
                                "(use regs or cosim)")
    result: ExecResult = run(ops, check)
    return result


def _cosim_class() -> Any:
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == "cosim"]
    if not found:
        raise DeviceUnavailable("device cosim: the testbench package hxtb is not installed "
                                "(pip install -e '.[dev]'); use --device model")
    try:
        return found[0].load()
    except ImportError as exc:
        raise DeviceUnavailable(f"device cosim: the testbench package cannot be loaded ({exc}); "
                                "use --device model") from exc


def open_device(kind: str, chip: ChipInstance, simulator: str = "verilator",
                **options: Any) -> VmmDevice:
    """A device of ``kind`` (``DEVICE_KINDS``) for ``chip``.

    ``options``: ``gain`` for ``golden``; for ``cosim`` the co-simulation's own keywords (e.g.
    ``workdir``: where the simulator runs and its logs stay). The co-simulation starts on the
    first batch, not here. Raises ``ValueError`` for an unknown kind or option and
    ``DeviceUnavailable`` (one line) when the co-simulation is not installed."""
    if kind not in DEVICE_KINDS:
        raise ValueError(f"device: unknown device {kind!r} (allowed: {', '.join(DEVICE_KINDS)})")
    if kind == "cosim":
        device: VmmDevice = _cosim_class()(chip, simulator=simulator, **options)
        return device
    allowed = {"golden": {"gain"}}.get(kind, set())
    if set(options) - allowed:
        raise ValueError(f"device {kind}: unknown option(s) {', '.join(sorted(options))}")
    if kind == "model":
        return ModelDevice(chip)
    if kind == "golden":
        return GoldenDevice(**options)
    return RegisterDevice(HxTopRegModel(chip), name="model registers")
