"""Wake ports: edges of tb_top outputs that the simulator's main loop watches for the testbench,
awaited as cocotb triggers.

A cocotb edge trigger (``RisingEdge(sig)``) is a VPI value-change callback. Verilator checks every
registered value-change callback after every evaluation of the model: a walk of its callback list
with a ``memcmp`` per entry, four times per clock cycle. The testbench waits almost all of a VMM
on two edges (the bridge on ``cadc_start_o``, the test on the wait guard's ``wait_busy_o`` or
``wait_irq_o``), and those two list entries cost about a quarter of the testbench's time per VMM
(``perf`` of ``bench_vmm``, docs/cosim.md "Speed").

So the co-simulation's Verilator main loop (tb/hdl/tb_main.cpp) watches these three tb_top
outputs itself (a byte compare per evaluation) and calls back into Python, through ctypes, when an
armed edge happens. ``WakeEdge`` is the cocotb trigger for one of them: awaiting it arms the port
(a bit of the loop's exported ``hx_wake_armed``, set in place: a store, not a ctypes call),
and the callback fires the trigger exactly as cocotb fires its own triggers from a simulator
callback (``GPITrigger._react``: the waiting tasks run, then cocotb's event loop). The read and
write points are those of a value-change callback in the same place of the loop: after the
evaluation in which the port changed, before time advances.

``WakePorts.open()`` returns None (and the testbench uses cocotb's edge triggers) when the knob
``HX_WAKE_PORTS=0`` asks for it, or when the simulator process has no wake ports (Icarus, or a
Verilator build with cocotb's own main loop).
"""

from __future__ import annotations

import ctypes
import logging
from typing import ClassVar

from cocotb.triggers import GPITrigger

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32)


class WakeEdge(GPITrigger):
    """One edge of one wake port (use ``WakePorts.edge``: one object per port and edge, as cocotb
    keeps one ``RisingEdge`` per signal)."""

    def __init__(self, ports: WakePorts, index: int, name: str, rising: bool) -> None:
        super().__init__()
        self._ports = ports
        self.index = index
        self.bit = 1 << index
        self.name = name
        self.rising = rising

    def _prime(self) -> None:
        self._ports._arm(self)

    def _unprime(self) -> None:
        self._ports._disarm(self)

    def __repr__(self) -> str:
        return f"WakeEdge({self.name}, {'rising' if self.rising else 'falling'})"


class WakePorts:
    """The wake ports of this simulator process (one object per process: ``open``)."""

    _instance: ClassVar[WakePorts | None] = None  # this process's, once probed
    _probed: ClassVar[bool] = False

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.log = logging.getLogger("hxtb.wake")
        self._lib = lib
        self._find = lib.hx_wake_find
        self._find.argtypes = (ctypes.c_char_p, ctypes.c_int)
        self._find.restype = ctypes.c_int
        # the loop's armed bits, set and cleared in place (a store, not a call)
        self._bits = ctypes.c_uint32.in_dll(lib, "hx_wake_armed")
        self._edges: dict[tuple[str, bool], WakeEdge] = {}
        self._armed: dict[int, WakeEdge] = {}
        self.fired = 0  # edges delivered (a count for tests and the bench)
        self._callback = _CALLBACK(self._fire)  # kept referenced: the loop holds its address
        lib.hx_wake_connect.argtypes = (_CALLBACK,)
        lib.hx_wake_connect.restype = None
        lib.hx_wake_connect(self._callback)

    @classmethod
    def open(cls, enabled: bool = True) -> WakePorts | None:
        """The wake ports of this process, or None when ``enabled`` is False or the simulator's
        main loop has none (Icarus; Verilator with cocotb's main loop)."""
        if not enabled:
            return None
        if not cls._probed:
            cls._probed = True
            try:
                lib = ctypes.CDLL(None)
                lib.hx_wake_find  # noqa: B018 (probe: AttributeError when not exported)
            except (OSError, AttributeError):
                return None
            cls._instance = cls(lib)
        return cls._instance

    def edge(self, port: str, rising: bool) -> WakeEdge:
        """The trigger for the ``rising`` (else falling) edge of tb_top output ``port``;
        ValueError if the main loop does not watch that edge."""
        key = (port, rising)
        trig = self._edges.get(key)
        if trig is None:
            index = int(self._find(port.encode(), int(rising)))
            if index < 0:
                raise ValueError(f"wake ports: the simulator loop does not watch the "
                                 f"{'rising' if rising else 'falling'} edge of {port!r}")
            trig = self._edges[key] = WakeEdge(self, index, port, rising)
        return trig

    def _arm(self, trig: WakeEdge) -> None:
        self._armed[trig.index] = trig
        self._bits.value |= trig.bit

    def _disarm(self, trig: WakeEdge) -> None:
        if self._armed.get(trig.index) is trig:
            del self._armed[trig.index]
            self._bits.value &= ~trig.bit

    def _fire(self, bits: int) -> int:
        """Called by the simulator loop with the fired ports (already disarmed there). Returns
        non-zero to end the simulation (an error inside cocotb's own machinery: a test's errors
        are handled by cocotb's tasks and never get here)."""
        try:
            armed = self._armed
            fired = [armed.pop(i) for i in range(bits.bit_length())
                     if bits >> i & 1 and i in armed]
            self.fired += len(fired)
            for trig in fired:
                trig._react()
        except BaseException:
            self.log.exception("wake-port callback failed")
            return 1
        return 0
