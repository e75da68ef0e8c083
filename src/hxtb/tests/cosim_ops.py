"""cocotb module: the simulator side of the co-simulation session (``hxtb.session``).

Started by ``hxtb.session.client.CosimDevice`` (one simulator run per device) with the address
and key of its listener in the environment (``HX_SESSION_ADDRESS``, ``HX_SESSION_AUTHKEY``);
``hxtb.session.server.serve_simulator`` answers its requests (one ``RunVmms`` per batch, raw
programs, close) on hx_top through the AXI4-Lite agent and the vector-port driver, with the
Python bridge as the analog array.
"""

from __future__ import annotations

from typing import Any

import cocotb

from hxtb.session.server import serve_simulator


@cocotb.test()
async def test_ops_session(dut: Any) -> None:
    await serve_simulator(dut)
