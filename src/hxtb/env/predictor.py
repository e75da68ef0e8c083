"""The predictor: what hx_top should hold and answer, built only from what the monitors saw.

The scoreboard asks the predictor, never the stimulus (OpenTitan: the register model, mirrored
from the bus monitors, is the single predictor). The interface is ``VmmPredictor``:

- ``write_vec(txn)``: every vector-port transaction the vector monitor saw (analysis port);
- ``write_reg(acc)``: every AXI4-Lite access the AXI monitor saw (analysis port);
- ``held()``: the vectors hx_top should hold now (``Held``);
- ``expect(timing)``: the expected outcome of the VMM that runs next on what is held
  (``Expected``: ADC codes, y, the cycle-level timing); called exactly once per VMM.

``RegModelPredictor`` implements it with the one register-level model of hx_top,
``hxsim.regmodel.HxTopRegModel`` (the same model that runs register programs as the ``regs``
device): the monitors' accepted stores and timing writes are mirrored into it, and it predicts with
the golden reference (ideal mode) or a reference chip instance (noisy mode). ``PredictorComponent``
connects it to the monitors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pyuvm import uvm_analysis_export, uvm_component

import hxsim
from hxsim import regmap
from hxsim.golden import VmmTiming, vmm_timing
from hxsim.regmodel import HxTopRegModel
from hxsim.types import I64
from hxtb.agents.axil import RegAccess
from hxtb.agents.vport import VecTxn


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


class RegModelPredictor:
    """``VmmPredictor`` on ``hxsim.regmodel.HxTopRegModel``: ideal mode (``ref_chip`` None)
    predicts with the golden reference, noisy mode on ``ref_chip`` (a chip instance with the
    bridge's seeds, VMMs in the same order, so its noise stream matches the bridge's)."""

    def __init__(self, ref_chip: hxsim.ChipInstance | None = None) -> None:
        self.model = HxTopRegModel(ref_chip)

    def write_vec(self, txn: VecTxn) -> None:
        if txn.we:
            self.model.observe_store(txn.addr, txn.wdata, txn.err)

    def write_reg(self, acc: RegAccess) -> None:
        if acc.write:
            self.model.observe_write(acc.addr, acc.data, acc.resp == regmap.OKAY, acc.strb)

    def held(self) -> Held:
        m = self.model
        return Held(phys=m.sram, w=m.w, x=m.x, dac=m.dac, col_off=m.col_off)

    def expect(self, timing: hxsim.Timing) -> Expected:
        cb, cr, y = self.model.predict_vmm(timing)
        return Expected(raw_b=cb, raw_r=cr, y=y, timing=vmm_timing(timing, self.model.x))


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
