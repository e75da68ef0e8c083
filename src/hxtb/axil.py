"""AXI4-Lite agent: register reads/writes through cocotbext-axi's ``AxiLiteMaster``.

Assumes the DUT's AXI4-Lite slave ports are named ``s_axil_*`` on the toplevel (awaddr, awprot,
awvalid, awready, wdata, wstrb, wvalid, wready, bresp, bvalid, bready, araddr, arprot, arvalid,
arready, rdata, rresp, rvalid, rready) and that every register is 32 bits wide. The master is
idle (no Python per clock) between accesses.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cocotbext.axi import AxiLiteBus, AxiLiteMaster

# cocotbext-axi 0.1.x reads cocotb 2.x's deprecated Event.data on every access; the warning is
# about the library, not this project, and would print twice per register access. Only that
# message, only from cocotbext.axi.
warnings.filterwarnings("ignore", message="The data field will be removed",
                        category=DeprecationWarning, module=r"cocotbext\.axi")


@dataclass(frozen=True)
class RegAccess:
    """One completed register access as seen by the agent (analysis item)."""

    write: bool
    addr: int
    data: int
    resp: int
    strb: int = 0xF


class AxilAgent:
    """Register-level access to hx_top's AXI4-Lite slave, with observers for each access."""

    def __init__(self, dut: Any, clock: Any, reset: Any = None) -> None:
        self.log = logging.getLogger("hxtb.axil")
        self.log.setLevel(logging.WARNING)
        self.master = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), clock, reset,
                                    reset_active_level=False)
        # cocotbext-axi logs every access at INFO; keep the regression log readable
        for part in (self.master.write_if, self.master.read_if):
            part.log.setLevel(logging.WARNING)
        self.observers: list[Callable[[RegAccess], None]] = []

    def _publish(self, acc: RegAccess) -> None:
        for obs in self.observers:
            obs(acc)

    async def read(self, addr: int) -> tuple[int, int]:
        """Read one register: returns (data, resp)."""
        r = await self.master.read(addr, 4)
        data = int.from_bytes(r.data, "little")
        acc = RegAccess(False, addr, data, int(r.resp))
        self._publish(acc)
        return data, acc.resp

    async def write(self, addr: int, data: int, strb: int = 0xF) -> int:
        """Write one register (``strb`` selects byte lanes; partial strobes go out as a write of
        only those bytes). Returns resp."""
        if strb == 0xF:
            r = await self.master.write(addr, (data & 0xFFFF_FFFF).to_bytes(4, "little"))
        else:
            lo = (strb & -strb).bit_length() - 1
            hi = strb.bit_length()
            if strb != ((1 << hi) - 1) ^ ((1 << lo) - 1):
                raise ValueError(f"AxilAgent.write: non-contiguous strobe {strb:#x}")
            chunk = (data & 0xFFFF_FFFF).to_bytes(4, "little")[lo:hi]
            r = await self.master.write(addr + lo, chunk)
        acc = RegAccess(True, addr, data, int(r.resp), strb)
        self._publish(acc)
        return acc.resp

    async def read_ok(self, addr: int) -> int:
        """Read a register that must answer OKAY."""
        data, resp = await self.read(addr)
        assert resp == 0, f"AXI read {addr:#05x}: resp {resp} (expected OKAY)"
        return data

    async def write_ok(self, addr: int, data: int) -> None:
        """Write a register that must answer OKAY."""
        resp = await self.write(addr, data)
        assert resp == 0, f"AXI write {addr:#05x} = {data:#x}: resp {resp} (expected OKAY)"
