"""The types of the generated register contract (``hxsim._regmap``, re-exported by
``hxsim.regmap``): fields, AXI4-Lite registers and vector-port entries, as described in
data/hx_top.rdl. Written once here; the generator (``hxsim.contract``) emits only their values."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Field", "Register", "Vector", "Window"]


@dataclass(frozen=True)
class Field:
    """One field: bits [lsb +: width]; sw access "r", "w" or "rw"; allowed lo..hi (None: the
    field's full range); range_err: the error a value outside lo..hi is refused with."""

    name: str
    lsb: int
    width: int
    sw: str
    reset: int | None = None
    lo: int | None = None
    hi: int | None = None
    range_err: str | None = None
    w1c: bool = False
    pulse: bool = False
    signed: bool = False
    desc: str = ""

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb


@dataclass(frozen=True)
class Register:
    """One AXI4-Lite register: access RO, WO (reads 0), RW or W1C (write 1 to clear). A CapMem
    quadrant cell names its cell (``capmem``, an ``hxsim.capmem`` name) and ``quadrant``."""

    name: str
    addr: int
    access: str
    reset: int
    wmask: int
    busy_refused: bool
    timing: str | None
    desc: str
    fields: tuple[Field, ...]
    capmem: str | None = None
    quadrant: int | None = None


@dataclass(frozen=True)
class Vector:
    """A vector-port entry: rows x halves consecutive addresses from addr, one vector of lanes
    byte lanes each; lane describes one lane (access, reset, allowed range)."""

    name: str
    addr: int
    rows: int
    halves: int
    lanes: int
    desc: str
    lane: Field


@dataclass(frozen=True)
class Window:
    """A register array of the AXI4-Lite map: ``count`` words from byte address ``addr``
    (word j at ``addr + stride*j``), each one RW ``field`` (a CapMem column window: word j is
    column j of cell ``capmem``)."""

    name: str
    addr: int
    count: int
    stride: int
    busy_refused: bool
    capmem: str | None
    desc: str
    field: Field

    @property
    def end(self) -> int:
        """The first byte address after the window."""
        return self.addr + self.count * self.stride

    def __contains__(self, addr: object) -> bool:
        return isinstance(addr, int) and self.addr <= addr < self.end
