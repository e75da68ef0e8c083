"""Vector-port (PPU side) agent: the bus object, a driver with transaction-level ``send`` and a
passive monitor publishing on a pyuvm analysis port.

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
from dataclasses import dataclass
from typing import Any, NamedTuple

from cocotb.triggers import ReadOnly, RisingEdge
from pyuvm import uvm_analysis_port, uvm_component

from hxtb.vpi import Port, VpiAccess, port


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


@dataclass(frozen=True)
class VportBus:
    """The vector port's signal handles, looked up once (shared by driver and monitor)."""

    clk: Any
    req_valid: Any
    req_ready: Any
    req_we: Any
    req_addr: Any
    req_wdata: Any
    rsp_valid: Any
    rsp_ready: Any
    rsp_rdata: Any
    rsp_err: Any

    @classmethod
    def from_dut(cls, dut: Any, clk: Any) -> VportBus:
        """hx_top's port names (``vreq_*_i``, ``vreq_ready_o``, ``vrsp_*_o``, ``vrsp_ready_i``)."""
        return cls(clk=clk, req_valid=dut.vreq_valid_i, req_ready=dut.vreq_ready_o,
                   req_we=dut.vreq_we_i, req_addr=dut.vreq_addr_i, req_wdata=dut.vreq_wdata_i,
                   rsp_valid=dut.vrsp_valid_o, rsp_ready=dut.vrsp_ready_i,
                   rsp_rdata=dut.vrsp_rdata_o, rsp_err=dut.vrsp_err_o)


def _data(value: Any, what: str) -> int:
    """A response's data as an unsigned int. X/Z bits (only a 4-state simulator can show them;
    hx_top defines every bit of a response, unwritten SRAM rows included) are a design error:
    ``RuntimeError`` naming the request, on every simulator alike."""
    try:
        return int(value.to_unsigned())  # (is_resolvable would build 1024 Logic objects)
    except ValueError:
        raise RuntimeError(f"{what}: response data has X/Z bits (undefined state in the DUT)"
                           ) from None


class _Ports(NamedTuple):
    """The driver's signals (``VportBus`` fields without the clock) as ``hxtb.vpi.Port``."""

    req_valid: Port
    req_ready: Port
    req_we: Port
    req_addr: Port
    req_wdata: Port
    rsp_valid: Port
    rsp_ready: Port
    rsp_rdata: Port
    rsp_err: Port


class VectorPortDriver:
    """Drives requests, accepts responses with random back-pressure (``backpressure`` = chance
    of holding ``vrsp_ready_i`` low in a cycle, from its own ``random.Random``). One request is
    outstanding at a time, as the port requires."""

    def __init__(self, bus: VportBus, rng: random.Random | None = None,
                 backpressure: float = 0.0, vpi: VpiAccess | None = None) -> None:
        self.log = logging.getLogger("hxtb.vport.drv")
        self.bus = bus
        self.clk_edge = RisingEdge(bus.clk)
        self.read_only = ReadOnly()
        self.rng = rng if rng is not None else random.Random(0)
        self.backpressure = backpressure
        self.transactions = 0  # completed transactions
        self.wakeups = 0       # clock-edge wake-ups they took
        # the driver's signal accesses (hxtb.vpi.port: direct VPI when ``vpi`` is given)
        self.p = _Ports(*(port(getattr(bus, f), vpi) for f in _Ports._fields))
        for name in ("req_valid", "rsp_ready", "req_we", "req_addr", "req_wdata"):
            getattr(self.p, name).set(0)

    async def send(self, we: bool, addr: int, wdata: int = 0) -> VecTxn:
        """Issue one request and wait for its response. Must be called right after a rising clock
        edge (every public coroutine of the testbench returns there); returns right after the
        edge that took the response.

        Wakes only at rising clock edges while the transaction is in flight and reads the
        handshakes there: the values the port samples at that edge (docs/cosim.md, "The clock"),
        the same cycles as reading them in ReadOnly before the edge, with one wake-up per cycle
        instead of two. ``vrsp_ready_i`` is drawn once per cycle from the cycle after the
        request was taken."""
        p = self.p
        edge = self.clk_edge
        txn = VecTxn(we=we, addr=addr, wdata=wdata)
        p.req_we.set(int(we))
        p.req_addr.set(addr)
        if we:
            # a load leaves the data lines alone (every change of 1024 data bits costs time,
            # a lot of it on Icarus)
            p.req_wdata.set(wdata)
        p.req_valid.set(1)
        n = 1
        await edge
        while not p.req_ready.get():
            n += 1
            await edge
        p.req_valid.set(0)
        rng, bp = self.rng, self.backpressure
        while True:
            ready = rng.random() >= bp
            p.rsp_ready.set(int(ready))
            n += 1
            await edge
            if ready and p.rsp_valid.get():
                break
        txn.rdata = p.rsp_rdata.get_defined(
            f"vector {'store' if we else 'load'} {addr:#06x}: response data")
        txn.err = bool(p.rsp_err.get())
        p.rsp_ready.set(0)
        self.transactions += 1
        self.wakeups += n
        return txn

    async def store(self, addr: int, wdata: int) -> bool:
        """Store; returns the response's ``err``."""
        return (await self.send(True, addr, wdata)).err

    async def load(self, addr: int) -> tuple[int, bool]:
        """Load; returns (data, err)."""
        t = await self.send(False, addr)
        return t.rdata, t.err


class VectorPortMonitor(uvm_component):
    """Passive: publishes every completed transaction (request and its response) on ``ap``.
    Sleeps on the rising edge of ``vreq_valid_i`` while the port is idle. Runs in its
    ``run_phase`` (or ``run()`` started by hand outside a UVM test)."""

    def __init__(self, name: str, parent: uvm_component | None, bus: VportBus) -> None:
        super().__init__(name, parent)
        self.bus = bus
        self.ap = uvm_analysis_port("ap", self)
        self.count = 0

    async def run_phase(self) -> None:
        await self.run()

    async def run(self) -> None:
        """Handshakes are read at the rising clock edge (the values the port samples there, as
        the driver reads them): one wake-up per cycle while a transaction is in flight."""
        b = self.bus
        clk_edge = RisingEdge(b.clk)
        valid_rise = RisingEdge(b.req_valid)
        await ReadOnly()  # the drivers' initial values are applied (undriven inputs read Z)
        while True:
            if not b.req_valid.value:
                await valid_rise
            await clk_edge
            while not (b.req_valid.value and b.req_ready.value):
                await clk_edge
            txn = VecTxn(we=bool(b.req_we.value), addr=b.req_addr.value.to_unsigned())
            if txn.we:
                txn.wdata = b.req_wdata.value.to_unsigned()
            await clk_edge
            while not (b.rsp_valid.value and b.rsp_ready.value):
                await clk_edge
            txn.rdata = _data(b.rsp_rdata.value, f"vector response to {txn.addr:#06x}")
            txn.err = bool(b.rsp_err.value)
            self.count += 1
            self.ap.write(txn)
