"""hxtb.wake outside a simulator: no wake ports, so the testbench falls back to cocotb's edge
triggers (inside Verilator's tb_main.cpp, test_verif_sim_loop checks the ports against cocotb's
triggers)."""

from __future__ import annotations

import ctypes

from hxtb.wake import WakePorts


def test_no_wake_ports_outside_a_simulator() -> None:
    assert not hasattr(ctypes.CDLL(None), "hx_wake_find")  # (this process is no simulator)
    assert WakePorts.open() is None
    assert WakePorts.open() is None  # probed once, the same answer
    assert WakePorts.open(enabled=False) is None
