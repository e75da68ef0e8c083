"""Devices that run VMMs: one protocol (``VmmDevice``), implementations side by side.

``VmmDevice.run_vmms(x[B,128], w[128,256], timing, dac_offsets, column_offsets) -> VmmBatch`` runs
B VMMs one after another with one weight matrix and returns the baseline and result codes, the
int8 results and the ``CYCLES_LAST`` of each. Implementations (``open_device(kind, chip)``):

* ``model``: the model's vectorized fast path on a ``ChipInstance`` (``ModelDevice``);
* ``golden``: the golden reference (ideal array: baseline code 128, gain 1/500, golden timing;
  ``GoldenDevice``); the chip's parameters and seeds are not used;
* ``regs``: register-level programs (``hxsim.bringup.program``: AXI writes, vector stores/loads,
  START, wait for DONE) on the register-level model of hx_top (``RegisterDevice``);
* ``cosim``: the RTL co-simulation, found through the entry point group ``hxsim.devices`` (the
  testbench package ``hxtb`` registers it); ``DeviceUnavailable`` when it is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np

from hxsim.array import ChipInstance
from hxsim.bringup import program as prog
from hxsim.checks import int_array
from hxsim.golden import (
    INT8_MAX,
    INT8_MIN,
    TILE_COLS,
    TILE_ROWS,
    W_MAX,
    X_MAX,
    ideal_vmm,
    vmm_total_cycles,
)
from hxsim.regmap import join_halves
from hxsim.timing import Timing
from hxsim.types import I64

#: Device kinds ``open_device`` knows, in the order the CLI lists them.
DEVICE_KINDS = ("model", "golden", "regs", "cosim")
#: Entry point group through which an installed package offers further devices.
ENTRY_POINT_GROUP = "hxsim.devices"
#: Gain of the golden reference in LSB per unit x*w per send (SPEC.md section 1: 1/500).
GOLDEN_GAIN = 0.002
#: Baseline code of the ideal array (mid-scale of the 8-bit CADC).
GOLDEN_BASELINE = 128


class DeviceUnavailable(RuntimeError):
    """The requested device cannot run here (reported with exit code 2)."""


@dataclass(frozen=True)
class VmmBatch:
    """Results of B VMMs: raw codes, int8 results (all ``[B, 256]``) and ``cycles[B]``."""

    baseline: I64
    result: I64
    y: I64
    cycles: I64


class VmmDevice(Protocol):
    """Something that runs VMMs: the model, the golden reference, the register-level model of
    hx_top, the RTL co-simulation or a chip. ``close()`` releases what it holds (idempotent);
    ``stats()`` is a one-line summary of what it did, or None."""

    name: str

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch: ...

    def close(self) -> None: ...

    def stats(self) -> str | None: ...


def _args(x: object, w: object, dac: object, col: object
          ) -> tuple[I64, I64, I64 | None, I64 | None]:
    xa = int_array(x, "x", 0, X_MAX, ndim=2)
    if xa.shape[1] != TILE_ROWS:
        raise ValueError(f"x: expected {TILE_ROWS} inputs per vector, got shape {xa.shape}")
    wa = int_array(w, "w", -W_MAX, W_MAX, shape=(TILE_ROWS, TILE_COLS))
    da = None if dac is None else int_array(dac, "dac_offsets", 0, 63, shape=(TILE_ROWS,))
    ca = None if col is None else int_array(col, "column_offsets", INT8_MIN, INT8_MAX,
                                            shape=(TILE_COLS,))
    return xa, wa, da, ca


class ModelDevice:
    """The model's fast path (``ChipInstance.vmm_detail``)."""

    name = "model"

    def __init__(self, chip: ChipInstance) -> None:
        self.chip = chip

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch:
        xa, wa, da, ca = _args(x, w, dac_offsets, column_offsets)
        t = timing if timing is not None else Timing()
        b, r, y = self.chip.vmm_detail(xa, wa, t, da, ca)
        return VmmBatch(b.astype(np.int64), r.astype(np.int64), y.astype(np.int64),
                        vmm_total_cycles(t, xa))

    def close(self) -> None:
        """Nothing to release."""

    def stats(self) -> str | None:
        return None


class GoldenDevice:
    """The golden reference: ideal values (``hxsim.golden.ideal_vmm`` at gain 1/500), baseline
    code 128, result code 128 + ideal value, ``y = post(result, baseline, column_offsets)`` and
    golden timing. DAC offsets have no effect on the ideal array (they are range-checked)."""

    name = "golden"

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch:
        xa, wa, _, ca = _args(x, w, dac_offsets, column_offsets)
        t = timing if timing is not None else Timing()
        col = ca if ca is not None else np.zeros(TILE_COLS, dtype=np.int64)
        g = ideal_vmm(xa, wa, GOLDEN_GAIN, t.num_sends).astype(np.int64)
        b = np.full_like(g, GOLDEN_BASELINE)
        r = g + GOLDEN_BASELINE
        y = np.clip(r - b + col, INT8_MIN, INT8_MAX)
        return VmmBatch(b, r, y, vmm_total_cycles(t, xa))

    def close(self) -> None:
        """Nothing to release."""

    def stats(self) -> str | None:
        return None


class RegisterDevice:
    """Runs VMMs through register-level programs on a target with ``execute(ops)``.

    Configuration (timing, weights, DAC and digital offsets) is written only when it changed since
    the last call, as a bring-up script would. The DAC and digital offsets default to their reset
    values (32 and 0)."""

    def __init__(self, target: Any, name: str = "registers") -> None:
        if not callable(getattr(target, "execute", None)):
            raise ValueError("target: expected an object with execute(ops)")
        self.target = target
        self.name = name
        self._state: dict[str, Any] = {}
        self.ops_executed = 0

    def _changed(self, key: str, value: Any) -> bool:
        old = self._state.get(key)
        same = old is not None and (old == value if not isinstance(value, np.ndarray)
                                    else np.array_equal(old, value))
        if not same:
            self._state[key] = value.copy() if isinstance(value, np.ndarray) else value
        return not same

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch:
        xa, wa, da, ca = _args(x, w, dac_offsets, column_offsets)
        t = timing if timing is not None else Timing()
        dac = da if da is not None else np.full(TILE_ROWS, 32, dtype=np.int64)
        col = ca if ca is not None else np.zeros(TILE_COLS, dtype=np.int64)
        ops = prog.setup_ops(wa if self._changed("w", wa) else None,
                             t if self._changed("t", t) else None,
                             dac if self._changed("dac", dac) else None,
                             col if self._changed("col", col) else None)
        for n in range(xa.shape[0]):
            ops += prog.vmm_ops(n, xa[n], t, raw=True)
        try:
            res = self.target.execute(ops)
        except RuntimeError as exc:  # e.g. hxtb.api.CosimError: the simulator run failed
            self._state.clear()
            raise DeviceUnavailable(f"{self.name}: {exc}") from exc
        self.ops_executed += len(ops)
        if res.mismatches:
            self._state.clear()
            raise DeviceUnavailable(f"{self.name}: the target refused the program: "
                                     f"{res.mismatches[0]}")
        b = np.empty((xa.shape[0], TILE_COLS), dtype=np.int64)
        r = np.empty_like(b)
        y = np.empty_like(b)
        cyc = np.empty(xa.shape[0], dtype=np.int64)
        loads: dict[str, list[Any]] = {}
        for op, value in res.reads:
            loads.setdefault(op.get("name", ""), []).append(value)
        try:
            cyc[:] = loads["CYCLES_LAST"]
            for arr, name, signed in ((y, "result", True), (b, "baseline", False),
                                      (r, "raw_result", False)):
                for n, (ev, od) in enumerate(zip(loads[f"{name}[0]"], loads[f"{name}[1]"],
                                                 strict=True)):
                    row = join_halves(ev, od)
                    arr[n] = prog.from_lanes_int8(row) if signed else row
        except (KeyError, ValueError) as exc:
            raise DeviceUnavailable(f"{self.name}: the target returned incomplete reads "
                                     f"({exc})") from exc
        return VmmBatch(b, r, y, cyc)

    def stats(self) -> str | None:
        """The target's own statistics (the co-simulation's: programs, VMMs, times), if any."""
        fn = getattr(self.target, "stats", None)
        return str(fn()) if callable(fn) else None

    def close(self) -> None:
        """Release the target (ends a co-simulation run); the device is unusable afterwards."""
        fn = getattr(self.target, "close", None)
        if callable(fn):
            fn()


def close_device(device: VmmDevice) -> str | None:
    """Close ``device``; returns its statistics line (or None)."""
    line = device.stats()
    device.close()
    return line


class DeviceAdapter:
    """A device seen as a ``ChipInstance``-like device (``vmm_detail``), for calibration."""

    def __init__(self, device: VmmDevice) -> None:
        self.device = device
        self.vmms = 0

    def vmm_detail(self, x: object, w: object, timing: Timing | None = None,
                   dac_offsets: object = None, column_offsets: object = None
                   ) -> tuple[I64, I64, I64]:
        batch = self.device.run_vmms(x, w, timing, dac_offsets, column_offsets)
        self.vmms += batch.y.shape[0]
        return batch.baseline, batch.result, batch.y


def cosim_target(chip: ChipInstance, simulator: str = "verilator", **options: Any) -> Any:
    """The co-simulation register target registered under the entry point ``cosim`` of group
    ``hxsim.devices`` (by the testbench package ``hxtb``), or ``DeviceUnavailable`` saying what
    is missing. ``options`` go to the target (``workdir``)."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == "cosim"]
    if not found:
        raise DeviceUnavailable("device cosim: the testbench package hxtb is not installed "
                                "(pip install -e '.[dev]'); use --device model")
    try:
        cls = found[0].load()
    except ImportError as exc:
        raise DeviceUnavailable(f"device cosim: the testbench package cannot be loaded ({exc}); "
                                "use --device model") from exc
    return cls(chip, simulator=simulator, **options)


def open_device(kind: str, chip: ChipInstance, simulator: str = "verilator") -> VmmDevice:
    """A device of ``kind`` (``DEVICE_KINDS``) for ``chip``; ValueError for an unknown kind,
    ``DeviceUnavailable`` when the co-simulation is not installed."""
    if kind == "model":
        return ModelDevice(chip)
    if kind == "golden":
        return GoldenDevice()
    if kind == "regs":
        return RegisterDevice(prog.ModelRegisterTarget(chip), name="model registers")
    if kind == "cosim":
        return RegisterDevice(cosim_target(chip, simulator), name=f"cosim ({simulator})")
    raise ValueError(f"device: unknown device {kind!r} (allowed: {', '.join(DEVICE_KINDS)})")
