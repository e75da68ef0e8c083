"""The types of the generated register contract (``hxsim._regmap``, re-exported by
``hxsim.regmap``): fields, AXI4-Lite registers and vector-port entries, as described in
data/hx_top.rdl. Written once here; the generator (``hxsim.contract``) emits only their values."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Field", "Register", "Vector"]


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
    """One AXI4-Lite register: access RO, WO (reads 0), RW or W1C (write 1 to clear)."""

    name: str
    addr: int
    access: str
    reset: int
    wmask: int
    busy_refused: bool
    timing: str | None
    desc: str
    fields: tuple[Field, ...]


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
