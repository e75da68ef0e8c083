"""Behavioural model of the analog array: synapse drivers, synapses, membranes and the CADC.

One ``ChipInstance`` is one hemisphere with its own fixed pattern (drawn from ``fixed_seed``) and
its own stream of trial-to-trial noise (drawn from ``noise_seed``). It offers two entry points onto
the same physics:

* ``event_session``: event level, for the co-simulation bridge. The RTL's events (cycle, driver,
  5-bit code) and the weights its SRAM holds go in; CADC crossing codes come out per conversion.
* ``vmm`` / ``vmm_detail``: the vectorized fast path for a batch of input vectors.

Both share every formula (the helpers below) and one noise stream: a VMM draws 256 standard
normals for its baseline conversion, then 256 for its result conversion; the fast path draws the
same numbers for a whole batch in one call. The weighted sum is done in fixed point held in float64
(drives and weights on a 2**-12 grid, sums below 2**53), so it is exact whatever order BLAS sums in.
Same seeds and the same sequence of VMMs therefore give bit-identical results on either path and on
any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hxsim.checks import int_array
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX, post
from hxsim.noise import NORMAL_TABLE, uniform16
from hxsim.params import ChipParams
from hxsim.timing import CLOCK_PERIOD_NS, Timing
from hxsim.types import F64, I64

#: Fixed-point grid of drives and effective weights (2**-12 of one unit).
_FIX = 4096.0
#: Inverse scale of a product of two fixed-point numbers.
_UNFIX = 1.0 / (_FIX * _FIX)
#: Largest magnitude float64 holds exactly.
_EXACT = float(2**53)
#: One clock cycle in microseconds.
CYCLE_US = CLOCK_PERIOD_NS * 1e-3
#: DAC-offset register value at which the offset adds nothing (mid-scale, reset value).
DAC_OFFSET_NOMINAL = 32
DAC_OFFSET_MAX = 63
#: Physical synapse rows (two per driver) and columns.
PHYS_ROWS = 2 * TILE_ROWS


@dataclass(frozen=True)
class FixedPattern:
    """Per-instance mismatch draws (each array already zero where its effect is switched off).

    Attributes:
        driver_gain: relative pulse-width gain deviation per driver, shape (128,).
        driver_offset_x: pulse-width offset per driver in input units, shape (128,).
        column_gain: relative gain deviation per column, shape (256,).
        synapse_exc, synapse_inh: relative amplitude deviation per synapse, shape (128, 256), for
            the excitatory (physical row 2i+1) and inhibitory (row 2i) synapse of logical row i.
        baseline_lsb: reset potential per column in CADC LSB, shape (256,).
        adc_offset_lsb: comparator offset per column in CADC LSB, shape (256,).
        column_offset_lsb: systematic result offset per column in CADC LSB, shape (256,).
        leak_lsb_per_us: drift rate per column (leak off: residual currents), shape (256,).
    """

    driver_gain: F64
    driver_offset_x: F64
    column_gain: F64
    synapse_exc: F64
    synapse_inh: F64
    baseline_lsb: F64
    adc_offset_lsb: F64
    column_offset_lsb: F64
    leak_lsb_per_us: F64

    @classmethod
    def draw(cls, params: ChipParams, seed: int) -> FixedPattern:
        """Draw every mismatch in a fixed order (all are drawn even when switched off, so that
        switching one effect leaves the others' values unchanged)."""
        rng = np.random.Generator(np.random.PCG64(seed))
        p = params

        def n(shape: int | tuple[int, int], std: float, on: bool) -> F64:
            z = rng.standard_normal(shape)
            return z * std if on else np.zeros(shape)

        return cls(
            driver_gain=n(TILE_ROWS, p.driver_gain_std, p.enable_driver_mismatch),
            driver_offset_x=n(TILE_ROWS, p.driver_offset_std_x, p.enable_driver_mismatch),
            column_gain=n(TILE_COLS, p.column_gain_std, p.enable_column_gain_mismatch),
            synapse_exc=n((TILE_ROWS, TILE_COLS), p.synapse_std, p.enable_synapse_mismatch),
            synapse_inh=n((TILE_ROWS, TILE_COLS), p.synapse_std, p.enable_synapse_mismatch),
            baseline_lsb=p.baseline_mean_lsb
            + n(TILE_COLS, p.baseline_std_lsb, p.enable_baseline_spread),
            adc_offset_lsb=n(TILE_COLS, p.adc_offset_std_lsb, p.enable_adc_offsets),
            column_offset_lsb=n(TILE_COLS, p.column_offset_std_lsb, p.enable_column_offsets),
            leak_lsb_per_us=n(TILE_COLS, p.leak_std_lsb_per_us, p.enable_leak),
        )


def split_weights(w: object) -> tuple[I64, I64]:
    """Signed logical weights ``w[128, 256]`` -> (inhibitory, excitatory) magnitudes."""
    wa = int_array(w, "w", -W_MAX, W_MAX, shape=(TILE_ROWS, TILE_COLS))
    return np.maximum(-wa, 0), np.maximum(wa, 0)


def weights_to_physical(w: object) -> npt.NDArray[np.uint8]:
    """Signed logical weights ``w[128, 256]`` -> the synapse SRAM image ``[256, 256]`` (row 2i
    inhibitory, row 2i+1 excitatory, 6-bit magnitudes), as the RTL stores them."""
    inh, exc = split_weights(w)
    phys = np.empty((PHYS_ROWS, TILE_COLS), dtype=np.uint8)
    phys[0::2] = inh
    phys[1::2] = exc
    return phys


def tiled_matmul(tile_vmm: Callable[[I64, I64], npt.NDArray[np.integer]], x: I64, w: I64
                 ) -> npt.NDArray[np.int8]:
    """``x[B, K]`` times ``w[K, N]`` as hxtorch/grenade split it onto the chip: 128-row x 256-column
    tiles (zero-padded), column tiles outer and row tiles inner, each run as one batched
    ``tile_vmm(x_tile[B, 128], w_tile[128, 256]) -> int8 values [B, 256]`` (any integer dtype;
    ``hxsim.device.device_matmul`` runs the tiles on a device); the row tiles' int8 results are
    added digitally and the sum saturated to -128..127 once at the end (as hxtorch's mock and the
    golden reference). Arguments are assumed checked by the caller."""
    b, k = x.shape
    if w.shape[0] != k:
        raise ValueError(f"x: last dimension {k} does not match w's rows {w.shape[0]}")
    n = w.shape[1]
    out = np.zeros((b, n), dtype=np.int8)
    xt = np.zeros((b, TILE_ROWS), dtype=np.int64)
    for c0 in range(0, n, TILE_COLS):
        cols = min(TILE_COLS, n - c0)
        acc = np.zeros((b, cols), dtype=np.int64)
        for r0 in range(0, k, TILE_ROWS):
            rows = min(TILE_ROWS, k - r0)
            wt = np.zeros((TILE_ROWS, TILE_COLS), dtype=np.int64)
            wt[:rows, :cols] = w[r0:r0 + rows, c0:c0 + cols]
            xt[:, :rows] = x[:, r0:r0 + rows]
            xt[:, rows:] = 0
            acc += tile_vmm(xt, wt)[:, :cols]
        out[:, c0:c0 + cols] = np.clip(acc, INT8_MIN, INT8_MAX)
    return out


class ChipInstance:
    """One simulated hemisphere: fixed pattern from ``fixed_seed``, trial noise from ``noise_seed``.

    Assumes VMMs are issued one after another (the noise stream advances with every conversion);
    call ``reseed_noise`` to replay a sequence.
    """

    def __init__(self, params: ChipParams | None = None, fixed_seed: int = 0,
                 noise_seed: int = 1) -> None:
        for name, seed in (("fixed_seed", fixed_seed), ("noise_seed", noise_seed)):
            if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
                raise ValueError(f"{name}: expected a non-negative integer, got {seed!r}")
        self.params = params if params is not None else ChipParams()
        self.fixed_seed = int(fixed_seed)
        self.noise_seed = int(noise_seed)
        self.pattern = FixedPattern.draw(self.params, self.fixed_seed)
        self._rng = np.random.Generator(np.random.PCG64(self.noise_seed))
        p, fp = self.params, self.pattern
        # Baseline split into an integer and a fractional part, so that the ideal model's codes are
        # exactly 128 + floor(signal) (see _adc_code).
        self._baseline_int = np.floor(fp.baseline_lsb)
        self._static = (fp.baseline_lsb - self._baseline_int) + fp.adc_offset_lsb
        # Per-column scale from the fixed-point charge to LSB (exactly gain * 2**-24 when ideal).
        self._col_scale = (p.gain * _UNFIX) * (1.0 + fp.column_gain)
        self._static_result = self._static + fp.column_offset_lsb
        # Baseline-read noise: the quantile table pre-scaled by its (constant) sigma.
        self._table_baseline = NORMAL_TABLE * self._sigma(None)
        if p.enable_adc_compression:
            # The compressive ADC works on absolute voltages: add the integer baseline together
            # with the static terms (one pass less); without compression it is added after the
            # floor, which keeps the ideal model exact.
            self._static = self._static + self._baseline_int
            self._static_result = self._static_result + self._baseline_int
        # A baseline read with nothing integrated stays within these bounds (noise table extremes;
        # the margin covers the rounding of the sum): then the ADC needs no range scan.
        noise_max = float(np.abs(self._table_baseline).max()) + 1e-6
        self._baseline_linear = (
            float(self._static.min()) - noise_max > p.adc_linear_lo_lsb
            and float(self._static.max()) + noise_max < p.adc_linear_hi_lsb)
        self._order_rate = CYCLE_US / p.order_tau_us if p.enable_order_effect else 0.0
        self._dac_step = p.dac_offset_step_x if p.enable_dac_offsets else 0.0

    def __repr__(self) -> str:
        return (f"ChipInstance(fixed_seed={self.fixed_seed}, noise_seed={self.noise_seed}, "
                f"ideal={self.params == ChipParams.ideal(self.params.gain)})")

    def reseed_noise(self, noise_seed: int | None = None) -> None:
        """Restart the trial-noise stream (from ``noise_seed`` or the instance's own seed)."""
        if noise_seed is not None:
            self.noise_seed = int(noise_seed)
        self._rng = np.random.Generator(np.random.PCG64(self.noise_seed))

    @property
    def noise_state(self) -> dict[str, Any]:
        """Position in the trial-noise stream (a JSON-serializable PCG64 state). Setting it moves
        the stream there, so a sequence of VMMs split across processes (e.g. several simulator
        runs) draws exactly the noise one process would."""
        return dict(self._rng.bit_generator.state)

    @noise_state.setter
    def noise_state(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
            raise ValueError("noise_state: expected a PCG64 state dict "
                             "(from ChipInstance.noise_state)")
        self._rng.bit_generator.state = state

    # ---- shared physics -------------------------------------------------------------------
    def _pulse_table(self, dac_offsets: I64) -> F64:
        """Pulse width in input units ``[32, 128]`` for input ``x`` (row) on driver ``i`` (column);
        row 0 (no event) is zero. Both paths look pulses up here."""
        fp = self.pattern
        x = np.arange(32, dtype=np.float64)[:, None]
        shift = fp.driver_offset_x + self._dac_step * (dac_offsets - DAC_OFFSET_NOMINAL)
        width = np.maximum((x + shift) * (1.0 + fp.driver_gain), 0.0)
        width[0] = 0.0
        return width

    def _order_factor(self, dt_cycles: npt.NDArray[np.integer]) -> F64 | None:
        """Weight of an event ``dt_cycles`` before the conversion (first-order decay), or None
        when the order effect is off (weight exactly 1)."""
        if self._order_rate == 0.0:
            return None
        return np.maximum(1.0 - dt_cycles * self._order_rate, 0.0)

    def _effective_weights(self, inh: I64, exc: I64) -> F64:
        """Fixed-point effective weights ``[128, 256]`` (float64 holding integers)."""
        fp = self.pattern
        return (np.rint(exc * (1.0 + fp.synapse_exc) * _FIX)
                - np.rint(inh * (1.0 + fp.synapse_inh) * _FIX))

    def _signal(self, drive: F64, w_fix: F64) -> F64:
        """Integrated charge in CADC LSB ``[B, 256]`` for drives ``[B, 128]`` (a new array)."""
        a_fix = np.rint(drive * _FIX)
        bound = float(a_fix.max(initial=0.0)) * float(np.abs(w_fix).sum(axis=0).max())
        if bound >= _EXACT:
            raise ValueError("ChipParams: mismatch parameters so large that the weighted sum "
                             "leaves float64's exact range; reduce driver_gain_std/synapse_std")
        charge = a_fix @ w_fix
        # (gain * 2**-24) * charge rounds exactly like gain * (charge * 2**-24): power-of-2 scaling.
        charge *= self._col_scale
        return charge

    def _sigma(self, dt_cycles: I64 | None) -> F64:
        """Noise std of a conversion: baseline (``dt_cycles`` None) or a read ``dt`` after it."""
        p = self.params
        read = p.read_noise_lsb if p.enable_read_noise else 0.0
        if dt_cycles is None:
            return np.asarray(read, dtype=np.float64)
        mem = p.membrane_noise_lsb if p.enable_membrane_noise else 0.0
        drift = p.drift_lsb_per_sqrt_us if p.enable_drift else 0.0
        var = (mem * mem + read * read) + (drift * drift) * (dt_cycles * CYCLE_US)
        return np.sqrt(var)

    def _adc_code(self, v: F64, within_linear: bool = False) -> npt.NDArray[np.uint8]:
        """CADC codes for membrane voltages ``baseline_int + v`` (floor of the ramp crossing).

        Overwrites ``v`` (any shape ending in 256). Without compression the code is
        ``baseline_int + floor(v)`` (exact: the ideal model equals the golden reference bit for
        bit). With compression, ``v`` already includes ``baseline_int`` (see ``__init__``) and
        voltages beyond the reliable range are compressed towards the rails: ``hi + d*k/(k+d)``
        above ``hi`` with ``k = 255 - hi``, mirrored below ``lo``; the float-to-uint8 cast of the
        clipped value truncates, which equals floor for the clipped range. ``within_linear``: the
        caller knows every voltage lies in the linear range (skips the range scans)."""
        p = self.params
        if p.enable_adc_compression and not within_linear:
            lo, hi = p.adc_linear_lo_lsb, p.adc_linear_hi_lsb
            if v.max(initial=-np.inf) > hi:
                m = v > hi
                d = v[m] - hi
                v[m] = hi + d * (255.0 - hi) / ((255.0 - hi) + d)
            if v.min(initial=np.inf) < lo:
                m = v < lo
                d = lo - v[m]
                v[m] = lo - d * lo / (lo + d)
        elif not p.enable_adc_compression:
            np.floor(v, out=v)
            v += self._baseline_int
        out = np.empty(v.shape, dtype=np.uint8)
        np.clip(v, 0.0, 255.0, out=out, casting="unsafe")
        return out

    def _conversion(self, signal: F64 | None, dt_cycles: I64 | None,
                    u: npt.NDArray[np.uint16] | None) -> npt.NDArray[np.uint8]:
        """Codes ``[B, 256]`` of one conversion, shared by both paths: the baseline read
        (``dt_cycles`` None) or a read ``dt_cycles[B, 1]`` after it. ``signal``: integrated
        charge in LSB (None: nothing integrated; overwritten otherwise); ``u``: 16-bit noise
        draws ``[B, 256]`` (None: noise off). The sum is ``((z*sigma + signal) + static) + leak``
        with ``z = NORMAL_TABLE[u]`` (the baseline's ``z*sigma`` comes from a pre-scaled table)."""
        fp = self.pattern
        if u is not None:
            if dt_cycles is None:
                r = np.take(self._table_baseline, u)
            else:
                r = np.take(NORMAL_TABLE, u)
                r *= self._sigma(dt_cycles)
            if signal is not None:
                r += signal
        elif signal is None:
            r = np.zeros(((1 if dt_cycles is None else dt_cycles.shape[0]), TILE_COLS))
        else:
            r = signal
        r += self._static if dt_cycles is None else self._static_result
        if dt_cycles is not None and self.params.enable_leak:
            r += np.multiply.outer((dt_cycles * CYCLE_US).reshape(-1), fp.leak_lsb_per_us)
        return self._adc_code(r, within_linear=signal is None and self._baseline_linear)

    # ---- fast path ---------------------------------------------------------------------------
    def vmm_detail(self, x: object, w: object, timing: Timing | None = None,
                   dac_offsets: object = None, column_offsets: object = None
                   ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.int8]]:
        """Fast path for a batch: returns (baseline codes, result codes, y), each ``[B, 256]``.

        Args:
            x: inputs ``[B, 128]`` (or ``[128]``), integers 0..31.
            w: signed weights ``[128, 256]``, integers -63..63.
            timing: timing registers (default: ``Timing()``).
            dac_offsets: per-driver DAC offset registers ``[128]``, 0..63 (default 32).
            column_offsets: per-column digital offsets ``[256]``, -128..127 (default 0).
        """
        t = timing if timing is not None else Timing()
        xa = int_array(x, "x", 0, X_MAX, ndim=(1, 2))
        single = xa.ndim == 1
        xb = xa[None, :] if single else xa
        if xb.shape[1] != TILE_ROWS:
            raise ValueError(f"x: expected {TILE_ROWS} inputs per vector, got shape {xa.shape}")
        inh, exc = split_weights(w)
        dac = self._dac(dac_offsets)
        off = self._offsets(column_offsets)
        batch = xb.shape[0]

        table = self._pulse_table(dac).ravel()
        pulses = np.take(table, xb * TILE_ROWS + np.arange(TILE_ROWS))
        nnz = np.count_nonzero(xb, axis=1).reshape(-1, 1)
        n_ev = nnz * t.num_sends
        if self._order_rate == 0.0:
            # Every event weighs 1: the same sum the event path forms, one send at a time.
            drive = pulses
            for _ in range(1, t.num_sends):
                drive = drive + pulses
        else:
            # Event of row i in send s has slot s*nnz + rank; m = n_ev - slot events are sent
            # from it on, so it lies m*event_wait + settle cycles before the result read.
            ms = np.arange(TILE_ROWS * t.num_sends + 1)
            factor = self._order_factor(ms * t.event_wait + t.settle_cycles)
            assert factor is not None  # the order effect is on in this branch
            m_first = n_ev - np.cumsum(xb > 0, axis=1, dtype=np.int64) + 1
            drive = pulses * np.take(factor, m_first)
            for s in range(1, t.num_sends):
                drive = drive + pulses * np.take(factor, m_first - s * nnz)
        signal = self._signal(drive, self._effective_weights(inh, exc))
        dt_read = t.conversion_cycles + n_ev * t.event_wait + t.settle_cycles

        # The baseline conversions of the whole batch, then the result conversions; each VMM
        # draws 256 noise values for its baseline and 256 for its result, as the event path does.
        u_b = u_r = None
        if self.params.any_noise:
            u = uniform16(self._rng, batch * 2 * TILE_COLS).reshape(batch, 2, TILE_COLS)
            u_b, u_r = u[:, 0], u[:, 1]
        cb = self._conversion(None, None, u_b)
        if cb.shape[0] != batch:
            cb = np.repeat(cb, batch, axis=0)
        cr = self._conversion(signal, dt_read, u_r)
        y = post(cr, cb, off.astype(np.int8))
        if single:
            return cb[0], cr[0], y[0]
        return cb, cr, y

    def vmm(self, x: object, w: object, timing: Timing | None = None,
            dac_offsets: object = None, column_offsets: object = None) -> npt.NDArray[np.int8]:
        """Fast path: ``x[B, 128]`` (0..31) times ``w[128, 256]`` (-63..63) -> int8 ``[B, 256]``."""
        return self.vmm_detail(x, w, timing, dac_offsets, column_offsets)[2]

    def matmul(self, x: object, w: object, timing: Timing | None = None) -> npt.NDArray[np.int8]:
        """A VMM of any size on this hemisphere, as hxtorch/grenade split it: 128-row x 256-column
        tiles (zero-padded), each run as one VMM, row tiles added digitally with int8 saturation.
        ``x[..., K]`` (0..31), ``w[K, N]`` (-63..63) -> int8 ``[..., N]``."""
        wa = int_array(w, "w", -W_MAX, W_MAX, ndim=2)
        xa = int_array(x, "x", 0, X_MAX, ndim=(1, 2))
        if xa.shape[-1] != wa.shape[0]:
            raise ValueError(f"x: last dimension {xa.shape[-1]} does not match w's rows "
                             f"{wa.shape[0]}")
        single = xa.ndim == 1
        res = tiled_matmul(lambda xt, wt: self.vmm(xt, wt, timing),
                           xa[None, :] if single else xa, wa)
        return res[0] if single else res

    # ---- event level ---------------------------------------------------------------------------
    def event_session(self, weights_phys: object, dac_offsets: object = None) -> EventSession:
        """An event-level session on the synapse SRAM image ``weights_phys[256, 256]`` (0..63;
        row 2i inhibitory, row 2i+1 excitatory) and DAC offsets ``[128]`` (0..63)."""
        return EventSession(self, weights_phys, self._dac(dac_offsets))

    # ---- argument helpers ----------------------------------------------------------------------
    @staticmethod
    def _dac(dac_offsets: object) -> I64:
        if dac_offsets is None:
            return np.full(TILE_ROWS, DAC_OFFSET_NOMINAL, dtype=np.int64)
        return int_array(dac_offsets, "dac_offsets", 0, DAC_OFFSET_MAX, shape=(TILE_ROWS,))

    @staticmethod
    def _offsets(column_offsets: object) -> I64:
        if column_offsets is None:
            return np.zeros(TILE_COLS, dtype=np.int64)
        return int_array(column_offsets, "column_offsets", INT8_MIN, INT8_MAX, shape=(TILE_COLS,))


class EventSession:
    """Event-level view of the array for one sequence of VMMs (the co-simulation bridge's API).

    Assumes the RTL's order of operations: ``reset(cycle)``, a baseline ``convert``, events, a
    result ``convert``; cycles are clock cycles on any common time base. Every conversion after
    the first since a reset is a result read relative to that first (baseline) one. Events are
    integrated at the next conversion, weighted by their distance to it.
    """

    def __init__(self, chip: ChipInstance, weights_phys: object, dac_offsets: I64) -> None:
        phys = int_array(weights_phys, "weights_phys", 0, W_MAX, shape=(PHYS_ROWS, TILE_COLS))
        self._chip = chip
        self._w_fix = chip._effective_weights(phys[0::2], phys[1::2])
        self._pulse_by_code = self._pulse_table(dac_offsets)
        self._events: list[tuple[I64, I64, I64]] = []
        self._baseline_cycle: int | None = None
        self._reset_done = False

    def _pulse_table(self, dac_offsets: I64) -> F64:
        """Pulse width ``[32 codes, 128 drivers]``: code c carries x = 32 - c (c = 0 is unused)."""
        by_x = self._chip._pulse_table(dac_offsets)
        return by_x[(32 - np.arange(32)) % 32]

    def set_weights(self, weights_phys: object) -> None:
        """Replace the weights (the SRAM image) between VMMs."""
        phys = int_array(weights_phys, "weights_phys", 0, W_MAX, shape=(PHYS_ROWS, TILE_COLS))
        self._w_fix = self._chip._effective_weights(phys[0::2], phys[1::2])

    def set_dac_offsets(self, dac_offsets: object) -> None:
        self._pulse_by_code = self._pulse_table(self._chip._dac(dac_offsets))

    def reset(self, cycle: int) -> None:
        """Membrane reset: forget all integrated charge; the next conversion is the baseline."""
        del cycle  # the reset's time does not enter the model (leak is measured from the baseline)
        self._events.clear()
        self._baseline_cycle = None
        self._reset_done = True

    def apply_events(self, cycles: object, drivers: object, codes: object) -> None:
        """Events on the synapse-driver bus: arrays of equal length (cycle, driver 0..127,
        5-bit code 1..31 = 32 - x)."""
        if not self._reset_done:
            raise ValueError("apply_events: call reset() before the first events")
        c = int_array(cycles, "cycles", 0, 2**62, ndim=1)
        d = int_array(drivers, "drivers", 0, TILE_ROWS - 1, ndim=1)
        k = int_array(codes, "codes", 1, 31, ndim=1)
        if not c.size == d.size == k.size:
            raise ValueError(f"apply_events: cycles, drivers and codes differ in length "
                             f"({c.size}, {d.size}, {k.size})")
        self._events.append((c, d, k))

    def convert(self, cycle: int) -> npt.NDArray[np.uint8]:
        """One CADC conversion starting at ``cycle``: each column's crossing code (0..255)."""
        if not self._reset_done:
            raise ValueError("convert: call reset() before the first conversion")
        chip = self._chip
        signal = None
        if self._events:
            c = np.concatenate([e[0] for e in self._events])
            d = np.concatenate([e[1] for e in self._events])
            k = np.concatenate([e[2] for e in self._events])
            before = c < cycle
            if before.any():
                contrib = self._pulse_by_code[k[before], d[before]]
                factor = chip._order_factor(cycle - c[before])
                if factor is not None:
                    contrib = contrib * factor
                drive = np.zeros((1, TILE_ROWS))
                np.add.at(drive[0], d[before], contrib)
                signal = chip._signal(drive, self._w_fix)
            self._events = [(c[~before], d[~before], k[~before])]
        u = (uniform16(chip._rng, TILE_COLS).reshape(1, TILE_COLS)
             if chip.params.any_noise else None)
        if self._baseline_cycle is None:
            self._baseline_cycle = int(cycle)
            codes = chip._conversion(signal, None, u)
        else:
            dt = np.asarray([[int(cycle) - self._baseline_cycle]], dtype=np.int64)
            codes = chip._conversion(signal, dt, u)
        return codes[0]
