"""The VMM driver: executes a ``VmmItem`` through the Testbench (AXI agent and vector-port
driver) and publishes the item with its read-back on ``ap``."""

from __future__ import annotations

from pyuvm import uvm_analysis_port, uvm_component, uvm_driver

from hxsim.golden import vmm_timing
from hxtb.tbench import Testbench


class VmmDriver(uvm_driver):
    def __init__(self, name: str, parent: uvm_component, tb: Testbench) -> None:
        super().__init__(name, parent)
        self.tb = tb

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    async def run_phase(self) -> None:
        tb = self.tb
        while True:
            item = await self.seq_item_port.get_next_item()
            errs = await tb.load_weights(item.w, item.rows)
            errs.append(await tb.load_input(item.x))
            if item.dac is not None:
                errs.append(await tb.load_dac_offsets(item.dac))
            if item.col_off is not None:
                errs += await tb.load_col_offsets(item.col_off)
            item.store_errs = errs
            await tb.set_timing(item.timing)
            t = vmm_timing(item.timing, item.x)
            item.result = await tb.run_vmm(t.total_cycles + 200)
            self.logger.debug("%s done", item)
            self.ap.write(item)
            self.seq_item_port.item_done()
