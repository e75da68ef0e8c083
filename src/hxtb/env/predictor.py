"""The predictor: what hx_top should hold and answer, built only from what the monitors saw.

The scoreboard asks the predictor, never the stimulus (OpenTitan: the register model, mirrored
from the bus monitors, is the single predictor). The interface is ``VmmPredictor``:

- ``write_vec(txn)``: every vector-port transaction the vector monitor saw (analysis port);
- ``write_reg(acc)``: every AXI4-Lite access the AXI monitor saw (analysis port);
- ``held()``: the vectors hx_top should hold now (``Held``);
- ``expect(timing)``: the expected outcome of the VMM that runs next on what is held
  (``Expected``: ADC codes, y, the cycle-level timing); called exactly once per VMM.

``ShadowPredictor`` implements it with the shadow model of the accepted stores and the golden
reference (ideal mode) or a reference chip instance (noisy mode). The register model of hx_top
(``hxsim.regmodel``) replaces it by implementing the same four methods; ``PredictorComponent``
connects either to the monitors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from pyuvm import uvm_analysis_export, uvm_component

import hxsim
from hxsim.golden import VmmTiming, vmm_timing
from hxsim.types import I64
from hxtb import regs
from hxtb.agents.axil import RegAccess
from hxtb.agents.vport import VecTxn

GAIN = 0.002


@dataclass(frozen=True)
class Held:
    """The vectors hx_top should hold: physical SRAM rows (magnitudes), signed logical weights,
    input, DAC offsets, column offsets."""

    phys: I64
    w: I64
    x: I64
    dac: I64
    col_off: I64


@dataclass(frozen=True)
class Expected:
    """The expected outcome of one VMM: baseline and result ADC codes, y, and the timing."""

    raw_b: I64
    raw_r: I64
    y: I64
    timing: VmmTiming


class VmmPredictor(Protocol):
    def write_vec(self, txn: VecTxn) -> None: ...
    def write_reg(self, acc: RegAccess) -> None: ...
    def held(self) -> Held: ...
    def expect(self, timing: hxsim.Timing) -> Expected: ...


class ShadowModel:
    """What the chip should hold, built from the accepted stores the vector monitor saw."""

    def __init__(self) -> None:
        self.phys = np.zeros((256, 256), dtype=np.int64)
        self.x = np.zeros(128, dtype=np.int64)
        self.dac = np.full(128, 32, dtype=np.int64)
        self.col_off = np.zeros(256, dtype=np.int64)
        self.stores = 0

    def write(self, t: VecTxn) -> None:
        if not t.we or t.err:
            return
        lanes = regs.unpack_lanes(t.wdata).astype(np.int64)
        self.stores += 1
        a = t.addr
        if a < 0x200:
            self.phys[a >> 1, (a & 1)::2] = lanes
        elif a == regs.VA_INPUT:
            self.x = lanes
        elif a == regs.VA_DAC:
            self.dac = lanes
        elif a in (regs.VA_COL_OFFSET, regs.VA_COL_OFFSET + 1):
            self.col_off[(a & 1)::2] = np.where(lanes >= 128, lanes - 256, lanes)

    @property
    def w(self) -> I64:
        return self.phys[1::2] - self.phys[0::2]


def expected_ideal(x: I64, w: I64, ns: int, col_off: I64) -> tuple[I64, I64, I64]:
    """(baseline codes, result codes, y) of the ideal array (baseline code 128, gain 1/500)."""
    g = hxsim.ideal_vmm(x, w, GAIN, ns).astype(np.int64)
    return (np.full(256, 128, dtype=np.int64), g + 128,
            np.clip(g + col_off, -128, 127))


class ShadowPredictor:
    """``VmmPredictor`` from the shadow model: ideal mode (``ref_chip`` None) predicts with the
    golden reference, noisy mode with ``ref_chip.vmm_detail`` (a chip instance with the bridge's
    seeds, VMMs in the same order). Register accesses are not needed by this predictor."""

    def __init__(self, ref_chip: hxsim.ChipInstance | None = None) -> None:
        self.shadow = ShadowModel()
        self.ref_chip = ref_chip

    def write_vec(self, txn: VecTxn) -> None:
        self.shadow.write(txn)

    def write_reg(self, acc: RegAccess) -> None:
        return None

    def held(self) -> Held:
        sh = self.shadow
        return Held(phys=sh.phys, w=sh.w, x=sh.x, dac=sh.dac, col_off=sh.col_off)

    def expect(self, timing: hxsim.Timing) -> Expected:
        sh = self.shadow
        if self.ref_chip is None:
            cb, cr, y = expected_ideal(sh.x, sh.w, timing.num_sends, sh.col_off)
        else:
            cb8, cr8, y8 = self.ref_chip.vmm_detail(sh.x, sh.w, timing=timing,
                                                    dac_offsets=sh.dac,
                                                    column_offsets=sh.col_off)
            cb, cr, y = (np.asarray(a, dtype=np.int64) for a in (cb8, cr8, y8))
        return Expected(raw_b=cb, raw_r=cr, y=y, timing=vmm_timing(timing, sh.x))


class _Imp(uvm_analysis_export):
    """An analysis export that hands each item to a function."""

    def __init__(self, name: str, parent: uvm_component, fn: Callable[[Any], None]) -> None:
        super().__init__(name, parent)
        self._fn = fn

    def write(self, datum: Any) -> None:
        self._fn(datum)


class PredictorComponent(uvm_component):
    """Puts a ``VmmPredictor`` in the env: ``vec_export`` and ``reg_export`` take the vector and
    AXI monitors' analysis ports."""

    def __init__(self, name: str, parent: uvm_component, predictor: VmmPredictor) -> None:
        super().__init__(name, parent)
        self.predictor = predictor
        self.vec_export = _Imp("vec_export", self, predictor.write_vec)
        self.reg_export = _Imp("reg_export", self, predictor.write_reg)
