"""The register and vector address maps of hx_top (docs/interfaces.md sections 1, 4 and 5), and
the lane packing of the vector port. The numbers are generated from data/hx_top.rdl into
hxsim._regmap (`make regs`) and re-exported here; import them from this module (the testbench
and the bring-up tools do)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# ---- the generated contract (data/hx_top.rdl; `make regs`): addresses, fields, resets, ranges,
# error codes (flat names and the Err enum), STATUS.PHASE (Phase), vector map, REGISTERS, VECTORS
from hxsim._regmap import *  # noqa: F403
from hxsim._regmap import (
    HX_VPORT_LANES,
    ID_RESVAL,
    IRQ_STATUS_DONE,
    IRQ_STATUS_ERROR,
    STATUS_BUSY,
    STATUS_DONE,
    STATUS_ERR_CODE_LSB,
    STATUS_ERR_CODE_MASK,
    STATUS_ERROR,
    STATUS_PHASE_LSB,
    STATUS_PHASE_MASK,
    VECTORS,
    VERSION_RESVAL,
)
from hxsim.types import U8

# ---- short names kept for their importers (the generated names are the contract's)
ID_VALUE = ID_RESVAL
VERSION_VALUE = VERSION_RESVAL
ST_BUSY = STATUS_BUSY
ST_DONE = STATUS_DONE
ST_ERROR = STATUS_ERROR
IRQ_DONE = IRQ_STATUS_DONE
IRQ_ERROR = IRQ_STATUS_ERROR


def st_phase(status: int) -> int:
    """STATUS.PHASE of a STATUS value."""
    return (status & STATUS_PHASE_MASK) >> STATUS_PHASE_LSB


def st_err_code(status: int) -> int:
    """STATUS.ERR_CODE of a STATUS value."""
    return (status & STATUS_ERR_CODE_MASK) >> STATUS_ERR_CODE_LSB


# AXI responses (the AXI4 protocol, not the register contract)
OKAY = 0
SLVERR = 2

# ---- vector geometry: lanes per vector, columns (two halves), physical synapse rows
LANES = HX_VPORT_LANES
COLS = 2 * LANES
PHYS_ROWS = next(v.rows for v in VECTORS if v.name == "SYN")


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
