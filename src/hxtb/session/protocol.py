"""Messages of the co-simulation session (``hxtb.session``): typed dataclasses sent pickled over a
``multiprocessing.connection`` connection (Unix socket, authenticated with a random key).

Every request gets exactly one reply: ``Open`` -> ``Opened``; ``RunVmms`` -> ``VmmsDone``;
``Execute`` -> ``Executed``; ``Close`` -> ``Closed``; any request may instead be answered by
``Failed``. Arrays are numpy arrays (int64); the chip's trial-noise position
(``ChipInstance.noise_state``, a PCG64 state dict) travels with every request and reply, so the
host's chip always holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hxsim.bringup.program import Op
from hxsim.capmem import CapMemConfig
from hxsim.params import ChipParams
from hxsim.timing import Timing
from hxsim.types import I64

#: Environment variables through which the host tells the simulator where to connect.
ENV_ADDRESS = "HX_SESSION_ADDRESS"
ENV_AUTHKEY = "HX_SESSION_AUTHKEY"


@dataclass(frozen=True)
class Open:
    """Start of a session: the chip the simulator's bridge computes on."""

    params: ChipParams
    fixed_seed: int
    noise_seed: int


@dataclass(frozen=True)
class RunVmms:
    """One ``run_vmms`` batch (arguments checked by the host, defaults filled in): ``x[B, 128]``,
    ``w[128, 256]``, ``timing``, ``dac_offsets[128]``, ``column_offsets[256]``, and the CapMem
    cells the batch runs with (``capmem``; None: their reset values). The server writes the cells
    over AXI (those differing from what it last wrote); the bridge reads them back from the RTL."""

    x: I64
    w: I64
    timing: Timing
    dac_offsets: I64
    column_offsets: I64
    noise_state: dict[str, Any]
    capmem: CapMemConfig | None = None


@dataclass(frozen=True)
class Execute:
    """A raw register-level program (``hxsim.bringup.program`` ops)."""

    ops: list[Op]
    check: bool
    noise_state: dict[str, Any]


@dataclass(frozen=True)
class Close:
    """End of the session: the simulator run finishes."""


@dataclass(frozen=True)
class ServerStats:
    """What the simulator side has done in this session so far (cumulative)."""

    requests: int = 0
    vmms: int = 0
    ops: int = 0
    sim_ns: int = 0


@dataclass(frozen=True)
class Opened:
    """The testbench is up (hx_top reset, bridge running)."""

    stats: ServerStats


@dataclass(frozen=True)
class VmmsDone:
    """Results of a ``RunVmms`` batch: raw codes and int8 results ``[B, 256]``, ``cycles[B]``."""

    baseline: I64
    result: I64
    y: I64
    cycles: I64
    noise_state: dict[str, Any]
    stats: ServerStats


@dataclass(frozen=True)
class Executed:
    """Results of an ``Execute``: ``reads`` as (op index, value) pairs, the mismatch messages
    and the number of VMMs (marks) the program had."""

    reads: list[tuple[int, Any]]
    mismatches: list[str]
    vmms: int
    noise_state: dict[str, Any]
    stats: ServerStats


@dataclass(frozen=True)
class Closed:
    """The session ended."""

    stats: ServerStats


@dataclass(frozen=True)
class Failed:
    """The request failed: ``refused`` when hx_top refused an access of a batch's program
    (``message`` names the first mismatch), else an error of the simulator side."""

    message: str
    refused: bool = False


Request = Open | RunVmms | Execute | Close
Reply = Opened | VmmsDone | Executed | Closed | Failed
