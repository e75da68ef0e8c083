"""The chip's capacitive memory (CapMem): the analog bias parameters of one hemisphere in VMM mode.

This module is the interface between three parts: the RTL's CapMem configuration block (which
holds the cells and presents them to the analog array), the co-simulation bridge (which reads the
cells from the RTL at each VMM) and the behavioural model (which maps each cell to gain, noise,
saturation and non-linearity). The cell names follow calix/haldls (../shared/ref/bss2-facts.md,
sections 3-4); the register map of the cells is in ``data/hx_top.rdl``.

Layout (one hemisphere, 256 columns in ``N_QUADRANTS`` CapMem quadrants of 128 columns each):

* quadrant cells, one value per quadrant and name (``QUADRANT_CELLS``);
* column cells, one value per column (neuron) and name (``COLUMN_CELLS``).

Every cell is a 10-bit CapMem value ``0..CAPMEM_MAX`` (1022: the largest value haldls allows,
``CapMemCell::Value::max``). ``DEFAULTS`` are the RTL's reset values; at the defaults the model
behaves exactly as a chip at its calibrated point (``hxsim.params.ChipParams`` unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hxsim.golden import TILE_COLS
from hxsim.types import I64

#: Largest CapMem cell value (haldls CapMemCell::Value::max = 1022).
CAPMEM_MAX = 1022
#: CapMem quadrants of one hemisphere; quadrant q holds columns q*128 .. q*128+127.
N_QUADRANTS = 2
COLUMNS_PER_QUADRANT = TILE_COLS // N_QUADRANTS

#: Quadrant cells (name -> reset value, source).
QUADRANT_CELLS: dict[str, tuple[int, str]] = {
    "syn_i_bias_dac": (800, "[V] calix hagen: syn_i_bias_dac set to 800, then calibrated"),
    "stp_i_ramp": (600, "[V] calix STPRampCalib per quadrant; start value [NF]"),
    "hagen_ibias_dac": (820, "[V] calix preconfigure_capmem: hagen_ibias_dac_top/bottom = 820"),
    "cadc_v_ramp_offset": (400, "[V] calix CADC calib per quadrant; start value [NF]"),
    "cadc_i_ramp_slope": (350, "[V] calix CADC calib per quadrant; start value [NF]"),
}
#: Column (neuron) cells (name -> reset value, source).
COLUMN_CELLS: dict[str, tuple[int, str]] = {
    "i_bias_synin_gm": (450, "[V] calix HagenNeuronCalibTarget i_synin_gm = 450"),
    "i_bias_leak": (0, "[V] calix HagenCalibOptions neuron_disable_leakage: leak bias 0"),
}
#: Every cell's reset value by name.
DEFAULTS: dict[str, int] = {k: v[0] for k, v in (QUADRANT_CELLS | COLUMN_CELLS).items()}


def _cells(name: str, value: object, shape: tuple[int, ...]) -> I64:
    a = np.asarray(value)
    if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and np.all(np.isfinite(a))
                                         and np.all(a == np.round(a))):
        raise ValueError(f"CapMemConfig.{name}: expected integers 0..{CAPMEM_MAX}, "
                         f"got dtype {a.dtype}")
    a = np.broadcast_to(a.astype(np.int64), shape) if a.ndim == 0 else a.astype(np.int64)
    if a.shape != shape:
        raise ValueError(f"CapMemConfig.{name}: expected shape {shape}, got {a.shape}")
    if a.size and (a.min() < 0 or a.max() > CAPMEM_MAX):
        raise ValueError(f"CapMemConfig.{name}: values must lie in 0..{CAPMEM_MAX}, "
                         f"got {int(a.min())}..{int(a.max())}")
    out = np.array(a, dtype=np.int64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class CapMemConfig:
    """Values of every CapMem cell of one hemisphere (read-only int64 arrays).

    Attributes:
        quadrant: ``{name: int64[N_QUADRANTS]}`` for every name in ``QUADRANT_CELLS``.
        column: ``{name: int64[256]}`` for every name in ``COLUMN_CELLS``.

    Raises:
        ValueError: a missing or unknown name, a wrong shape, a non-integer value or one outside
            0..1022 (naming the cell).
    """

    quadrant: dict[str, Any]
    column: dict[str, Any]

    def __post_init__(self) -> None:
        for given, names, kind in ((self.quadrant, QUADRANT_CELLS, "quadrant"),
                                   (self.column, COLUMN_CELLS, "column")):
            if not isinstance(given, dict):
                raise ValueError(f"CapMemConfig.{kind}: expected a mapping of cell names")
            unknown = sorted(set(given) - set(names))
            missing = sorted(set(names) - set(given))
            if unknown or missing:
                raise ValueError(f"CapMemConfig.{kind}: unknown cell(s) {unknown}, "
                                 f"missing cell(s) {missing}")
        shape_q, shape_c = (N_QUADRANTS,), (TILE_COLS,)
        object.__setattr__(self, "quadrant",
                           {k: _cells(k, self.quadrant[k], shape_q) for k in QUADRANT_CELLS})
        object.__setattr__(self, "column",
                           {k: _cells(k, self.column[k], shape_c) for k in COLUMN_CELLS})

    @classmethod
    def default(cls) -> CapMemConfig:
        """Every cell at its reset value (``DEFAULTS``)."""
        return cls({k: DEFAULTS[k] for k in QUADRANT_CELLS}, {k: DEFAULTS[k] for k in COLUMN_CELLS})

    def per_column(self, name: str) -> I64:
        """The cell ``name`` as seen by each of the 256 columns (quadrant cells repeated)."""
        if name in self.column:
            return self.column[name]
        if name in self.quadrant:
            return np.repeat(self.quadrant[name], COLUMNS_PER_QUADRANT)
        raise ValueError(f"CapMemConfig: unknown cell {name!r}; known: {sorted(DEFAULTS)}")

    def with_(self, **cells: object) -> CapMemConfig:
        """A copy with some cells replaced (a scalar sets every quadrant/column of that cell)."""
        unknown = sorted(set(cells) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"CapMemConfig: unknown cell(s) {unknown}; known: {sorted(DEFAULTS)}")
        q = {k: cells.get(k, v) for k, v in self.quadrant.items()}
        c = {k: cells.get(k, v) for k, v in self.column.items()}
        return CapMemConfig(q, c)

    def key(self) -> bytes:
        """A hashable digest of every value (equal configs have equal keys), for caches."""
        parts = [self.quadrant[k].tobytes() for k in QUADRANT_CELLS]
        parts += [self.column[k].tobytes() for k in COLUMN_CELLS]
        return b"".join(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CapMemConfig) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    @property
    def is_default(self) -> bool:
        return self == CapMemConfig.default()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"quadrant": {name: [..]}, "column": {name: [..]}}``."""
        return {"quadrant": {k: v.tolist() for k, v in self.quadrant.items()},
                "column": {k: v.tolist() for k, v in self.column.items()}}

    @classmethod
    def from_dict(cls, data: object) -> CapMemConfig:
        """Inverse of ``to_dict``; missing cells take their defaults, unknown ones are refused."""
        if not isinstance(data, dict) or set(data) - {"quadrant", "column"}:
            raise ValueError("CapMemConfig: expected an object with keys 'quadrant' and 'column'")
        q, c = data.get("quadrant", {}), data.get("column", {})
        if not isinstance(q, dict) or not isinstance(c, dict):
            raise ValueError("CapMemConfig: 'quadrant' and 'column' must be objects")
        # unknown names are kept so that the constructor refuses them by name
        return cls({**{k: DEFAULTS[k] for k in QUADRANT_CELLS}, **q},
                   {**{k: DEFAULTS[k] for k in COLUMN_CELLS}, **c})


__all__ = ["CAPMEM_MAX", "COLUMNS_PER_QUADRANT", "COLUMN_CELLS", "CapMemConfig", "DEFAULTS",
           "N_QUADRANTS", "QUADRANT_CELLS"]
