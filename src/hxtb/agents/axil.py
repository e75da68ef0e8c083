"""AXI4-Lite agent: the bus object (cocotbext-axi's ``AxiLiteBus.from_prefix``), a driver
(register reads/writes: a lean single-access master by default, cocotbext-axi's ``AxiLiteMaster``
when channel pauses are wanted, see ``AxilAgent``) and a passive monitor that publishes every
completed access on a pyuvm analysis port.

Assumes the DUT's AXI4-Lite slave ports are named ``s_axil_*`` on the toplevel (awaddr, awprot,
awvalid, awready, wdata, wstrb, wvalid, wready, bresp, bvalid, bready, araddr, arprot, arvalid,
arready, rdata, rresp, rvalid, rready) and that every register is 32 bits wide. Driver and monitor
are idle (no Python per clock) between accesses.
"""

from __future__ import annotations

import logging
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster
from pyuvm import uvm_analysis_port, uvm_component

from hxtb.vpi import Port, VpiAccess, port

# cocotbext-axi 0.1.x reads cocotb 2.x's deprecated Event.data on every access; the warning is
# about the library, not this project, and would print twice per register access. Only that
# message, only from cocotbext.axi.
warnings.filterwarnings("ignore", message="The data field will be removed",
                        category=DeprecationWarning, module=r"cocotbext\.axi")

PREFIX = "s_axil"


def axil_bus(dut: Any) -> AxiLiteBus:
    """hx_top's AXI4-Lite slave port as one bus object (handles looked up once)."""
    return AxiLiteBus.from_prefix(dut, PREFIX)


@dataclass(frozen=True)
class RegAccess:
    """One completed register access (analysis item of ``AxilMonitor``)."""

    write: bool
    addr: int
    data: int
    resp: int
    strb: int = 0xF


class _WritePorts(NamedTuple):
    awaddr: Port
    awvalid: Port
    awready: Port
    wdata: Port
    wstrb: Port
    wvalid: Port
    wready: Port
    bvalid: Port
    bresp: Port


class _ReadPorts(NamedTuple):
    araddr: Port
    arvalid: Port
    arready: Port
    rvalid: Port
    rdata: Port
    rresp: Port


class AxilAgent:
    """Register-level access to hx_top's AXI4-Lite slave (the driver side of the agent).

    Two masters on the same bus object, one active at a time:

    * the lean master (default): one aligned single-beat access at a time, one read and one write
      may overlap. It wakes only at rising clock edges while an access is in flight, reads the
      handshakes there (the values the slave samples at that edge, docs/cosim.md "The clock") and
      drives AW and W together: an access costs 2-3 wake-ups (AW/W accepted, then B or R), no
      queues or helper coroutines. BREADY and RREADY are held high, as cocotbext-axi's sinks do
      while not paused.
    * cocotbext-axi's ``AxiLiteMaster``: created on first use of ``master`` (channel pauses,
      back-pressure and skew tests) or of an access the lean master does not do (an unaligned
      address); from then on every access of this agent goes through it.

    Raises ``RuntimeError`` when two reads or two writes are issued concurrently on the lean
    master (use ``master`` for several outstanding accesses)."""

    def __init__(self, bus: AxiLiteBus, clock: Any, reset: Any = None,
                 vpi: VpiAccess | None = None) -> None:
        self.log = logging.getLogger("hxtb.axil")
        self.log.setLevel(logging.WARNING)
        self.bus = bus
        self.clock = clock
        self.reset = reset
        self._master: AxiLiteMaster | None = None
        self._edge = RisingEdge(clock)
        self._wbusy = self._rbusy = False
        self.accesses = 0   # accesses done by the lean master
        self.wakeups = 0    # its clock-edge wake-ups
        wr, rd = bus.write, bus.read
        wr.aw.awvalid.value = 0
        wr.w.wvalid.value = 0
        rd.ar.arvalid.value = 0
        for ch, name in ((wr.aw, "awprot"), (rd.ar, "arprot")):
            if hasattr(ch, name):
                getattr(ch, name).value = 0
        wr.b.bready.value = 1
        rd.r.rready.value = 1
        # the lean master's signal accesses (hxtb.vpi.port: direct VPI when ``vpi`` is given)
        self._aw = _WritePorts(*(port(getattr(ch, n), vpi) for ch, n in (
            (wr.aw, "awaddr"), (wr.aw, "awvalid"), (wr.aw, "awready"), (wr.w, "wdata"),
            (wr.w, "wstrb"), (wr.w, "wvalid"), (wr.w, "wready"), (wr.b, "bvalid"),
            (wr.b, "bresp"))))
        self._ar = _ReadPorts(*(port(getattr(ch, n), vpi) for ch, n in (
            (rd.ar, "araddr"), (rd.ar, "arvalid"), (rd.ar, "arready"), (rd.r, "rvalid"),
            (rd.r, "rdata"), (rd.r, "rresp"))))

    @property
    def master(self) -> AxiLiteMaster:
        """cocotbext-axi's master on this bus (created on first use; every later access of the
        agent goes through it). Must not be created while a lean access is in flight."""
        if self._master is None:
            if self._wbusy or self._rbusy:
                raise RuntimeError("AxilAgent.master: a lean access is in flight")
            self._master = AxiLiteMaster(self.bus, self.clock, self.reset,
                                         reset_active_level=False)
            # cocotbext-axi logs every access at INFO; keep the regression log readable
            for part in (self._master.write_if, self._master.read_if):
                part.log.setLevel(logging.WARNING)
        return self._master

    async def read(self, addr: int) -> tuple[int, int]:
        """Read one register: returns (data, resp)."""
        if self._master is not None or addr & 3:
            r = await self.master.read(addr, 4)
            return int.from_bytes(r.data, "little"), int(r.resp)
        return await self._lean_read(addr)

    async def read_beat(self, addr: int) -> tuple[int, int]:
        """One read beat with ARADDR = ``addr`` as given (its two low bits too): what a register
        program's ``axi_read`` means (the slave decodes words, docs/interfaces.md section 4),
        where ``read`` would hand an unaligned address to cocotbext-axi, which reads bytes.
        Returns (data, resp); RuntimeError once cocotbext-axi's master has taken over."""
        if self._master is not None:
            raise RuntimeError("AxilAgent.read_beat: cocotbext-axi's master drives this bus")
        return await self._lean_read(addr)

    async def write_beat(self, addr: int, data: int, strb: int = 0xF) -> int:
        """One write beat with AWADDR = ``addr`` as given, WDATA = ``data``, WSTRB = ``strb``:
        what a register program's ``axi_write`` means (see ``read_beat``). Returns resp."""
        if self._master is not None:
            raise RuntimeError("AxilAgent.write_beat: cocotbext-axi's master drives this bus")
        return await self._lean_write(addr, data & 0xFFFF_FFFF, strb)

    async def _lean_read(self, addr: int) -> tuple[int, int]:
        """AR, then R (ARADDR as given)."""
        if self._rbusy:
            raise RuntimeError("AxilAgent.read: another read is in flight (use .master for "
                               "outstanding accesses)")
        self._rbusy = True
        p = self._ar
        edge = self._edge
        try:
            p.araddr.set(addr)
            p.arvalid.set(1)
            n = 1
            await edge
            while not p.arready.get():
                n += 1
                await edge
            p.arvalid.set(0)
            n += 1
            await edge
            while not p.rvalid.get():
                n += 1
                await edge
            data, resp = p.rdata.get(), p.rresp.get()
        finally:
            self._rbusy = False
        self.accesses += 1
        self.wakeups += n
        return data, resp

    async def write(self, addr: int, data: int, strb: int = 0xF) -> int:
        """Write one register (``strb`` selects byte lanes; partial strobes go out as a write of
        only those bytes: ``awaddr`` = the first selected byte's address, as cocotbext-axi
        addresses a byte write). Returns resp. A non-contiguous ``strb`` raises
        ``ValueError``."""
        data &= 0xFFFF_FFFF
        if strb != 0xF:
            lo = (strb & -strb).bit_length() - 1
            hi = strb.bit_length()
            if strb != ((1 << hi) - 1) ^ ((1 << lo) - 1):
                raise ValueError(f"AxilAgent.write: non-contiguous strobe {strb:#x}")
            if self._master is not None or addr & 3:
                chunk = data.to_bytes(4, "little")[lo:hi]
                return int((await self.master.write(addr + lo, chunk)).resp)
            return await self._lean_write(addr + lo, data & _lane_mask(strb), strb)
        if self._master is not None or addr & 3:
            return int((await self.master.write(addr, data.to_bytes(4, "little"))).resp)
        return await self._lean_write(addr, data, 0xF)

    async def _lean_write(self, awaddr: int, wdata: int, strb: int) -> int:
        """AW and W driven together; each dropped at the edge that takes it; then B."""
        if self._wbusy:
            raise RuntimeError("AxilAgent.write: another write is in flight (use .master for "
                               "outstanding accesses)")
        self._wbusy = True
        p = self._aw
        edge = self._edge
        try:
            p.awaddr.set(awaddr)
            p.wdata.set(wdata)
            p.wstrb.set(strb)
            p.awvalid.set(1)
            p.wvalid.set(1)
            aw = w = True
            n = 0
            while aw or w:
                n += 1
                await edge
                if aw and p.awready.get():
                    aw = False
                    p.awvalid.set(0)
                if w and p.wready.get():
                    w = False
                    p.wvalid.set(0)
            n += 1
            await edge
            while not p.bvalid.get():
                n += 1
                await edge
            resp = p.bresp.get()
        finally:
            self._wbusy = False
        self.accesses += 1
        self.wakeups += n
        return resp

    async def read_ok(self, addr: int) -> int:
        """Read a register that must answer OKAY."""
        data, resp = await self.read(addr)
        assert resp == 0, f"AXI read {addr:#05x}: resp {resp} (expected OKAY)"
        return data

    async def write_ok(self, addr: int, data: int) -> None:
        """Write a register that must answer OKAY."""
        resp = await self.write(addr, data)
        assert resp == 0, f"AXI write {addr:#05x} = {data:#x}: resp {resp} (expected OKAY)"


def _lane_mask(strb: int) -> int:
    """The data bits of the byte lanes ``strb`` selects."""
    return sum(0xFF << (8 * i) for i in range(4) if strb >> i & 1)


class AxilMonitor(uvm_component):
    """Passive: watches the five channels on the shared bus object and publishes each completed
    access on ``ap`` (a write when its B handshake completes, pairing AW and W in order; a read
    when its R handshake completes). Each channel sleeps on the rising edge of its valid while
    idle."""

    def __init__(self, name: str, parent: uvm_component | None, bus: AxiLiteBus,
                 clk: Any) -> None:
        super().__init__(name, parent)
        self.bus = bus
        self.clk = clk
        self.ap = uvm_analysis_port("ap", self)
        self.count = 0

    async def run_phase(self) -> None:
        await self.run()

    async def run(self) -> None:
        wr, rd = self.bus.write, self.bus.read
        aw: deque[int] = deque()
        w: deque[tuple[int, int]] = deque()
        ar: deque[int] = deque()

        def on_b(resp: int) -> None:
            data, strb = w.popleft()
            self._publish(RegAccess(True, aw.popleft(), data, resp, strb))

        def on_r(val: tuple[int, int]) -> None:
            self._publish(RegAccess(False, ar.popleft(), val[0], val[1]))

        for ch, valid, ready, sample, sink in (
            ("aw", wr.aw.awvalid, wr.aw.awready, lambda: _u(wr.aw.awaddr), aw.append),
            ("w", wr.w.wvalid, wr.w.wready, lambda: (_u(wr.w.wdata), _u(wr.w.wstrb)),
             w.append),
            ("b", wr.b.bvalid, wr.b.bready, lambda: _u(wr.b.bresp), on_b),
            ("ar", rd.ar.arvalid, rd.ar.arready, lambda: _u(rd.ar.araddr), ar.append),
            ("r", rd.r.rvalid, rd.r.rready, lambda: (_u(rd.r.rdata), _u(rd.r.rresp)), on_r),
        ):
            cocotb.start_soon(self._channel(ch, valid, ready, sample, sink))

    def _publish(self, acc: RegAccess) -> None:
        self.count += 1
        self.ap.write(acc)

    async def _channel(self, name: str, valid: Any, ready: Any, sample: Callable[[], Any],
                       sink: Callable[[Any], None]) -> None:
        """Hand every handshake of one channel (valid && ready at a rising edge, read there: the
        values the slave samples) to ``sink``; one wake-up per cycle while valid is high."""
        clk_edge = RisingEdge(self.clk)
        valid_rise = RisingEdge(valid)
        await ReadOnly()  # the drivers' initial values are applied (undriven inputs read Z)
        while True:
            if not valid.value:
                await valid_rise
            await clk_edge
            while True:
                if valid.value and ready.value:
                    try:
                        sink(sample())
                    except IndexError:  # a response without its request: the checkers flag it
                        self.logger.warning("AXI %s handshake without a matching request", name)
                if not valid.value:
                    break
                await clk_edge


def _u(h: Any) -> int:
    return int(h.value.to_unsigned())
