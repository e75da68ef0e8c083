"""The register and vector address maps of hx_top (docs/interfaces.md sections 4 and 5), and
the lane packing of the vector port. The single Python copy of these numbers: the testbench
(tb/hxtb/regs.py) and the bring-up tools (hxsim.bringup.program) import them from here."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hxsim.types import U8

# ---- AXI4-Lite register map (byte addresses) ----
ID = 0x000
VERSION = 0x004
CTRL = 0x008
STATUS = 0x00C
IRQ_STATUS = 0x010
IRQ_ENABLE = 0x014
T_RESET = 0x020
T_SETTLE = 0x024
T_EVENT_WAIT = 0x028
NUM_SENDS = 0x02C
T_ADC_RESET_WAIT = 0x030
T_ADC_STEP = 0x034
T_ADC_DEAD_TIME = 0x038
CYCLES_LAST = 0x040
VMM_COUNT = 0x044
ERROR_COUNT = 0x048
EVENTS_LAST = 0x04C

ID_VALUE = 0x4858_5641
VERSION_VALUE = 0x0001_0000

#: timing register address per hxsim.Timing field
TIMING_REGS: dict[str, int] = {
    "reset_cycles": T_RESET,
    "settle_cycles": T_SETTLE,
    "event_wait": T_EVENT_WAIT,
    "num_sends": NUM_SENDS,
    "adc_reset_wait": T_ADC_RESET_WAIT,
    "adc_step": T_ADC_STEP,
    "adc_dead_time": T_ADC_DEAD_TIME,
}
RW_REGS = (IRQ_STATUS, IRQ_ENABLE, *TIMING_REGS.values())
RO_REGS = (ID, VERSION, STATUS, CYCLES_LAST, VMM_COUNT, ERROR_COUNT, EVENTS_LAST)
MAPPED_REGS = (*RO_REGS, CTRL, *RW_REGS)

# CTRL bits (write-1 pulses)
CTRL_START = 1 << 0
CTRL_ABORT = 1 << 1
CTRL_SOFT_RESET = 1 << 2
CTRL_ERR_CLEAR = 1 << 3

# STATUS fields
ST_BUSY = 1 << 0
ST_DONE = 1 << 1
ST_ERROR = 1 << 2


def st_phase(status: int) -> int:
    return (status >> 4) & 0x7


def st_err_code(status: int) -> int:
    return (status >> 8) & 0xFF


IRQ_DONE = 1 << 0
IRQ_ERROR = 1 << 1

# ---- error codes ----
START_WHILE_BUSY = 1
WRITE_WHILE_BUSY = 2
READ_WHILE_BUSY = 3
INPUT_RANGE = 4
WEIGHT_RANGE = 5
BAD_VEC_ADDR = 6
BAD_REG_VALUE = 7
BAD_REG_ADDR = 8
NO_RESULT = 9

# AXI responses
OKAY = 0
SLVERR = 2

# ---- vector port addresses ----
VA_SYN = 0x000        # + 2*row + half
VA_INPUT = 0x200
VA_RESULT = 0x210     # + half
VA_BASELINE = 0x220   # + half
VA_RAW_RESULT = 0x230  # + half
VA_DAC = 0x240
VA_COL_OFFSET = 0x250  # + half

LANES = 128
COLS = 256
PHYS_ROWS = 256



def pack_lanes(lanes: npt.ArrayLike) -> int:
    """128 byte lanes -> the 1024-bit vector (lane l = bits [8l +: 8])."""
    a = np.asarray(lanes, dtype=np.int64)
    if a.shape != (LANES,):
        raise ValueError(f"pack_lanes: expected {LANES} lanes, got shape {a.shape}")
    return int.from_bytes((a & 0xFF).astype(np.uint8).tobytes(), "little")


def unpack_lanes(value: int) -> U8:
    """The 1024-bit vector -> 128 unsigned byte lanes."""
    return np.frombuffer(value.to_bytes(LANES, "little"), dtype=np.uint8).copy()


def split_halves(cols: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """256 column values -> (even columns, odd columns), the two vector halves h = 0, 1."""
    a = np.asarray(cols, dtype=np.int64)
    return a[0::2], a[1::2]


def join_halves(even: npt.ArrayLike, odd: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """(even columns, odd columns) -> 256 column values."""
    out = np.empty(COLS, dtype=np.int64)
    out[0::2] = np.asarray(even, dtype=np.int64)
    out[1::2] = np.asarray(odd, dtype=np.int64)
    return out


def unpack_fields(value: int, width: int, count: int) -> npt.NDArray[np.int64]:
    """Unpack ``count`` unsigned ``width``-bit fields (field k at [width*k +: width])."""
    nbytes = (width * count + 7) // 8
    bits = np.unpackbits(np.frombuffer(value.to_bytes(nbytes, "little"), dtype=np.uint8),
                         bitorder="little")[: width * count].reshape(count, width)
    return (bits.astype(np.int64) << np.arange(width, dtype=np.int64)).sum(axis=1)
