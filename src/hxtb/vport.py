"""Vector-port (PPU side) BFM: a driver with transaction-level ``send`` and a passive monitor.

Protocol (docs/interfaces.md section 5): request ``vreq_valid_i/vreq_ready_o`` with payload
``vreq_we_i, vreq_addr_i[15:0], vreq_wdata_i[1023:0]`` held while ``valid && !ready``; exactly one
response ``vrsp_valid_o/vrsp_ready_i`` with ``vrsp_rdata_o[1023:0], vrsp_err_o`` per request, in
order. Assumes handshakes are sampled at the rising clock edge, i.e. from settled values in the
cycle before the edge (read in ``ReadOnly``). Python runs per clock only while a transaction is in
flight; an idle port costs nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cocotb.triggers import ReadOnly, RisingEdge


@dataclass
class VecTxn:
    """One vector-port transaction: the request and, once complete, its response."""

    we: bool
    addr: int
    wdata: int = 0
    rdata: int = 0
    err: bool = False
    t_req: int = 0
    t_rsp: int = 0


class VectorPortDriver:
    """Drives requests, accepts responses with random back-pressure (``backpressure`` = chance
    of holding ``vrsp_ready_i`` low in a cycle, from its own ``random.Random``). One request is
    outstanding at a time, as the port requires."""

    def __init__(self, dut: Any, clk: Any, rng: random.Random | None = None,
                 backpressure: float = 0.0) -> None:
        self.log = logging.getLogger("hxtb.vport.drv")
        self.clk_edge = RisingEdge(clk)
        self.read_only = ReadOnly()
        self.req_valid = dut.vreq_valid_i
        self.req_ready = dut.vreq_ready_o
        self.req_we = dut.vreq_we_i
        self.req_addr = dut.vreq_addr_i
        self.req_wdata = dut.vreq_wdata_i
        self.rsp_valid = dut.vrsp_valid_o
        self.rsp_ready = dut.vrsp_ready_i
        self.rsp_rdata = dut.vrsp_rdata_o
        self.rsp_err = dut.vrsp_err_o
        self.rng = rng if rng is not None else random.Random(0)
        self.backpressure = backpressure
        self.req_valid.value = 0
        self.rsp_ready.value = 0
        self.req_we.value = 0
        self.req_addr.value = 0
        self.req_wdata.value = 0

    async def send(self, we: bool, addr: int, wdata: int = 0) -> VecTxn:
        """Issue one request and wait for its response. Must be called right after a rising clock
        edge (every public coroutine of the testbench returns there)."""
        txn = VecTxn(we=we, addr=addr, wdata=wdata)
        self.req_we.value = int(we)
        self.req_addr.value = addr
        if we:
            # a load leaves the data lines alone (every change of 1024 data bits costs time,
            # a lot of it on Icarus)
            self.req_wdata.value = wdata
        self.req_valid.value = 1
        while True:
            await self.read_only
            if self.req_ready.value:
                break
            await self.clk_edge
        await self.clk_edge
        self.req_valid.value = 0
        while True:
            ready = self.rng.random() >= self.backpressure
            self.rsp_ready.value = int(ready)
            await self.read_only
            if ready and self.rsp_valid.value:
                txn.rdata = self.rsp_rdata.value.to_unsigned()
                txn.err = bool(self.rsp_err.value)
                break
            await self.clk_edge
        await self.clk_edge
        self.rsp_ready.value = 0
        return txn

    async def store(self, addr: int, wdata: int) -> bool:
        """Store; returns the response's ``err``."""
        return (await self.send(True, addr, wdata)).err

    async def load(self, addr: int) -> tuple[int, bool]:
        """Load; returns (data, err)."""
        t = await self.send(False, addr)
        return t.rdata, t.err


class VectorPortMonitor:
    """Passive: reports every completed transaction (request and its response) to observers.
    Sleeps on the rising edge of ``vreq_valid_i`` while the port is idle."""

    def __init__(self, dut: Any, clk: Any) -> None:
        self.clk_edge = RisingEdge(clk)
        self.read_only = ReadOnly()
        self.valid_rise = RisingEdge(dut.vreq_valid_i)
        self.req_valid = dut.vreq_valid_i
        self.req_ready = dut.vreq_ready_o
        self.req_we = dut.vreq_we_i
        self.req_addr = dut.vreq_addr_i
        self.req_wdata = dut.vreq_wdata_i
        self.rsp_valid = dut.vrsp_valid_o
        self.rsp_ready = dut.vrsp_ready_i
        self.rsp_rdata = dut.vrsp_rdata_o
        self.rsp_err = dut.vrsp_err_o
        self.observers: list[Callable[[VecTxn], None]] = []
        self.count = 0

    async def run(self) -> None:
        while True:
            await self.read_only
            if not self.req_valid.value:
                await self.valid_rise
                continue
            while not (self.req_valid.value and self.req_ready.value):
                await self.clk_edge
                await self.read_only
            txn = VecTxn(we=bool(self.req_we.value), addr=self.req_addr.value.to_unsigned())
            if txn.we:
                txn.wdata = self.req_wdata.value.to_unsigned()
            await self.clk_edge
            await self.read_only
            while not (self.rsp_valid.value and self.rsp_ready.value):
                await self.clk_edge
                await self.read_only
            txn.rdata = self.rsp_rdata.value.to_unsigned()
            txn.err = bool(self.rsp_err.value)
            self.count += 1
            for obs in self.observers:
                obs(txn)
            await self.clk_edge
