"""Backends that run VMMs for the bring-up tools: one protocol, several implementations.

``Backend.run_vmms(x[B,128], w[128,256], timing, dac_offsets, column_offsets) -> VmmBatch`` runs
B VMMs one after another with one weight matrix and returns the baseline and result codes, the
int8 results and the ``CYCLES_LAST`` of each. Implementations:

* ``ModelBackend`` (``--fast``): the model's vectorized fast path on a ``ChipInstance``;
* ``RegisterBackend``: drives a ``RegisterTarget``-like object through register-level programs
  (``hxsim.bringup.program``: AXI writes, vector stores/loads, START, wait for DONE) as one would
  drive a chip. With ``ModelRegisterTarget`` it runs on the model; the co-simulation (and a real
  chip's host interface) plugs in as a target offering ``execute(ops) -> ExecResult``.
* ``cosim_backend``: the RTL co-simulation target from ``tb/`` when it offers the API (see
  ``COSIM_API``); otherwise ``BackendUnavailable`` (no silent fall-back to the model).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hxsim.array import ChipInstance
from hxsim.checks import int_array
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX, vmm_total_cycles
from hxsim.regmap import join_halves
from hxsim.timing import Timing

from . import program as prog

I64 = npt.NDArray[np.int64]

#: Where the co-simulation target is looked up, and what it must offer.
COSIM_API = ("hxtb.api", "CosimTarget")
COSIM_API_DOC = (
    "the co-simulation backend needs tb/ to offer `hxtb.api.CosimTarget(chip: "
    "hxsim.ChipInstance, simulator='verilator')` with `execute(ops: list[dict]) -> result` "
    "running a register-level program (hxsim.bringup.program: axi_write/axi_read/vstore/vload/"
    "wait_done/mark) through the RTL and returning `.reads` (list of (op, value)) and "
    "`.mismatches` (list of str)")


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here (reported with exit code 2)."""


@dataclass(frozen=True)
class VmmBatch:
    """Results of B VMMs: raw codes, int8 results (all ``[B, 256]``) and ``cycles[B]``."""

    baseline: I64
    result: I64
    y: I64
    cycles: I64


class Backend(Protocol):
    name: str

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None) -> VmmBatch: ...


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


class ModelBackend:
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


class RegisterBackend:
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
            raise BackendUnavailable(f"{self.name}: {exc}") from exc
        self.ops_executed += len(ops)
        if res.mismatches:
            self._state.clear()
            raise BackendUnavailable(f"{self.name}: the target refused the program: "
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
            raise BackendUnavailable(f"{self.name}: the target returned incomplete reads "
                                     f"({exc})") from exc
        return VmmBatch(b, r, y, cyc)

    def stats(self) -> str | None:
        """The target's own statistics (the co-simulation's: programs, VMMs, times), if any."""
        fn = getattr(self.target, "stats", None)
        return str(fn()) if callable(fn) else None

    def close(self) -> None:
        """Release the target (ends a co-simulation run); the backend is unusable afterwards."""
        fn = getattr(self.target, "close", None)
        if callable(fn):
            fn()


def close_backend(backend: Backend) -> str | None:
    """Close ``backend`` if it holds a target; returns its statistics line (or None)."""
    stats = getattr(backend, "stats", None)
    line = stats() if callable(stats) else None
    close = getattr(backend, "close", None)
    if callable(close):
        close()
    return line


class DeviceAdapter:
    """A backend seen as a ``ChipInstance``-like device (``vmm_detail``), for calibration."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.vmms = 0

    def vmm_detail(self, x: object, w: object, timing: Timing | None = None,
                   dac_offsets: object = None, column_offsets: object = None
                   ) -> tuple[I64, I64, I64]:
        batch = self.backend.run_vmms(x, w, timing, dac_offsets, column_offsets)
        self.vmms += batch.y.shape[0]
        return batch.baseline, batch.result, batch.y


def cosim_target(chip: ChipInstance, simulator: str = "verilator", **options: Any) -> Any:
    """The co-simulation target from tb/, or ``BackendUnavailable`` saying what is missing.
    ``options`` go to the target (``hxtb.api.CosimTarget``: ``workdir``)."""
    module, attr = COSIM_API
    tb_dir = Path(__file__).resolve().parents[3] / "tb"
    if tb_dir.is_dir() and str(tb_dir) not in sys.path:
        sys.path.insert(0, str(tb_dir))  # the testbench package lives in the repository's tb/
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailable(f"co-simulation backend not available ({exc}); "
                                 f"{COSIM_API_DOC}. Use --fast for the model alone.") from exc
    cls = getattr(mod, attr, None)
    if cls is None:
        raise BackendUnavailable(f"co-simulation backend not available ({module} has no {attr}); "
                                 f"{COSIM_API_DOC}. Use --fast for the model alone.")
    return cls(chip, simulator=simulator, **options)


def make_backend(kind: str, chip: ChipInstance, simulator: str = "verilator") -> Backend:
    """``kind``: ``model`` (fast path), ``regs`` (register-level programs on the model) or
    ``cosim`` (register-level programs through the RTL co-simulation)."""
    if kind == "model":
        return ModelBackend(chip)
    if kind == "regs":
        return RegisterBackend(prog.ModelRegisterTarget(chip), name="model registers")
    if kind == "cosim":
        return RegisterBackend(cosim_target(chip, simulator), name=f"cosim ({simulator})")
    raise ValueError(f"backend: unknown backend {kind!r} (model, regs, cosim)")
