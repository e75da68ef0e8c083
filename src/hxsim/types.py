"""Shared numpy array aliases of hxsim and hxtb (one definition each; shapes are given where the
arrays are used)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: int64 arrays: inputs (0..31), signed weights (-63..63), codes, cycles.
I64 = npt.NDArray[np.int64]
#: int8 arrays: VMM results as the chip returns them (-128..127).
I8 = npt.NDArray[np.int8]
#: uint8 arrays: raw CADC codes (0..255), vector-port lanes, SRAM images.
U8 = npt.NDArray[np.uint8]
#: float64 arrays: analog quantities, fits, network activations.
F64 = npt.NDArray[np.float64]
#: bool arrays: masks.
B8 = npt.NDArray[np.bool_]

__all__ = ["B8", "F64", "I64", "I8", "U8"]
