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

The fast path is shaped like the hardware: ``ChipInstance.program(w, dac_offsets, column_offsets)``
writes the configuration once and returns a ``ProgrammedTile`` that holds every term that depends
only on it (effective weights, the column-sum bound, the pulse table, the offsets); per timing the
chip keeps the order weights and the per-event-count noise std and leak. ``tile.vmm(x, timing)``
then only does the per-vector work, in chunks of ``CHUNK_ROWS`` VMMs through work arrays the chip
allocates once, so its speed does not depend on the heap's history. ``chip.vmm(x, w, ...)`` keeps
the last programmed tile and reuses it while the arguments' contents are unchanged (compared on
every call, element by element or byte for byte, so in-place changes of the caller's arrays are
seen; see ``_SeenWeights``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from hxsim.capmem import COLUMNS_PER_QUADRANT, N_QUADRANTS, CapMemConfig
from hxsim.checks import check_seed, int_array
from hxsim.drift import DriftProcess
from hxsim.golden import (
    INT8_MAX,
    INT8_MIN,
    TILE_COLS,
    TILE_ROWS,
    W_MAX,
    X_MAX,
    check_timing_type,
    post,
)
from hxsim.noise import NORMAL_TABLE, NORMAL_TABLE32, uniform16
from hxsim.oppoint import CellMismatch, OperatingPoint, operating_point
from hxsim.params import ChipParams
from hxsim.timing import CLOCK_PERIOD_NS, Timing
from hxsim.types import F64, I8, I64, U8

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
#: VMMs per chunk of the fast path: a batch runs through the chip's work arrays this many vectors
#: at a time (about 1.2 MB of work arrays, allocated once; the per-chunk temporaries, such as the
#: 64 KiB of raw noise words, stay small).
CHUNK_ROWS = 64
#: Rows per BLAS call of the weighted sum. BLAS runs products this small on the calling thread
#: (OpenBLAS: its small-matrix kernel, below 10**6 multiply-adds; 16 x 128 x 256 = 524,288): a
#: threaded GEMM waits for its worker threads, which on a loaded 2-core machine costs up to tens of
#: milliseconds per call, so larger GEMMs per chunk would make the batch wait that long per chunk.
GEMM_ROWS = 16
#: Rows per block when inputs of another dtype than int64 are checked (bounds the check's
#: temporaries: an int64 copy and the float tests of one block, 4096 x 128 x 8 B = 4 MiB).
_CHECK_ROWS = 4096
#: Entries of the per-chip cache of timing-dependent terms (cleared when full).
_TIMING_CACHE_SIZE = 16
#: Index of input x on driver i in the fast path's pulse table: i * 32 + x.
_DRIVER_BASE = np.arange(TILE_ROWS, dtype=np.intp) * (X_MAX + 1)
_INT64 = np.dtype(np.int64)
_W_SHAPE = (TILE_ROWS, TILE_COLS)


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


@dataclass(frozen=True, eq=False)
class _WeightTerms:
    """Terms that depend only on the weights.

    Attributes:
        w_fix: fixed-point effective weights ``[128, 256]`` (float64 holding integers, 2**-12
            units of one weight step).
        col_bound: largest column sum of ``|w_fix|`` (bounds the fixed-point sum).
    """

    w_fix: F64
    col_bound: float


@dataclass(frozen=True, eq=False)
class _PulseTerms:
    """Terms that depend only on the DAC offsets.

    Attributes:
        fix: the pulse widths of ``ChipInstance._pulse_table`` times 2**12, flattened as
            ``[driver * 32 + x]`` (``[4096]``); scaling by a power of two is exact, so products and
            sums round as the unscaled ones do.
        fix_max: the largest entry of ``fix``.
    """

    fix: F64
    fix_max: float


@dataclass(frozen=True, eq=False)
class _TimingTerms:
    """Terms that depend only on the timing registers (and the chip's parameters).

    Attributes:
        sends: ``num_sends``.
        factor: order weight ``[128 * sends]`` of an event with ``m + 1`` events from it on to
            the last (index m; None: order effect off).
        factor_rev: for a single vector, ``[0, weight(m = L), ..., weight(m = 0)]`` with
            ``L = 128 * sends`` (``[L + 2]``): ``factor[nnz - rank]`` is
            ``factor_rev[L - nnz + rank]``, so a view from ``L - nnz`` on is indexed by ``rank``.
        sigma: noise std of the result read ``[129]`` by the number of non-zero inputs (None:
            no noise).
        sigma_pair: for a single vector, the baseline and result reads' noise std side by side,
            ``[129, 2, 1]`` by the number of non-zero inputs (None: no noise), so that one
            product scales both reads' standard normals.
        dt_us: time from the baseline to the result read in us ``[129]`` by the number of
            non-zero inputs (None: leak off); the leak term is ``dt_us * leak_lsb_per_us``.
        leak: those leak terms ``[129, 256]`` in LSB (None: leak off), for a single vector.
    """

    sends: int
    factor: F64 | None
    factor_rev: F64 | None
    sigma: F64 | None
    sigma_pair: F64 | None
    dt_us: F64 | None
    leak: F64 | None


@dataclass(frozen=True, eq=False)
class _OpTerms:
    """Terms of one CapMem configuration (``hxsim.oppoint``) on this chip, used by both paths
    whenever the configuration is not the default or temporal drift is on (the operating-point
    path; at the defaults without drift the paths above run unchanged).

    Attributes:
        capmem: the configuration; point: its ``OperatingPoint``.
        col_scale: fixed-point charge -> LSB per column ``[256]`` (the chip's times the point's
            relative gain).
        static_base, static_result: absolute membrane voltage of the baseline / result read
            without signal, noise, leak and drift ``[256]`` (default-LSB units).
        lin_lo, lin_hi: linear range of the membrane voltage per column ``[256]`` (the CADC's
            reliable range, narrowed towards the baseline by a weak synaptic-input OTA).
        var_static: result-read noise variance without the drift part ``[256]``.
        drift_var: drift noise variance per us ``[256]`` (scalar broadcast).
        tau_us: membrane time constant ``[256]`` (inf: no leak).
    """

    capmem: CapMemConfig
    point: OperatingPoint
    col_scale: F64
    static_base: F64
    static_result: F64
    lin_lo: F64
    lin_hi: F64
    var_static: F64
    drift_var: float
    tau_us: F64


@dataclass(frozen=True, eq=False)
class _SeenWeights:
    """The weights array a caller last passed to ``ChipInstance.vmm``/``vmm_detail`` for ``tile``,
    as raw bytes in the caller's own dtype (a private copy: at most 128 x 256 x itemsize bytes,
    256 KiB for 8-byte dtypes; one per chip).

    Invariant: ``raw`` read as ``dtype`` in shape ``[128, 256]`` holds exactly the values of
    ``tile.weights``. A later array of the same dtype and shape, C-contiguous, whose bytes equal
    ``raw`` therefore holds the same values, so ``tile.matches`` would accept it: the check is one
    ``memcmp`` of the caller's buffer (no conversion, no temporary), and it sees any in-place change
    because it reads every byte on every call. Anything else (other dtype or byte order, a
    non-contiguous view, a list, equal values in other bytes such as ``-0.0``) takes the
    element-by-element comparison of ``ProgrammedTile.matches``.
    """

    tile: ProgrammedTile
    dtype: np.dtype[Any]
    raw: bytearray

    @staticmethod
    def of(tile: ProgrammedTile, w: object) -> _SeenWeights | None:
        """The record of ``w`` (whose values equal ``tile.weights``), or None when the byte
        comparison cannot apply to it (not a C-contiguous numpy array)."""
        if type(w) is not np.ndarray or not w.flags.c_contiguous:
            return None
        return _SeenWeights(tile, w.dtype, bytearray(w))

    def unchanged(self, tile: ProgrammedTile, w: object) -> bool:
        """True if ``w`` is a C-contiguous array of this dtype and shape ``[128, 256]`` whose
        bytes equal ``raw`` and ``tile`` is this record's tile (then ``tile.matches`` holds for
        ``w``'s weights). False says nothing: compare element by element then."""
        return (self.tile is tile and type(w) is np.ndarray and w.shape == _W_SHAPE
                and w.dtype == self.dtype and w.flags.c_contiguous
                # bytearray compares with any C-contiguous buffer by one memcmp (NotImplemented
                # if the buffer cannot be had; numpy's == would compare element-wise instead)
                and bytearray.__eq__(self.raw, w) is True)


def _same(stored: npt.NDArray[Any], value: object) -> bool:
    """True if ``value`` is an int or float array equal to ``stored`` element by element (then it
    passes the same range checks ``stored`` passed)."""
    if isinstance(value, np.ma.MaskedArray) and np.ma.count_masked(value):
        return False  # program() refuses it, naming the argument
    a = value if type(value) is np.ndarray else np.asarray(value)
    if a.shape != stored.shape or a.dtype.kind not in "iuf":
        return False
    return bool(np.equal(a, stored).all())


def _frozen(a: I64) -> I64:
    """A read-only copy of ``a``."""
    c = np.array(a, dtype=np.int64)
    c.flags.writeable = False
    return c


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
    call ``reseed_noise`` to replay a sequence. ``params`` and ``pattern`` are fixed at
    construction (terms derived from them are cached). Not thread-safe (one noise stream, shared
    work arrays).
    """

    def __init__(self, params: ChipParams | None = None, fixed_seed: int | np.integer[Any] = 0,
                 noise_seed: int | np.integer[Any] = 1) -> None:
        """Raises ``TypeError`` when ``params`` is no ``ChipParams`` (a dict: build it with
        ``ChipParams.from_dict``), ``ValueError`` when a seed is not a non-negative integer
        (``int`` or numpy integer; ``True``, ``1.5``, ``"3"`` are refused)."""
        if params is not None and not isinstance(params, ChipParams):
            hint = " (build it with hxsim.ChipParams(**d) or ChipParams.from_dict(d))" \
                if isinstance(params, dict) else ""
            raise TypeError(f"params: expected a hxsim.ChipParams or None, got "
                            f"{type(params).__name__}{hint}")
        self.fixed_seed = check_seed(fixed_seed, "fixed_seed")
        self.noise_seed = check_seed(noise_seed, "noise_seed")
        self.params = params if params is not None else ChipParams()
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
        self._read_sigma = np.float64(self._sigma(None))
        self._table_baseline = NORMAL_TABLE * self._read_sigma
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
        self._compress = p.enable_adc_compression
        self._adc_lo, self._adc_hi = p.adc_linear_lo_lsb, p.adc_linear_hi_lsb
        # ---- fast-path state: caches of configuration terms and work arrays (never results)
        self._noise = p.any_noise
        # Baseline reads land inside the linear range: code = trunc(noise + static), one pass.
        self._baseline_cast = p.enable_adc_compression and self._baseline_linear
        self._quiet_baseline: U8 | None = None
        self._default_timing = Timing()
        self._tile: ProgrammedTile | None = None
        self._seen: _SeenWeights | None = None  # the caller's weights behind _tile (vmm)
        self._timing_cache: dict[Timing, _TimingTerms] = {}
        self._last_timing: tuple[Timing, _TimingTerms] | None = None
        self._work: _Buffers | None = None
        self._work_views: dict[int, _Buffers] = {}
        # ---- operating point (CapMem) and temporal drift
        self.capmem_mismatch = CellMismatch.draw(p, self.fixed_seed)
        self._op_cache: dict[bytes, _OpTerms] = {}
        #: Temporal drift state (None unless ``enable_temporal_drift``): advances one step per VMM.
        self.drift = (DriftProcess(p, self.fixed_seed, self.noise_seed)
                      if p.enable_temporal_drift else None)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and copied without the fast path's caches and work arrays (views of one
        allocation, which pickling would turn into separate arrays); they are rebuilt on use."""
        state = self.__dict__.copy()
        state.update(_tile=None, _seen=None, _timing_cache={}, _last_timing=None, _work=None,
                     _work_views={})
        return state

    def __repr__(self) -> str:
        return (f"ChipInstance(fixed_seed={self.fixed_seed}, noise_seed={self.noise_seed}, "
                f"ideal={self.params == ChipParams.ideal(self.params.gain)})")

    def reseed_noise(self, noise_seed: int | np.integer[Any] | None = None) -> None:
        """Restart the trial-noise stream (from ``noise_seed`` or the instance's own seed).
        Raises ``ValueError`` when ``noise_seed`` is not a non-negative integer."""
        if noise_seed is not None:
            self.noise_seed = check_seed(noise_seed, "noise_seed")
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
    def _pulse_table(self, dac_offsets: I64, x_map: F64 | None = None) -> F64:
        """Pulse width in input units ``[32, 128]`` for input ``x`` (row) on driver ``i`` (column);
        row 0 (no event) is zero. Both paths look pulses up here. ``x_map[32]``: the effective
        input of each x (the hagen DAC's transfer, ``hxsim.oppoint``; None: x itself)."""
        fp = self.pattern
        x = (np.arange(32, dtype=np.float64) if x_map is None else x_map)[:, None]
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

    def _weight_terms(self, inh: I64, exc: I64) -> _WeightTerms:
        """Effective weights and their column-sum bound for magnitudes ``inh``, ``exc``
        ``[128, 256]`` (0..63)."""
        w_fix = self._effective_weights(inh, exc)
        return _WeightTerms(w_fix, float(np.abs(w_fix).sum(axis=0).max()))

    def _pulse_terms(self, dac_offsets: I64) -> _PulseTerms:
        """Pulse tables for DAC offsets ``[128]`` (0..63)."""
        fix = np.ascontiguousarray((self._pulse_table(dac_offsets) * _FIX).T).reshape(-1)
        return _PulseTerms(fix, float(fix.max()))

    def _signal(self, drive: F64, wt: _WeightTerms) -> F64:
        """Integrated charge in CADC LSB ``[B, 256]`` for drives ``[B, 128]`` (a new array)."""
        a_fix = np.rint(drive * _FIX)
        self._check_exact(float(a_fix.max(initial=0.0)), wt)
        charge = a_fix @ wt.w_fix
        # (gain * 2**-24) * charge rounds exactly like gain * (charge * 2**-24): power-of-2 scaling.
        charge *= self._col_scale
        return charge

    @staticmethod
    def _check_exact(a_max: float, wt: _WeightTerms) -> None:
        """Refuse a weighted sum that could leave float64's exact range (largest fixed-point
        drive ``a_max``)."""
        if a_max * wt.col_bound >= _EXACT:
            raise ValueError("ChipParams: mismatch parameters so large that the weighted sum "
                             "leaves float64's exact range; reduce driver_gain_std/synapse_std")

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

    def _leak(self, dt_cycles: I64) -> F64:
        """Leak term in LSB ``[len(dt), 256]`` of reads ``dt_cycles`` (any shape) after the
        baseline."""
        return np.multiply.outer((dt_cycles * CYCLE_US).reshape(-1), self.pattern.leak_lsb_per_us)

    def _adc_code(self, v: F64, within_linear: bool = False,
                  out: U8 | None = None) -> U8:
        """CADC codes for membrane voltages ``baseline_int + v`` (floor of the ramp crossing).

        Overwrites ``v`` (any shape ending in 256); the codes go to ``out`` (uint8, ``v``'s shape;
        None: a new array). Without compression the code is ``baseline_int + floor(v)`` (exact:
        the ideal model equals the golden reference bit for bit). With compression, ``v`` already
        includes ``baseline_int`` (see ``__init__``) and voltages beyond the reliable range are
        compressed towards the rails: ``hi + d*k/(k+d)`` above ``hi`` with ``k = 255 - hi``,
        mirrored below ``lo``; every compressed voltage lies in 0..255, so the float-to-uint8 cast
        truncates, which equals floor (and equals clipping to 0..255 first). ``within_linear``:
        the caller knows every voltage lies in the linear range (skips the range scans)."""
        if out is None:
            out = np.empty(v.shape, dtype=np.uint8)
        if self._compress:
            if not within_linear and v.size:
                lo, hi = self._adc_lo, self._adc_hi
                if np.maximum.reduce(v, axis=None) > hi:
                    m = v > hi
                    d = v[m] - hi
                    v[m] = hi + d * (255.0 - hi) / ((255.0 - hi) + d)
                if np.minimum.reduce(v, axis=None) < lo:
                    m = v < lo
                    d = lo - v[m]
                    v[m] = lo - d * lo / (lo + d)
            np.copyto(out, v, casting="unsafe")
        else:
            np.floor(v, out=v)
            v += self._baseline_int
            # clip to 0..255 (np.minimum/np.maximum: the ufuncs np.clip ends in, without its
            # four Python-level wrappers; this runs twice per VMM in the co-simulation's bridge)
            np.minimum(v, 255.0, out=v)
            np.maximum(v, 0.0, out=v)
            np.copyto(out, v, casting="unsafe")
        return out

    def _conversion(self, signal: F64 | None, dt_cycles: I64 | None,
                    u: npt.NDArray[np.uint16] | None) -> U8:
        """Codes ``[B, 256]`` of one conversion of the event path: the baseline read
        (``dt_cycles`` None) or a read ``dt_cycles[B, 1]`` after it. ``signal``: integrated
        charge in LSB (None: nothing integrated; overwritten otherwise); ``u``: 16-bit noise
        draws ``[B, 256]`` (None: noise off). The sum is ``((z*sigma + signal) + static) + leak``
        with ``z = NORMAL_TABLE[u]`` (the baseline's ``z*sigma`` comes from a pre-scaled table);
        the fast path (``_run_chunk``) forms the same sum with the same operands."""
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
            r += self._leak(dt_cycles)
        return self._adc_code(r, within_linear=signal is None and self._baseline_linear)

    # ---- operating point (CapMem, drift): one implementation for both paths --------------------
    def _op_terms(self, capmem: CapMemConfig | None) -> _OpTerms | None:
        """The operating-point terms of ``capmem`` (None: default), or None when the default
        paths apply (default CapMem, no temporal drift). Cached per configuration."""
        if capmem is not None and not isinstance(capmem, CapMemConfig):
            raise ValueError(f"capmem: expected an hxsim.capmem.CapMemConfig or None, got "
                             f"{type(capmem).__name__}")
        cfg = capmem if capmem is not None else CapMemConfig.default()
        if self.drift is None and cfg.is_default:
            return None
        key = cfg.key()
        terms = self._op_cache.get(key)
        if terms is not None:
            return terms
        p, fp = self.params, self.pattern
        pt = operating_point(cfg, self.capmem_mismatch)
        base = fp.baseline_lsb + fp.adc_offset_lsb
        lo0, hi0 = p.adc_linear_lo_lsb, p.adc_linear_hi_lsb
        c = pt.ota_range
        lin_lo = np.where(c < 1.0, np.minimum(base, lo0 + (base - lo0) * (1.0 - c)), lo0)
        lin_hi = np.where(c < 1.0, np.maximum(base, hi0 - (hi0 - base) * (1.0 - c)), hi0)
        read = p.read_noise_lsb if p.enable_read_noise else 0.0
        mem = p.membrane_noise_lsb if p.enable_membrane_noise else 0.0
        drift = p.drift_lsb_per_sqrt_us if p.enable_drift else 0.0
        var_static = (mem * mem + read * read) + pt.leak_noise_lsb ** 2
        terms = _OpTerms(cfg, pt, self._col_scale * pt.gain, base,
                         base + fp.column_offset_lsb, lin_lo, lin_hi, var_static,
                         drift * drift, pt.tau_us)
        if len(self._op_cache) >= _TIMING_CACHE_SIZE:
            self._op_cache.clear()
        self._op_cache[key] = terms
        return terms

    def _op_pulse_terms(self, op: _OpTerms, dac_offsets: I64
                        ) -> list[tuple[slice, _PulseTerms]]:
        """Pulse terms per group of quadrants with the same hagen-DAC input map."""
        pt = op.point
        quads = range(N_QUADRANTS) if pt.quadrants_differ else range(1)
        out = []
        for q in quads:
            cols = (slice(q * COLUMNS_PER_QUADRANT, (q + 1) * COLUMNS_PER_QUADRANT)
                    if pt.quadrants_differ else slice(0, TILE_COLS))
            table = self._pulse_table(dac_offsets, pt.x_map[q])
            fix = np.ascontiguousarray((table * _FIX).T).reshape(-1)
            out.append((cols, _PulseTerms(fix, float(fix.max()))))
        return out

    def _op_dt_eff(self, op: _OpTerms, dt_cycles: I64) -> F64:
        """Effective integration time in us ``[n, 256]`` of reads ``dt_cycles[n]`` after the
        baseline: ``dt / (1 + dt / tau)`` (``dt`` where there is no leak)."""
        dt_us = (dt_cycles.reshape(-1, 1) * CYCLE_US).astype(np.float64)
        return np.asarray(dt_us / (1.0 + dt_us / op.tau_us[None, :]), dtype=np.float64)

    def _op_conversion(self, op: _OpTerms, signal: F64 | None, dt_cycles: I64 | None,
                       z: F64 | None, drift_gain: F64 | None, drift_offset: F64 | None
                       ) -> U8:
        """Codes ``[n, 256]`` of one conversion on the operating-point path (both paths call
        it with the same operands): the baseline read (``dt_cycles`` None) or a read
        ``dt_cycles[n]`` after it, ``signal[n, 256]`` in LSB (or None), standard normals
        ``z[n, 256]`` (None: noise off), drift gain ``[n]`` and offsets ``[n, 256]`` (or None).
        The membrane voltage is compressed outside the column's linear range towards 0 and 255,
        then the CADC maps it to codes ``(V - shift) * scale``, floored and clipped to 0..255."""
        p = self.params
        n = (z.shape[0] if z is not None else signal.shape[0] if signal is not None
             else 1 if dt_cycles is None else dt_cycles.shape[0])
        if dt_cycles is None:
            r = (z * self._read_sigma if z is not None else np.zeros((n, TILE_COLS)))
            r = r + op.static_base
        else:
            dt_eff = self._op_dt_eff(op, dt_cycles)
            if z is not None:
                r = z * np.sqrt(op.var_static + op.drift_var * dt_eff)
            else:
                r = np.zeros((n, TILE_COLS))
            if signal is not None:
                r += signal if drift_gain is None else signal * drift_gain[:, None]
            r += op.static_result
            if drift_offset is not None:
                r += drift_offset
            if p.enable_leak:
                r += dt_eff * self.pattern.leak_lsb_per_us
        if p.enable_adc_compression:
            lo = np.broadcast_to(op.lin_lo, r.shape)
            hi = np.broadcast_to(op.lin_hi, r.shape)
            m = r > hi
            if m.any():
                h = hi[m]
                d = r[m] - h
                r[m] = h + d * (255.0 - h) / ((255.0 - h) + d)
            m = r < lo
            if m.any():
                lw = lo[m]
                d = lw - r[m]
                r[m] = lw - d * lw / (lw + d)
        pt = op.point
        r -= pt.adc_shift
        r *= pt.adc_scale
        np.floor(r, out=r)
        out = np.empty(r.shape, dtype=np.uint8)
        np.clip(r, 0.0, 255.0, out=out, casting="unsafe")
        return out

    def _run_chunk_op(self, t: Timing, tt: _TimingTerms, tile: ProgrammedTile, x: I64,
                      b: _Buffers, cb: U8, cr: U8) -> I8:
        """``_run_chunk`` on the operating-point path (non-default CapMem or drift on)."""
        op = tile._op
        assert op is not None and tile._pts is not None
        n = b.n
        charge = np.empty((n, TILE_COLS))
        w_fix = tile._wt.w_fix
        for cols, pt in tile._pts:
            drive, _ = self._drive(tt, pt, x, b)
            wc = w_fix if cols == slice(0, TILE_COLS) else np.ascontiguousarray(w_fix[:, cols])
            for g in range(0, n, GEMM_ROWS):  # small GEMMs on the calling thread (see GEMM_ROWS)
                charge[g:g + GEMM_ROWS, cols] = drive[g:g + GEMM_ROWS] @ wc
        charge *= op.col_scale
        nnz = np.count_nonzero(x, axis=1).astype(np.int64)
        dt = t.conversion_cycles + nnz * (tt.sends * t.event_wait) + t.settle_cycles
        z: F64 | None = None
        if self._noise:
            z = np.take(NORMAL_TABLE, uniform16(self._rng, n * 2 * TILE_COLS)).reshape(
                n, 2, TILE_COLS)
        dg = doff = None
        if self.drift is not None:
            dg, doff = self.drift.step(n)
        cb[...] = self._op_conversion(op, None, None, None if z is None else z[:, 0], None,
                                      None)
        cr[...] = self._op_conversion(op, charge, dt, None if z is None else z[:, 1], dg, doff)
        return post(cr, cb, tile._off8)

    # ---- fast path ---------------------------------------------------------------------------
    def program(self, w: object, dac_offsets: object = None,
                column_offsets: object = None, capmem: CapMemConfig | None = None
                ) -> ProgrammedTile:
        """Program the hemisphere: the weights, DAC offsets and digital column offsets a sequence
        of VMMs runs with (as the chip holds them in its SRAM and registers).

        Args:
            w: signed weights ``[128, 256]``, integers -63..63.
            dac_offsets: per-driver DAC offset registers ``[128]``, 0..63 (None: 32).
            column_offsets: per-column digital offsets ``[256]``, -128..127 (None: 0).
            capmem: the CapMem cells (``hxsim.capmem.CapMemConfig``; None: the defaults, the
                chip's calibrated point). Their terms are cached per configuration.

        Returns:
            A ``ProgrammedTile`` holding copies of the three and every term derived from them
            (later changes of the caller's arrays do not affect it). Its VMMs draw this chip's
            trial noise in call order. Terms of an argument whose content equals the last
            programmed tile's are shared, not recomputed.

        Raises:
            ValueError: an argument outside its range or of the wrong shape (named).
        """
        prev = self._tile
        if prev is not None and _same(prev.weights, w):
            weights, wt = prev.weights, prev._wt
        else:
            inh, exc = split_weights(w)
            weights, wt = _frozen(exc - inh), self._weight_terms(inh, exc)
        if prev is not None and prev._matches_dac(dac_offsets):
            dac, pt = prev.dac_offsets, prev._pt
        else:
            dac = _frozen(self._dac(dac_offsets))
            pt = self._pulse_terms(dac)
        if prev is not None and prev._matches_offsets(column_offsets):
            off = prev.column_offsets
        else:
            off = _frozen(self._offsets(column_offsets))
        op = self._op_terms(capmem)
        pts = None
        if op is not None:
            if (prev is not None and prev._op is op and prev._pts is not None
                    and prev.dac_offsets is dac):
                pts = prev._pts
            else:
                pts = self._op_pulse_terms(op, dac)
        tile = ProgrammedTile(self, weights, wt, dac, pt, off, op, pts)
        self._tile = tile
        return tile

    def vmm_detail(self, x: object, w: object, timing: Timing | None = None,
                   dac_offsets: object = None, column_offsets: object = None
                   ) -> tuple[U8, U8, I8]:
        """Fast path for a batch: returns (baseline codes, result codes, y), uint8/uint8/int8,
        each ``[..., 256]`` for ``x[..., 128]`` (``[256]`` for a single vector).

        Runs ``self.program(w, dac_offsets, column_offsets).vmm_detail(x, timing)``; the last
        programmed tile is reused while the three arguments equal its contents (compared on every
        call: a C-contiguous ``w`` of the dtype of the previous call's ``w`` byte for byte with a
        copy of that one, anything else element by element; see ``_SeenWeights``).

        Memory: besides the results (3 bytes per VMM and column: 768 B per VMM; ``vmm``: 256 B)
        a call needs a bounded amount whatever the batch: the chip's work arrays (allocated once,
        about 1.2 MB for ``CHUNK_ROWS`` = 64 VMMs), the copy of the caller's weights (128 x 256
        times their itemsize: 256 KiB for int64; replaced when they change), per-chunk
        temporaries (tens of KB) and, for inputs that are not int64, the checks of one block of
        4096 vectors (about 5 MB). A batch of 10**6 vectors takes 768 MB of results and no more
        than that bound on top (the caller's ``x`` itself aside; ``x`` with more than two
        dimensions that is not contiguous is copied once). Results are bit for bit those of
        running the batch's parts one after another.

        Args:
            x: inputs ``[B, 128]``, ``[128]`` or with more leading dimensions ``[..., 128]``;
                integers 0..31 of any integer or float dtype.
            w: signed weights ``[128, 256]``, integers -63..63.
            timing: timing registers (default: ``Timing()``).
            dac_offsets: per-driver DAC offset registers ``[128]``, 0..63 (default 32).
            column_offsets: per-column digital offsets ``[256]``, -128..127 (default 0).

        Raises:
            ValueError: an argument outside its range or of the wrong shape (named; checked in
            the order x, w, dac_offsets, column_offsets), or mismatch parameters so large that
            the fixed-point sum would not be exact. Nothing is drawn from the noise stream then.
            TypeError: ``timing`` is neither None nor a ``Timing`` (e.g. a dict).
        """
        xb, lead = _inputs(x)
        tile = self._programmed(w, dac_offsets, column_offsets)
        cb, cr, y = self._run(tile, xb, timing, codes=True)
        assert cb is not None and cr is not None
        return _shaped(cb, lead), _shaped(cr, lead), _shaped(y, lead)

    def vmm(self, x: object, w: object, timing: Timing | None = None,
            dac_offsets: object = None, column_offsets: object = None) -> I8:
        """Fast path: ``x[..., 128]`` (0..31) times ``w[128, 256]`` (-63..63) -> int8
        ``[..., 256]`` (``[256]`` for ``x[128]``); the ``y`` of ``vmm_detail`` (same arguments,
        same errors, same noise, same memory bound with 256 B of results per VMM)."""
        xb, lead = _inputs(x)
        tile = self._programmed(w, dac_offsets, column_offsets)
        return _shaped(self._run(tile, xb, timing, codes=False)[2], lead)

    def _programmed(self, w: object, dac_offsets: object, column_offsets: object
                    ) -> ProgrammedTile:
        """The last programmed tile if it holds exactly these arguments, else
        ``program(w, dac_offsets, column_offsets)`` (which checks them: ``ValueError`` naming
        w, dac_offsets, column_offsets in that order). Compares the weights first (as
        ``ProgrammedTile.matches``), by their raw bytes when the caller passes the same kind of
        array as last time (``_SeenWeights``), else element by element."""
        tile = self._tile
        if tile is not None:
            seen = self._seen
            if seen is not None and seen.unchanged(tile, w):
                if (tile._matches_dac(dac_offsets) and tile._matches_offsets(column_offsets)
                        and tile.capmem is None):
                    return tile
            elif tile.matches(w, dac_offsets, column_offsets):
                self._seen = _SeenWeights.of(tile, w)
                return tile
        tile = self.program(w, dac_offsets, column_offsets)
        self._seen = _SeenWeights.of(tile, w)
        return tile

    def matmul(self, x: object, w: object, timing: Timing | None = None) -> I8:
        """A VMM of any size on this hemisphere, as hxtorch/grenade split it: 128-row x 256-column
        tiles (zero-padded), each run as one VMM, row tiles added digitally with int8 saturation.
        ``x[..., K]`` (0..31; any number of leading batch dimensions, as hxtorch's ``matmul``),
        ``w[K, N]`` (-63..63) -> int8 ``[..., N]``: exactly the result (values and noise) of
        ``x.reshape(-1, K)``, reshaped back. Memory: int64 copies of ``x`` and ``w`` and int64
        accumulators ``[B, 256]`` per column tile (O(B * (K + 256)) bytes), besides the result.
        Raises ``ValueError`` naming ``x``/``w``, ``TypeError`` for a ``timing`` that is no
        ``Timing``."""
        wa = int_array(w, "w", -W_MAX, W_MAX, ndim=2)
        xa = int_array(x, "x", 0, X_MAX)
        if xa.ndim == 0 or xa.shape[-1] != wa.shape[0]:
            raise ValueError(f"x: last dimension {xa.shape[-1] if xa.ndim else '(none)'} does "
                             f"not match w's rows {wa.shape[0]}")
        if timing is not None:
            check_timing_type(timing)
        res = tiled_matmul(lambda xt, wt: self.vmm(xt, wt, timing),
                           xa.reshape(-1, wa.shape[0]), wa)
        return res.reshape(*xa.shape[:-1], wa.shape[1])

    # ---- fast path: per-timing terms, work arrays, the batch loop ------------------------------
    def _timing_terms(self, t: Timing) -> _TimingTerms:
        """The timing-dependent terms of ``t`` (cached per chip, keyed by the frozen ``Timing``)."""
        last = self._last_timing
        if last is not None and last[0] is t:
            return last[1]
        tt = self._timing_cache.get(t)
        if tt is None:
            sends = t.num_sends
            factor = factor_rev = None
            if self._order_rate != 0.0:
                # An event with m events from it on to the last lies m * event_wait + settle
                # cycles before the result read.
                ms = np.arange(TILE_ROWS * sends + 1)
                all_m = self._order_factor(ms * t.event_wait + t.settle_cycles)
                assert all_m is not None  # the order effect is on in this branch
                factor = all_m[1:]  # m = 0 (no event) never occurs
                factor_rev = np.concatenate(([0.0], all_m[::-1]))  # m = L + 1 - j, 0 at j = L+1
            n_ev = np.arange(TILE_ROWS + 1, dtype=np.int64) * sends
            dt = t.conversion_cycles + n_ev * t.event_wait + t.settle_cycles
            sigma = sigma_pair = None
            if self._noise:
                sigma = self._sigma(dt)
                sigma_pair = np.empty((TILE_ROWS + 1, 2, 1))
                sigma_pair[:, 0, 0] = self._read_sigma
                sigma_pair[:, 1, 0] = sigma
            dt_us: F64 | None = None
            leak: F64 | None = None
            if self.params.enable_leak:
                dt_us = (dt * CYCLE_US).astype(np.float64, copy=False)  # as in _leak
                leak = self._leak(dt)
            tt = _TimingTerms(sends, factor, factor_rev, sigma, sigma_pair, dt_us, leak)
            if len(self._timing_cache) >= _TIMING_CACHE_SIZE:
                self._timing_cache.clear()
            self._timing_cache[t] = tt
        self._last_timing = (t, tt)
        return tt

    def _buffers(self, n: int) -> _Buffers:
        """Work arrays for a chunk of ``n`` (1..CHUNK_ROWS) VMMs: views of one allocation."""
        b = self._work_views.get(n)
        if b is None:
            if self._work is None:
                self._work = _Buffers(CHUNK_ROWS)
            b = _Buffers(n, self._work)
            if len(self._work_views) >= 8:
                self._work_views.clear()
            self._work_views[n] = b
        return b

    def _run(self, tile: ProgrammedTile, xb: I64, timing: Timing | None, codes: bool
             ) -> tuple[U8 | None, U8 | None, I8]:
        """The batch ``xb[B, 128]`` (checked) on ``tile``: (baseline codes, result codes, y), each
        ``[B, 256]`` (codes None unless ``codes``), in chunks of ``CHUNK_ROWS``. ``xb`` may have
        any integer or float dtype (checked integers 0..31): each chunk is converted to int64 in
        a work array, so no temporary grows with the batch."""
        if timing is None:
            t = self._default_timing
        elif type(timing) is Timing:
            t = timing
        else:
            t = check_timing_type(timing)
        tt = self._timing_terms(t)
        batch = xb.shape[0]
        if tt.sends > tile._safe_sends:  # the sum may leave the exact range: check, then draw
            a_max = 0.0
            for c0 in range(0, batch, CHUNK_ROWS):
                xc = xb[c0:c0 + CHUNK_ROWS]
                b = self._buffers(xc.shape[0])
                xi = _as_int64(xc, b)
                for _, pt in tile._pts or [(slice(0, TILE_COLS), tile._pt)]:
                    drive, _ = self._drive(tt, pt, xi, b)
                    a_max = max(a_max, float(drive.max(initial=0.0)))
            self._check_exact(a_max, tile._wt)
        cb = np.empty((batch, TILE_COLS), dtype=np.uint8) if codes else None
        cr = np.empty((batch, TILE_COLS), dtype=np.uint8) if codes else None
        if tile._op is not None:
            y = np.empty((batch, TILE_COLS), dtype=np.int8)
            for c0 in range(0, batch, CHUNK_ROWS):
                c1 = min(c0 + CHUNK_ROWS, batch)
                bo = self._buffers(c1 - c0)
                y[c0:c1] = self._run_chunk_op(t, tt, tile, _as_int64(xb[c0:c1], bo), bo,
                                              bo.cb if cb is None else cb[c0:c1],
                                              bo.cr if cr is None else cr[c0:c1])
            return cb, cr, y
        if batch <= CHUNK_ROWS:
            if batch == 0:
                return cb, cr, np.empty((0, TILE_COLS), dtype=np.int8)
            b = self._buffers(batch)
            y = self._run_chunk(tt, tile, _as_int64(xb, b), b, b.cb if cb is None else cb,
                                b.cr if cr is None else cr)
            return cb, cr, y
        y = np.empty((batch, TILE_COLS), dtype=np.int8)
        for c0 in range(0, batch, CHUNK_ROWS):
            c1 = min(c0 + CHUNK_ROWS, batch)
            b = self._buffers(c1 - c0)
            y[c0:c1] = self._run_chunk(tt, tile, _as_int64(xb[c0:c1], b), b,
                                       b.cb if cb is None else cb[c0:c1],
                                       b.cr if cr is None else cr[c0:c1])
        return cb, cr, y

    def _drive(self, tt: _TimingTerms, pt: _PulseTerms, x: I64, b: _Buffers
               ) -> tuple[F64, npt.NDArray[np.intp]]:
        """Fixed-point drives ``[n, 128]`` (a work array) and the number of non-zero inputs
        ``[n]`` of the chunk ``x[n, 128]``.

        The event of row i in send s has slot ``s*nnz + rank_i`` (rank_i: non-zero inputs at
        0..i); the ``m = n_ev - slot`` events from it on put it ``m*event_wait + settle`` cycles
        before the result read, ``m - 1 = (nnz - rank_i) + (sends-1-s)*nnz`` (inputs that are zero
        have pulse 0: their weight does not matter). Sends are summed in order, as the event path
        sums them. Every table index is in range by construction, so ``take`` runs in its cheaper
        ``clip`` mode (which then changes nothing)."""
        np.add(x, _DRIVER_BASE, out=b.idx)
        pt.fix.take(b.idx, out=b.pul, mode="clip")
        sends = tt.sends
        if tt.factor is None:
            nnz = np.count_nonzero(x, axis=1)
            if sends == 1:
                drive = b.pul
            else:
                drive = b.drv
                np.add(b.pul, b.pul, out=drive)
                for _ in range(2, sends):
                    np.add(drive, b.pul, out=drive)
        else:
            np.minimum(x, 1, out=b.nz)  # 1 where x > 0 (x is 0..31)
            np.add.accumulate(b.nz, axis=1, out=b.rank)
            nnz = b.nnz
            drive = b.drv
            if sends == 1 and b.n == 1:  # factor[nnz - rank] without the subtraction
                assert tt.factor_rev is not None
                start = tt.factor_rev.shape[0] - 2 - int(nnz[0])  # 128 * sends - nnz >= 0
                tt.factor_rev[start:].take(b.rank, out=b.fac, mode="clip")
                np.multiply(b.pul, b.fac, out=drive)
            elif sends == 1:
                np.subtract(b.nnz_col, b.rank, out=b.rc)  # nnz - rank_i
                tt.factor.take(b.rc, out=b.fac, mode="clip")
                np.multiply(b.pul, b.fac, out=drive)
            else:
                np.subtract(b.nnz_col, b.rank, out=b.rc)
                for s in range(sends):
                    np.multiply(b.nnz_col, sends - 1 - s, out=b.shift)
                    np.add(b.rc, b.shift, out=b.idx)
                    tt.factor.take(b.idx, out=b.fac, mode="clip")
                    if s == 0:
                        np.multiply(b.pul, b.fac, out=drive)
                    else:
                        np.multiply(b.pul, b.fac, out=b.fac)
                        np.add(drive, b.fac, out=drive)
        np.rint(drive, out=drive)
        return drive, nnz

    def _run_chunk(self, tt: _TimingTerms, tile: ProgrammedTile, x: I64, b: _Buffers,
                   cb: U8, cr: U8) -> I8:
        """One chunk ``x[n, 128]`` (checked, n = b.n): baseline and result codes into ``cb``,
        ``cr`` (uint8 ``[n, 256]``), returns y (int8 ``[n, 256]``, a new array). Draws 256
        baseline then 256 result noise values per VMM, VMM after VMM."""
        n = b.n
        drive, nnz = self._drive(tt, tile._pt, x, b)
        charge = b.charge
        w_fix = tile._wt.w_fix
        if n <= GEMM_ROWS:
            np.matmul(drive, w_fix, out=charge)
        else:
            for g in range(0, n, GEMM_ROWS):
                np.matmul(drive[g:g + GEMM_ROWS], w_fix, out=charge[g:g + GEMM_ROWS])
        charge *= self._col_scale
        k = int(nnz[0]) if n == 1 else -1  # one vector: look its row up by a Python index
        if self._noise:
            assert tt.sigma is not None
            u = uniform16(self._rng, n * 2 * TILE_COLS)
            if k < 0:  # indices as intp in a work array (take would convert into a new one)
                np.copyto(b.u_flat, u)
                u = b.u_flat
            NORMAL_TABLE32.take(u, out=b.z_flat, mode="clip")
            # z * sigma in float64 (z is exact in float32): the baseline table's and
            # _conversion's products, bit for bit.
            if k >= 0:  # one vector: both reads' products in one call
                assert tt.sigma_pair is not None
                np.multiply(b.z, tt.sigma_pair[k], out=b.zs, dtype=np.float64)
                rb, r = b.zs_b, b.zs_r
            else:
                rb = r = b.r
                np.multiply(b.z_b, self._read_sigma, out=rb, dtype=np.float64)
            if self._baseline_cast:
                np.add(rb, self._static, out=cb, casting="unsafe")
            else:
                rb += self._static
                self._adc_code(rb, self._baseline_linear, out=cb)
            if k < 0:
                tt.sigma.take(nnz, out=b.sig, mode="clip")
                np.multiply(b.z_r, b.sig_col, out=r, dtype=np.float64)
            r += charge
            spare = charge
        else:
            cb[...] = self._quiet_baseline_codes()
            r, spare = charge, b.r
        r += self._static_result
        if tt.dt_us is not None and tt.leak is not None:  # the products of _leak, bit for bit
            if k >= 0:
                r += tt.leak[k]
            else:
                tt.dt_us.take(nnz, out=b.sig, mode="clip")
                np.multiply(b.sig_col, self.pattern.leak_lsb_per_us, out=spare)
                r += spare
        self._adc_code(r, out=cr)
        return post(cr, cb, tile._off8)  # None when all offsets are 0 (adds nothing)

    def _quiet_baseline_codes(self) -> U8:
        """Baseline codes ``[256]`` without noise (the same for every VMM)."""
        if self._quiet_baseline is None:
            self._quiet_baseline = self._conversion(None, None, None)[0]
        return self._quiet_baseline

    # ---- event level ---------------------------------------------------------------------------
    def event_session(self, weights_phys: object, dac_offsets: object = None,
                      capmem: CapMemConfig | None = None) -> EventSession:
        """An event-level session on the synapse SRAM image ``weights_phys[256, 256]`` (0..63;
        row 2i inhibitory, row 2i+1 excitatory), DAC offsets ``[128]`` (0..63) and the CapMem
        cells (None: defaults; ``EventSession.set_capmem`` changes them between VMMs)."""
        return EventSession(self, weights_phys, self._dac(dac_offsets), capmem)

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


def _inputs(x: object) -> tuple[npt.NDArray[Any], tuple[int, ...]]:
    """Inputs ``x[..., 128]`` (integers 0..31, any integer or float dtype) checked without a
    temporary that grows with the batch: (``x`` as ``[B, 128]`` in its own dtype, a view unless
    ``x`` has more than two dimensions and is not contiguous; the leading shape, ``()`` for a
    single vector). Raises ``ValueError`` naming ``x``. A native int64 array is checked in one
    pass (as unsigned, negative values are large); other arrays in blocks of ``_CHECK_ROWS``
    rows (their int64 copies and float tests are per block)."""
    if (type(x) is np.ndarray and x.dtype is _INT64 and x.ndim >= 1
            and x.shape[-1] == TILE_ROWS
            and (x.size == 0 or np.maximum.reduce(x.view(np.uint64), axis=None) <= X_MAX)):
        if x.ndim == 2:
            return x, (x.shape[0],)
        return x.reshape(-1, TILE_ROWS), x.shape[:-1]
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        int_array(a, "x", 0, X_MAX)  # raises the dtype's error
    if a.ndim == 0 or a.shape[-1] != TILE_ROWS:
        raise ValueError(f"x: expected {TILE_ROWS} inputs per vector (shape [..., {TILE_ROWS}]), "
                         f"got shape {a.shape}")
    a2 = a.reshape(-1, TILE_ROWS)
    for r0 in range(0, a2.shape[0], _CHECK_ROWS):
        int_array(a2[r0:r0 + _CHECK_ROWS], "x", 0, X_MAX)
    return a2, a.shape[:-1]


def check_inputs(x: object) -> tuple[I64, bool]:
    """Inputs ``x[B, 128]`` or ``[128]`` (0..31) as int64 ``[B, 128]`` and whether ``x`` was a
    single vector. Raises ``ValueError`` naming ``x`` (also for more than two dimensions; the
    model's ``vmm`` takes those)."""
    xa, lead = _inputs(x)
    if len(lead) > 1:
        raise ValueError(f"x: expected 1 or 2 dimensions, got shape {(*lead, TILE_ROWS)}")
    return xa.astype(np.int64, copy=False), lead == ()


def _shaped(a: npt.NDArray[Any], lead: tuple[int, ...]) -> npt.NDArray[Any]:
    """Result rows ``a[B, 256]`` in the inputs' leading shape ``lead`` (``[256]`` for ``()``)."""
    if len(lead) == 1:
        return a
    return a[0] if not lead else a.reshape(*lead, TILE_COLS)


class ProgrammedTile:
    """A hemisphere programmed with weights, DAC offsets and column offsets (``ChipInstance.
    program``): run many input vectors with ``vmm`` / ``vmm_detail``.

    Holds read-only copies of its configuration (``weights[128, 256]`` -63..63,
    ``dac_offsets[128]`` 0..63, ``column_offsets[256]`` -128..127, int64) and the terms derived
    from them; its VMMs draw the trial noise of ``chip``, in call order, exactly as
    ``chip.vmm_detail(x, weights, timing, dac_offsets, column_offsets)`` would.
    """

    def __init__(self, chip: ChipInstance, weights: I64, wt: _WeightTerms, dac_offsets: I64,
                 pt: _PulseTerms, column_offsets: I64, op: _OpTerms | None = None,
                 pts: list[tuple[slice, _PulseTerms]] | None = None) -> None:
        self.chip = chip
        self.weights = weights
        self.dac_offsets = dac_offsets
        self.column_offsets = column_offsets
        #: The CapMem cells this tile runs with (None: the defaults).
        self.capmem = None if op is None or op.capmem.is_default else op.capmem
        self._wt = wt
        self._pt = pt
        self._op = op
        self._pts = pts
        self._off8 = column_offsets.astype(np.int8) if column_offsets.any() else None
        # Largest num_sends whose fixed-point sum surely stays exact: a drive is at most
        # sends * pt.fix_max (order weights <= 1; margins for rounding); 0 if even one may not.
        fix_max = max([pt.fix_max] + [g[1].fix_max for g in pts or []])
        per_send = fix_max * (1.0 + 1e-9) * wt.col_bound * (1.0 + 1e-9)
        room = _EXACT * (1.0 - 1e-9) - wt.col_bound * 2.0
        self._safe_sends = int(min(room / per_send, 1e6)) if per_send > 0 else 10**6
        self._dac_default = bool(np.all(dac_offsets == DAC_OFFSET_NOMINAL))
        self._off_default = self._off8 is None

    def __repr__(self) -> str:
        return f"ProgrammedTile(chip={self.chip!r})"

    def _matches_dac(self, dac_offsets: object) -> bool:
        return self._dac_default if dac_offsets is None else _same(self.dac_offsets, dac_offsets)

    def _matches_offsets(self, column_offsets: object) -> bool:
        return (self._off_default if column_offsets is None
                else _same(self.column_offsets, column_offsets))

    def _matches_capmem(self, capmem: object) -> bool:
        if capmem is None or (isinstance(capmem, CapMemConfig) and capmem.is_default):
            return self.capmem is None
        return self.capmem is not None and capmem == self.capmem

    def matches(self, w: object, dac_offsets: object = None, column_offsets: object = None,
                capmem: object = None) -> bool:
        """True if ``program(w, dac_offsets, column_offsets, capmem)`` would program exactly
        this configuration (contents compared element by element; None means the defaults)."""
        return (_same(self.weights, w) and self._matches_dac(dac_offsets)
                and self._matches_offsets(column_offsets) and self._matches_capmem(capmem))

    def vmm_detail(self, x: object, timing: Timing | None = None) -> tuple[U8, U8, I8]:
        """(baseline codes, result codes, y) of the inputs ``x[..., 128]`` (``[128]``,
        ``[B, 128]`` or more leading dimensions; integers 0..31 of any integer or float dtype)
        with ``timing`` (default ``Timing()``), each uint8/uint8/int8 ``[..., 256]``. Memory
        beyond the results is bounded (see ``ChipInstance.vmm_detail``). Raises ``ValueError``
        for bad ``x``, ``TypeError`` for a ``timing`` that is no ``Timing``."""
        xb, lead = _inputs(x)
        cb, cr, y = self.chip._run(self, xb, timing, codes=True)
        assert cb is not None and cr is not None
        return _shaped(cb, lead), _shaped(cr, lead), _shaped(y, lead)

    def vmm(self, x: object, timing: Timing | None = None) -> I8:
        """int8 results ``[..., 256]`` of the inputs ``x[..., 128]`` (0..31) with ``timing``
        (default ``Timing()``): the ``y`` of ``vmm_detail``, same errors."""
        xb, lead = _inputs(x)
        return _shaped(self.chip._run(self, xb, timing, codes=False)[2], lead)


class _Buffers:
    """Work arrays of the fast path for a chunk of ``n`` VMMs (``base``: views of its first
    ``n`` rows instead of new arrays). Shapes: per input ``[n, 128]``, per column ``[n, 256]``."""

    def __init__(self, n: int, base: _Buffers | None = None) -> None:
        def arr(name: str, shape: tuple[int, ...], dtype: type) -> npt.NDArray[Any]:
            if base is None:
                return np.empty(shape, dtype=dtype)
            return cast(npt.NDArray[Any], getattr(base, name)[:n])

        self.n = n
        self.x = arr("x", (n, TILE_ROWS), np.int64)         # inputs given in another dtype
        self.idx = arr("idx", (n, TILE_ROWS), np.intp)      # pulse-table / order-weight index
        self.nz = arr("nz", (n, TILE_ROWS), np.intp)        # 1 where the input is non-zero
        self.rank = arr("rank", (n, TILE_ROWS), np.intp)    # non-zero inputs at 0..i
        self.rc = arr("rc", (n, TILE_ROWS), np.intp)        # non-zero inputs at i+1..127
        self.shift = arr("shift", (n, 1), np.intp)
        self.pul = arr("pul", (n, TILE_ROWS), np.float64)   # fixed-point pulses
        self.fac = arr("fac", (n, TILE_ROWS), np.float64)   # order weights
        self.drv = arr("drv", (n, TILE_ROWS), np.float64)   # fixed-point drives
        self.charge = arr("charge", (n, TILE_COLS), np.float64)
        self.r = arr("r", (n, TILE_COLS), np.float64)
        self.u = arr("u", (n, 2, TILE_COLS), np.intp)        # noise draws (table indices)
        self.z = arr("z", (n, 2, TILE_COLS), np.float32)     # standard normals
        self.zs = arr("zs", (1, 2, TILE_COLS), np.float64)   # z * sigma of a single vector
        self.sig = arr("sig", (n,), np.float64)
        self.cb = arr("cb", (n, TILE_COLS), np.uint8)
        self.cr = arr("cr", (n, TILE_COLS), np.uint8)
        self.nnz, self.nnz_col = self.rank[:, -1], self.rank[:, -1:]
        self.z_b, self.z_r = self.z[:, 0], self.z[:, 1]
        self.zs_b, self.zs_r = self.zs[:, 0], self.zs[:, 1]
        self.u_flat, self.z_flat = self.u.reshape(-1), self.z.reshape(-1)
        self.sig_col = self.sig[:, None]


def _as_int64(xc: npt.NDArray[Any], b: _Buffers) -> I64:
    """The chunk ``xc[n, 128]`` (checked integers) as int64: itself, or converted into ``b.x``."""
    if xc.dtype is _INT64:
        return cast(I64, xc)
    np.copyto(b.x, xc, casting="unsafe")
    return cast(I64, b.x)


class EventSession:
    """Event-level view of the array for one sequence of VMMs (the co-simulation bridge's API).

    Assumes the RTL's order of operations: ``reset(cycle)``, a baseline ``convert``, events, a
    result ``convert``; cycles are clock cycles on any common time base. Every conversion after
    the first since a reset is a result read relative to that first (baseline) one. Events are
    integrated at the next conversion, weighted by their distance to it.
    """

    def __init__(self, chip: ChipInstance, weights_phys: object, dac_offsets: I64,
                 capmem: CapMemConfig | None = None) -> None:
        phys = int_array(weights_phys, "weights_phys", 0, W_MAX, shape=(PHYS_ROWS, TILE_COLS))
        self._chip = chip
        self._wt = chip._weight_terms(phys[0::2], phys[1::2])
        self._dac = dac_offsets
        self._op = chip._op_terms(capmem)
        self._pulse_by_code = self._pulse_table(dac_offsets)
        self._groups = self._op_groups()
        self._events: list[tuple[I64, I64, I64]] = []
        self._baseline_cycle: int | None = None
        self._reset_done = False

    def _pulse_table(self, dac_offsets: I64, x_map: F64 | None = None) -> F64:
        """Pulse width ``[32 codes, 128 drivers]``: code c carries x = 32 - c (c = 0 is unused)."""
        by_x = self._chip._pulse_table(dac_offsets, x_map)
        return by_x[(32 - np.arange(32)) % 32]

    def _op_groups(self) -> list[tuple[slice, F64]] | None:
        """Pulse tables by code per group of quadrants (operating-point path), as
        ``ChipInstance._op_pulse_terms`` groups them."""
        op = self._op
        if op is None:
            return None
        pt = op.point
        if not pt.quadrants_differ:
            return [(slice(0, TILE_COLS), self._pulse_table(self._dac, pt.x_map[0]))]
        return [(slice(q * COLUMNS_PER_QUADRANT, (q + 1) * COLUMNS_PER_QUADRANT),
                 self._pulse_table(self._dac, pt.x_map[q])) for q in range(N_QUADRANTS)]

    def set_capmem(self, capmem: CapMemConfig | None) -> None:
        """Replace the CapMem cells between VMMs (the co-simulation bridge passes the values
        the RTL's CapMem block presents; None: the defaults)."""
        self._op = self._chip._op_terms(capmem)
        self._groups = self._op_groups()

    def set_weights(self, weights_phys: object) -> None:
        """Replace the weights (the SRAM image) between VMMs."""
        phys = int_array(weights_phys, "weights_phys", 0, W_MAX, shape=(PHYS_ROWS, TILE_COLS))
        self._wt = self._chip._weight_terms(phys[0::2], phys[1::2])

    def set_dac_offsets(self, dac_offsets: object) -> None:
        self._dac = self._chip._dac(dac_offsets)
        self._pulse_by_code = self._pulse_table(self._dac)
        self._groups = self._op_groups()

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

    def apply_events_trusted(self, cycles: I64, drivers: I64, codes: I64) -> None:
        """``apply_events`` without re-validating the arrays, for a caller that built them
        itself in range (the co-simulation bridge: cycles from a 32-bit field, drivers masked
        to 7 bits, codes filtered to 1..31): three 1-D int64 arrays of equal length, cycle >= 0,
        driver 0..127, code 1..31. Only the cheap structural checks remain (ValueError on a
        wrong dtype, dimension or length); values out of range give wrong results or an
        IndexError in ``convert``, so untrusted input goes through ``apply_events``."""
        if not self._reset_done:
            raise ValueError("apply_events_trusted: call reset() before the first events")
        for name, a in (("cycles", cycles), ("drivers", drivers), ("codes", codes)):
            if not isinstance(a, np.ndarray) or a.dtype != np.int64 or a.ndim != 1:
                raise ValueError(f"apply_events_trusted: {name} must be a 1-D int64 array")
        if not cycles.size == drivers.size == codes.size:
            raise ValueError(f"apply_events_trusted: cycles, drivers and codes differ in length "
                             f"({cycles.size}, {drivers.size}, {codes.size})")
        self._events.append((cycles, drivers, codes))

    def _take_due_events(self, cycle: int) -> tuple[npt.NDArray[np.integer],
                                                    npt.NDArray[np.integer], F64 | None] | None:
        """Remove the queued events that start before ``cycle`` and return their drivers, codes
        and ordering factor (``ChipInstance._order_factor`` of their age; None: no ordering
        effect), or None when there are none. Later events stay queued."""
        if not self._events:
            return None
        if len(self._events) == 1:
            c, d, k = self._events[0]
            if c.size == 0:
                self._events = []
                return None
            if c.max() < cycle:  # all due (the bridge's case): no selection
                self._events = []
                return d, k, self._chip._order_factor(cycle - c)
        c = np.concatenate([e[0] for e in self._events])
        d = np.concatenate([e[1] for e in self._events])
        k = np.concatenate([e[2] for e in self._events])
        before = c < cycle
        self._events = [(c[~before], d[~before], k[~before])]
        if not before.any():
            return None
        return d[before], k[before], self._chip._order_factor(cycle - c[before])

    def convert(self, cycle: int) -> npt.NDArray[np.uint8]:
        """One CADC conversion starting at ``cycle``: each column's crossing code (0..255)."""
        if not self._reset_done:
            raise ValueError("convert: call reset() before the first conversion")
        chip = self._chip
        if self._op is not None:
            return self._convert_op(cycle)
        signal = None
        due = self._take_due_events(cycle)
        if due is not None:
            d, k, factor = due
            contrib = self._pulse_by_code[k, d]
            if factor is not None:
                contrib = contrib * factor
            # per driver, added in event order (bincount adds sequentially, as np.add.at)
            drive = cast(F64, np.bincount(d, weights=contrib, minlength=TILE_ROWS))
            signal = chip._signal(drive.reshape(1, TILE_ROWS), self._wt)
        u = (uniform16(chip._rng, TILE_COLS).reshape(1, TILE_COLS)
             if chip.params.any_noise else None)
        if self._baseline_cycle is None:
            self._baseline_cycle = int(cycle)
            codes = chip._conversion(signal, None, u)
        else:
            dt = np.asarray([[int(cycle) - self._baseline_cycle]], dtype=np.int64)
            codes = chip._conversion(signal, dt, u)
        return codes[0]

    def _convert_op(self, cycle: int) -> npt.NDArray[np.uint8]:
        """``convert`` on the operating-point path (``ChipInstance._op_conversion``)."""
        chip, op, groups = self._chip, self._op, self._groups
        assert op is not None and groups is not None
        signal = None
        due = self._take_due_events(cycle)
        if due is not None:
            d, k, factor = due
            signal = np.empty((1, TILE_COLS))
            for cols, table in groups:
                contrib = table[k, d]
                if factor is not None:
                    contrib = contrib * factor
                drive = np.bincount(d, weights=contrib, minlength=TILE_ROWS).reshape(1, TILE_ROWS)
                a_fix = np.rint(drive * _FIX)
                chip._check_exact(float(a_fix.max(initial=0.0)), self._wt)
                signal[:, cols] = a_fix @ self._wt.w_fix[:, cols]
            signal *= op.col_scale
        z = (np.take(NORMAL_TABLE, uniform16(chip._rng, TILE_COLS)).reshape(1, TILE_COLS)
             if chip.params.any_noise else None)
        if self._baseline_cycle is None:
            self._baseline_cycle = int(cycle)
            codes = chip._op_conversion(op, None, None, z, None, None)
        else:
            dt = np.asarray([int(cycle) - self._baseline_cycle], dtype=np.int64)
            dg = doff = None
            if chip.drift is not None:
                dg, doff = chip.drift.step(1)
            codes = chip._op_conversion(op, signal, dt, z, dg, doff)
        return codes[0]
