"""Sequence items: one VMM (what to load, the timing, and the read-back)."""

from __future__ import annotations

import numpy as np
from pyuvm import uvm_sequence_item

import hxsim
from hxsim.types import I64
from hxtb.tbench import VmmResult


class VmmItem(uvm_sequence_item):
    """One VMM: what to load (weights rows, input, offsets), the timing, and the read-back."""

    def __init__(self, name: str = "vmm") -> None:
        super().__init__(name)
        self.w: I64 = np.zeros((128, 256), dtype=np.int64)
        self.rows: list[int] | None = None   # logical rows to (re)store; None = all
        self.x: I64 = np.zeros(128, dtype=np.int64)
        self.timing = hxsim.Timing()
        self.dac: I64 | None = None          # store DAC offsets if not None
        self.col_off: I64 | None = None      # store column offsets if not None
        self.kind = ""
        self.result: VmmResult | None = None
        self.store_errs: list[bool] = []
        # what the coverage model samples besides stimulus and result
        self.style = "uniform"               # weight pattern (coverage.W_STYLES)
        self.bp = 0.0                        # vector-port back-pressure of this VMM

    def __str__(self) -> str:
        return (f"{self.get_name()} [{self.kind}] nnz={int(np.count_nonzero(self.x))} "
                f"rows={'all' if self.rows is None else len(self.rows)} {self.timing}")
