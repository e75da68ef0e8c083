"""Pin the number of BLAS threads of numpy's OpenBLAS at run time (best effort, no dependency).

On a shared 2-core machine, multi-threaded OpenBLAS is several times slower for the small
matrices of this network than one thread, and one thread also makes float sums reproducible
run to run. Works with the OpenBLAS builds numpy wheels ship (``scipy_openblas``) and plain
OpenBLAS; silently does nothing elsewhere.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np

_SYMBOLS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")


def set_blas_threads(n: int) -> bool:
    """Set OpenBLAS's thread count to ``n``; True if a library accepted it."""
    root = Path(np.__file__).parent
    cands = sorted((root.parent / "numpy.libs").glob("*openblas*.so*"))
    cands += sorted((root / ".dylibs").glob("*openblas*"))
    for lib in cands:
        try:
            dll = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for sym in _SYMBOLS:
            fn = getattr(dll, sym, None)
            if fn is not None:
                fn(ctypes.c_int(int(n)))
                os.environ["OPENBLAS_NUM_THREADS"] = str(n)
                return True
    return False
