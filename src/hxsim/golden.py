"""Golden reference: ideal VMM values and cycle-exact VMM timing. Pure functions, no noise.

Values follow hxtorch's mock mode with noise 0 (SPEC.md section 1; ref/bss2-facts.md section 6):
for every 128-row tile ``c`` of the matrix,
``local_c = clamp(floor(gain * (num_sends * sum_{i in c} x_i * w_ij)), -128, 127)``, and the tiles'
int8 results are added digitally and saturated to -128..127 once more.

Timing follows docs/interfaces.md section 2 (the contract the RTL implements). ``post`` is the POST
phase of that sequence (the single implementation of ``sat_int8(result - baseline + offset)``),
``ideal_codes`` the raw codes and results of the ideal array (golden device, register model,
scoreboard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hxsim.checks import check_int, check_number, int_array
from hxsim.timing import TIMING_RANGES, Timing
from hxsim.types import I8, I64

#: Rows of one hardware tile (synapse drivers, i.e. signed logical rows, per hemisphere).
TILE_ROWS = 128
#: Columns of one hardware tile (neurons / CADC channels per hemisphere).
TILE_COLS = 256
#: Input range (UInt5) and weight range (6-bit magnitude with sign).
X_MAX = 31
W_MAX = 63
INT8_MIN, INT8_MAX = -128, 127
#: Gain of the golden reference in LSB per unit x*w per send (SPEC.md section 1: 1/500).
GOLDEN_GAIN = 0.002
#: Baseline code of the ideal array (mid-scale of the 8-bit CADC).
GOLDEN_BASELINE = 128

PHASES = ("reset", "baseline", "events", "settle", "result", "post")


def check_gain(gain: object) -> float:
    """Gain in LSB per unit x*w per send (hxtorch accepts (0, 1]) as ``float``: a Python or numpy
    number. Raises ``ValueError`` naming ``gain`` (a string such as ``"0.002"`` is refused)."""
    return check_number(gain, "gain", 0.0, 1.0, lo_open=True)


def check_timing_type(timing: object, name: str = "timing") -> Timing:
    """``timing`` if it is a ``hxsim.Timing``; ``TypeError`` naming ``name`` otherwise (e.g. a
    dict: build it with ``Timing(**d)`` or ``Timing.from_dict(d)``)."""
    if not isinstance(timing, Timing):
        hint = " (build it with hxsim.Timing(**d) or Timing.from_dict(d))" \
            if isinstance(timing, dict) else ""
        raise TypeError(f"{name}: expected a hxsim.Timing, got {type(timing).__name__}{hint}")
    return timing


def tile_analog_sum(x: npt.NDArray[np.int64], w: npt.NDArray[np.int64],
                    num_sends: int) -> npt.NDArray[np.float64]:
    """``num_sends * (x @ w)`` for one tile as exact float64 (the charge in units of x*w)."""
    return (num_sends * (x @ w)).astype(np.float64)


def ideal_vmm(x: object, w: object, gain: float | np.floating[Any] = 0.002,
              num_sends: int | np.integer[Any] = 1) -> npt.NDArray[np.int8]:
    """Ideal chip VMM of any size: ``x[..., K]`` (0..31; any number of leading batch dimensions,
    as hxtorch's ``matmul``) times ``w[K, N]`` (-63..63) -> int8 ``[..., N]`` (the same values
    as ``x.reshape(-1, K)``'s rows, reshaped back).

    Rows are split into 128-row tiles (the last may be shorter); each tile is digitized separately
    and the tiles are added with int8 saturation. Columns are independent (256-column tiles only
    concatenate), so they need no split here.

    Raises:
        ValueError: naming the argument: ``x`` or ``w`` not integers in range, ``x`` with no
        dimension or a last dimension other than ``K``, ``gain`` not a number in (0, 1],
        ``num_sends`` not an integer 1..63 (Python or numpy numbers are accepted).
    """
    g = check_gain(gain)
    n = check_int(num_sends, "num_sends", *TIMING_RANGES["num_sends"])
    wa = int_array(w, "w", -W_MAX, W_MAX, ndim=2)
    xa = int_array(x, "x", 0, X_MAX)
    if xa.ndim == 0:
        raise ValueError(f"x: expected shape [..., {wa.shape[0]}] (a vector or a batch), got a "
                         "scalar")
    if xa.shape[-1] != wa.shape[0]:
        raise ValueError(f"x: last dimension {xa.shape[-1]} does not match w's rows {wa.shape[0]}")
    total = np.zeros(xa.shape[:-1] + (wa.shape[1],), dtype=np.int64)
    for r0 in range(0, wa.shape[0], TILE_ROWS):
        charge = tile_analog_sum(xa[..., r0:r0 + TILE_ROWS], wa[r0:r0 + TILE_ROWS], n)
        local = np.clip(np.floor(g * charge), INT8_MIN, INT8_MAX)
        total += local.astype(np.int64)
    return np.clip(total, INT8_MIN, INT8_MAX).astype(np.int8)


_I16_INT8_MIN, _I16_INT8_MAX = np.int16(INT8_MIN), np.int16(INT8_MAX)
_U8, _I8 = np.dtype(np.uint8), np.dtype(np.int8)


def post(result_codes: object, baseline_codes: object, column_offsets: object = None) -> I8:
    """The POST phase of a VMM: ``y_j = sat_int8(result_j - baseline_j + offset_j)``.

    Source: docs/interfaces.md section 2, phase 6 (what hx_top registers into its result buffer;
    the digital column offsets are the int8 registers at vector address 0x250). This is the one
    implementation of the step: the model's fast path, the golden reference, the register model
    and the scoreboard's predictor all call it.

    Args:
        result_codes: CADC codes of the result conversion, 0..255, shape ``[..., 256]``.
        baseline_codes: CADC codes of the baseline conversion, 0..255, broadcastable to
            ``result_codes``.
        column_offsets: per-column digital offsets, -128..127, broadcastable (None: 0).

    Returns:
        int8 array of the broadcast shape.

    Raises:
        ValueError: codes outside 0..255 or offsets outside -128..127 (uint8 codes and int8
        offsets are not checked: they cannot be out of range).
    """
    # (dtype identity instead of == np.uint8: the comparison with a type object costs more than
    # the subtraction at batch 1; the uint8/int8 dtypes are singletons)
    r = result_codes if type(result_codes) is np.ndarray else np.asarray(result_codes)
    b = baseline_codes if type(baseline_codes) is np.ndarray else np.asarray(baseline_codes)
    if r.dtype is not _U8:
        r = int_array(r, "result_codes", 0, 255)
    if b.dtype is not _U8:
        b = int_array(b, "baseline_codes", 0, 255)
    diff = np.subtract(r, b, dtype=np.int16)
    if column_offsets is not None:
        off = np.asarray(column_offsets)
        if off.dtype is not _I8:
            off = int_array(off, "column_offsets", INT8_MIN, INT8_MAX)
        diff += off.astype(np.int16)
    # saturation with the ufuncs (np.clip's wrapper costs more than the work at batch 1);
    # int16 bounds keep the arithmetic in int16
    np.maximum(diff, _I16_INT8_MIN, out=diff)
    np.minimum(diff, _I16_INT8_MAX, out=diff)
    return diff.astype(_I8)


def ideal_codes(x: object, w: object, num_sends: int | np.integer[Any] = 1,
                column_offsets: object = None, gain: float | np.floating[Any] = GOLDEN_GAIN
                ) -> tuple[I64, I64, I64]:
    """Raw codes and results of the ideal array (one 128 x 256 tile): baseline code 128, result
    code ``128 + ideal_vmm(x, w, gain, num_sends)``, ``y = post(result, baseline, offsets)``.

    Args:
        x: inputs ``[..., 128]`` (``[128]``, ``[B, 128]`` or more leading dimensions), 0..31.
        w: signed weights ``[128, 256]``, -63..63.
        num_sends: repetitions of the input vector, 1..63.
        column_offsets: digital offsets ``[256]``, -128..127 (None: 0).
        gain: LSB per unit x*w per send, (0, 1].

    Returns:
        (baseline codes, result codes, y), int64, each of shape ``x.shape[:-1] + (256,)``.

    Raises:
        ValueError: an argument outside its range or of the wrong shape.
    """
    g = ideal_vmm(x, int_array(w, "w", -W_MAX, W_MAX, shape=(TILE_ROWS, TILE_COLS)), gain,
                  num_sends)
    r = (g.astype(np.int16) + GOLDEN_BASELINE).astype(np.uint8)
    b = np.full_like(r, GOLDEN_BASELINE)
    if column_offsets is not None:
        column_offsets = int_array(column_offsets, "column_offsets", INT8_MIN, INT8_MAX,
                                   shape=(TILE_COLS,))
    y = post(r, b, column_offsets)
    return b.astype(np.int64), r.astype(np.int64), y.astype(np.int64)


@dataclass(frozen=True)
class VmmTiming:
    """Cycle-exact schedule of one VMM (cycle 0 = first cycle of the RESET phase).

    Attributes:
        phase_start: cycle at which each phase of ``PHASES`` begins.
        phase_length: length of each phase in cycles.
        event_cycles: cycle of each event, in emission order.
        event_drivers: driver (logical row) of each event.
        event_codes: 5-bit code on the wire of each event (``32 - x``).
        total_cycles: cycles of the whole VMM; the value of the ``CYCLES_LAST`` counter.
    """

    phase_start: dict[str, int]
    phase_length: dict[str, int]
    event_cycles: npt.NDArray[np.int64]
    event_drivers: npt.NDArray[np.int64]
    event_codes: npt.NDArray[np.int64]
    total_cycles: int

    @property
    def num_events(self) -> int:
        return int(self.event_cycles.size)


def vmm_timing(timing: Timing, x: object) -> VmmTiming:
    """Cycle-exact timing of one VMM with input vector ``x`` (length 128, values 0..31). Raises
    ``TypeError`` for a ``timing`` that is no ``Timing``, ``ValueError`` for a bad ``x``."""
    check_timing_type(timing)
    xa = int_array(x, "x", 0, X_MAX, shape=(TILE_ROWS,))
    conv = timing.conversion_cycles
    rows = np.flatnonzero(xa)
    n_ev = rows.size * timing.num_sends
    lengths = {
        "reset": timing.reset_cycles,
        "baseline": conv,
        "events": n_ev * timing.event_wait,
        "settle": timing.settle_cycles,
        "result": conv,
        "post": 1,
    }
    starts: dict[str, int] = {}
    t = 0
    for p in PHASES:
        starts[p] = t
        t += lengths[p]
    drivers = np.tile(rows, timing.num_sends).astype(np.int64)
    cycles = starts["events"] + np.arange(n_ev, dtype=np.int64) * timing.event_wait
    return VmmTiming(phase_start=starts, phase_length=lengths, event_cycles=cycles,
                     event_drivers=drivers, event_codes=(32 - xa[drivers]).astype(np.int64),
                     total_cycles=t)


def vmm_total_cycles(timing: Timing, x: object) -> npt.NDArray[np.int64]:
    """``CYCLES_LAST`` for each vector of a batch ``x[B, 128]`` (vectorized ``vmm_timing``)."""
    check_timing_type(timing)
    xa = int_array(x, "x", 0, X_MAX, ndim=2)
    n_ev = np.count_nonzero(xa, axis=-1).astype(np.int64) * timing.num_sends
    return (timing.reset_cycles + 2 * timing.conversion_cycles + n_ev * timing.event_wait
            + timing.settle_cycles + 1)
