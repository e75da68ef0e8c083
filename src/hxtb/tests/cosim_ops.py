"""cocotb module: serve register-level programs for ``hxtb.api.CosimTarget``.

Started by ``CosimTarget`` (one simulator run per target) with the path of its Unix socket in
the environment variable ``HX_OPS_SOCKET``; every program (axi_write / axi_read / vstore / vload /
wait_done / mark) runs on hx_top through the AXI4-Lite agent and the vector-port driver, with the
Python bridge as the analog array. See ``hxtb.api`` for the protocol.
"""

from __future__ import annotations

from typing import Any

import cocotb

from hxtb.api import serve_session


@cocotb.test()
async def test_ops_session(dut: Any) -> None:
    await serve_session(dut)
