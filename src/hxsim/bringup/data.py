"""The measured-data format (docs/data-format.md): NPZ and CSV, one validated dataclass.

A data set is a list of VMMs on one hemisphere tile (128 inputs x 256 columns):
``inputs[N, 128]`` (0..31), ``weights[M, 128, 256]`` (-63..63), ``weight_index[N]`` (which matrix
VMM n used), ``outputs[N, R, 256]`` (int8, R repetitions of every VMM) and ``metadata`` (JSON
object; required: ``num_sends``, ``timing``, ``source``). A real chip's measurements and the
simulator write the same format. Every check raises ``DataFormatError`` (a ``ValueError``) whose
message starts with the offending field's name.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.checks import NpzError, read_npz, read_text, require_file
from hxsim.golden import INT8_MAX, INT8_MIN, TILE_COLS, TILE_ROWS, W_MAX, X_MAX
from hxsim.outputs import Outputs
from hxsim.timing import TIMING_RANGES, Timing
from hxsim.types import I64

FORMAT = "hxsim-measured"
VERSION = 1
CSV_MAGIC = f"# {FORMAT} v{VERSION}"
REQUIRED_METADATA = ("num_sends", "timing", "source")

#: allowed num_sends (the NUM_SENDS register's range, from the contract)
NS_MIN, NS_MAX = TIMING_RANGES["num_sends"]


class DataFormatError(ValueError):
    """A malformed or inconsistent data file; the message names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"field '{field_name}': {message}")
        self.field = field_name
        self.detail = message


def _arr(value: object, name: str, lo: int, hi: int, ndim: int) -> I64:
    a = np.asarray(value)
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        raise DataFormatError(name, f"expected integers, got dtype {a.dtype}")
    if a.ndim != ndim:
        raise DataFormatError(name, f"expected {ndim} dimensions, got shape {a.shape}")
    if a.dtype.kind == "f" and (not np.all(np.isfinite(a)) or np.any(a != np.floor(a))):
        raise DataFormatError(name, "contains non-integer values")
    if a.size and (a.min() < lo or a.max() > hi):
        bad = a.min() if a.min() < lo else a.max()
        raise DataFormatError(name, f"value {bad:g} is outside the allowed range {lo}..{hi}")
    return a.astype(np.int64)


@dataclass
class MeasuredData:
    """One data set of the measured-data format (see the module docstring)."""

    inputs: I64
    weights: I64
    weight_index: I64
    outputs: I64
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check types, shapes, ranges and consistency; raise ``DataFormatError`` naming the
        first bad field."""
        self.inputs = _arr(self.inputs, "inputs", 0, X_MAX, 2)
        self.weights = _arr(self.weights, "weights", -W_MAX, W_MAX, 3)
        self.weight_index = _arr(self.weight_index, "weight_index", 0, 2**31, 1)
        self.outputs = _arr(self.outputs, "outputs", INT8_MIN, INT8_MAX, 3)
        n = self.inputs.shape[0]
        if n < 1 or self.inputs.shape[1] != TILE_ROWS:
            raise DataFormatError("inputs", f"expected shape Nx{TILE_ROWS} with N >= 1, got "
                                  f"{self.inputs.shape}")
        if self.weights.shape[0] < 1 or self.weights.shape[1:] != (TILE_ROWS, TILE_COLS):
            raise DataFormatError("weights", f"expected shape Mx{TILE_ROWS}x{TILE_COLS} with "
                                  f"M >= 1, got {self.weights.shape}")
        if self.weight_index.shape != (n,):
            raise DataFormatError("weight_index", f"expected {n} entries (one per input vector), "
                                  f"got shape {self.weight_index.shape}")
        if self.weight_index.size and self.weight_index.max() >= self.weights.shape[0]:
            raise DataFormatError("weight_index", f"refers to weight matrix "
                                  f"{int(self.weight_index.max())}, but only "
                                  f"{self.weights.shape[0]} are given")
        o = self.outputs.shape
        if o[0] != n or o[1] < 1 or o[2] != TILE_COLS:
            raise DataFormatError("outputs", f"expected shape {n}xRx{TILE_COLS} (R >= 1 "
                                  f"repetitions), got {o}")
        md = self.metadata
        if not isinstance(md, dict):
            raise DataFormatError("metadata", "expected a JSON object")
        for key in REQUIRED_METADATA:
            if key not in md:
                raise DataFormatError(f"metadata.{key}", "missing")
        ns = md["num_sends"]
        if isinstance(ns, bool) or not isinstance(ns, int) or not NS_MIN <= ns <= NS_MAX:
            raise DataFormatError("metadata.num_sends",
                                  f"expected an integer {NS_MIN}..{NS_MAX}, got {ns!r}")
        if not isinstance(md["timing"], dict):
            raise DataFormatError("metadata.timing", "expected an object of timing registers")
        try:
            t = Timing.from_dict(md["timing"])
        except (ValueError, TypeError) as exc:
            raise DataFormatError("metadata.timing", str(exc)) from exc
        if t.num_sends != ns:
            raise DataFormatError("metadata.num_sends", f"{ns} disagrees with "
                                  f"metadata.timing.num_sends {t.num_sends}")
        if not isinstance(md["source"], str) or not md["source"]:
            raise DataFormatError("metadata.source", "expected a non-empty string (e.g. "
                                  "'simulator' or the chip's name)")
        gain = md.get("gain_nominal", 0.002)
        if isinstance(gain, bool) or not isinstance(gain, int | float) or not 0 < gain <= 1:
            raise DataFormatError("metadata.gain_nominal", f"expected a number in (0, 1], "
                                  f"got {gain!r}")

    # ---- convenience ----------------------------------------------------------------------
    @property
    def num_vmms(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def repetitions(self) -> int:
        return int(self.outputs.shape[1])

    @property
    def num_sends(self) -> int:
        return int(self.metadata["num_sends"])

    @property
    def timing(self) -> Timing:
        return Timing.from_dict(self.metadata["timing"])

    @property
    def gain_nominal(self) -> float:
        return float(self.metadata.get("gain_nominal", 0.002))

    # ---- files ------------------------------------------------------------------------------
    def save(self, path: str | Path, force: bool = False) -> Path:
        """Write ``.npz`` or ``.csv`` (by suffix) through a temporary file renamed into place;
        refuse to overwrite unless ``force``."""
        p = Path(path)
        if p.suffix.lower() not in (".npz", ".csv"):
            raise DataFormatError("path", f"{p}: unknown suffix {p.suffix!r} (use .npz or .csv)")
        outs = Outputs(force)
        outs.add(p, (".npz", ".csv"))
        outs.check()
        with outs.commit() as temp:
            self._write(temp(p), p.suffix.lower())
        return p

    def _write(self, p: Path, suffix: str) -> None:
        if suffix == ".npz":
            with p.open("wb") as fh:
                np.savez_compressed(
                    fh, inputs=self.inputs.astype(np.uint8), weights=self.weights.astype(np.int8),
                    weight_index=self.weight_index.astype(np.int32),
                    outputs=self.outputs.astype(np.int8),
                    metadata=np.asarray(json.dumps(self.metadata, sort_keys=True)))
        else:
            p.write_text(self.to_csv(), encoding="utf-8")

    def to_csv(self) -> str:
        buf = io.StringIO()
        buf.write(CSV_MAGIC + "\n")
        buf.write("# metadata: " + json.dumps(self.metadata, sort_keys=True) + "\n")
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(["record", "i", "j", "values..."])
        for m in range(self.weights.shape[0]):
            for r in range(TILE_ROWS):
                wr.writerow(["weights", m, r, *self.weights[m, r].tolist()])
        for n in range(self.num_vmms):
            wr.writerow(["input", n, int(self.weight_index[n]), *self.inputs[n].tolist()])
        for n in range(self.num_vmms):
            for r in range(self.repetitions):
                wr.writerow(["output", n, r, *self.outputs[n, r].tolist()])
        return buf.getvalue()

    @classmethod
    def load(cls, path: str | Path) -> MeasuredData:
        p = Path(path)
        require_file(p)
        suffix = p.suffix.lower()
        if suffix not in (".npz", ".csv"):
            raise DataFormatError("path", f"{p}: unknown suffix {p.suffix!r} (use .npz or .csv)")
        try:
            if suffix == ".npz":
                return cls._load_npz(p)
            return cls.from_csv(read_text(p, "measured data"), str(p))
        except DataFormatError as exc:
            if str(p) in exc.detail:
                raise
            raise DataFormatError(exc.field, f"{p}: {exc.detail}") from exc

    @classmethod
    def _load_npz(cls, p: Path) -> MeasuredData:
        try:
            z = read_npz(p)
        except NpzError as exc:
            raise DataFormatError("file", str(exc)) from exc
        for key in ("inputs", "weights", "weight_index", "outputs", "metadata"):
            if key not in z:
                raise DataFormatError(key, f"{p}: missing")
        md_raw = z["metadata"]
        if md_raw.dtype.kind != "U" or md_raw.ndim != 0:
            raise DataFormatError("metadata", f"{p}: expected a JSON string (0-d str array)")
        md = _parse_metadata(str(md_raw))
        return cls(inputs=z["inputs"], weights=z["weights"], weight_index=z["weight_index"],
                   outputs=z["outputs"], metadata=md)

    @classmethod
    def from_csv(cls, text: str, name: str = "<csv>") -> MeasuredData:
        lines = text.splitlines()
        if not lines or lines[0].strip() != CSV_MAGIC:
            raise DataFormatError("header", f"{name}: first line must be '{CSV_MAGIC}'")
        if len(lines) < 3 or not lines[1].startswith("# metadata: "):
            raise DataFormatError("metadata", f"{name}: line 2 must be '# metadata: {{json}}'")
        md = _parse_metadata(lines[1][len("# metadata: "):])
        weights: dict[tuple[int, int], list[int]] = {}
        inputs: dict[int, tuple[int, list[int]]] = {}
        outputs: dict[tuple[int, int], list[int]] = {}
        widths = {"weights": TILE_COLS, "input": TILE_ROWS, "output": TILE_COLS}
        field_of = {"weights": "weights", "input": "inputs", "output": "outputs"}
        for lineno, row in enumerate(csv.reader(lines[3:]), start=4):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            kind = row[0].strip()
            if kind not in widths:
                raise DataFormatError("record", f"{name} line {lineno}: unknown record type "
                                      f"{kind!r} (weights, input or output)")
            fname = field_of[kind]
            if len(row) != 3 + widths[kind]:
                raise DataFormatError(fname, f"{name} line {lineno}: expected "
                                      f"{widths[kind]} values, got {len(row) - 3}")
            try:
                vals = [int(v) for v in row[1:]]
            except ValueError as exc:
                raise DataFormatError(fname, f"{name} line {lineno}: {exc}") from exc
            i, j, v = vals[0], vals[1], vals[2:]
            if i < 0 or j < 0:
                raise DataFormatError(fname, f"{name} line {lineno}: negative index")
            key = (i, j)
            if kind == "weights":
                if key in weights:
                    raise DataFormatError(fname, f"{name} line {lineno}: duplicate row {key}")
                weights[key] = v
            elif kind == "input":
                if i in inputs:
                    raise DataFormatError(fname, f"{name} line {lineno}: duplicate vector {i}")
                inputs[i] = (j, v)
            else:
                if key in outputs:
                    raise DataFormatError(fname, f"{name} line {lineno}: duplicate output {key}")
                outputs[key] = v
        if not weights:
            raise DataFormatError("weights", f"{name}: no weights records")
        if not inputs:
            raise DataFormatError("inputs", f"{name}: no input records")
        if not outputs:
            raise DataFormatError("outputs", f"{name}: no output records")
        # indices are bounded by the records of the file before anything is allocated by them
        for what, top, count in (("weights", max(k[0] for k in weights), len(weights) // TILE_ROWS),
                                 ("inputs", max(inputs), len(inputs)),
                                 ("inputs", max(k[0] for k in outputs), len(inputs)),
                                 ("outputs", max(k[1] for k in outputs),
                                  len(outputs) // max(1, len(inputs)))):
            if top >= max(count, 1):
                raise DataFormatError(what, f"{name}: index {top} beyond the {count} {what} "
                                      "records the file holds")
        m = max(k[0] for k in weights) + 1
        for mi in range(m):
            for r in range(TILE_ROWS):
                if (mi, r) not in weights:
                    raise DataFormatError("weights", f"{name}: matrix {mi} row {r} missing")
        if any(k[1] >= TILE_ROWS for k in weights):
            raise DataFormatError("weights", f"{name}: row index beyond {TILE_ROWS - 1}")
        n = max(max(inputs), max(k[0] for k in outputs)) + 1
        missing = sorted(set(range(n)) - set(inputs))
        if missing:
            raise DataFormatError("inputs", f"{name}: vector {missing[0]} missing")
        reps = max(k[1] for k in outputs) + 1
        for ni in range(n):
            for r in range(reps):
                if (ni, r) not in outputs:
                    raise DataFormatError("outputs", f"{name}: vector {ni} repetition {r} missing")
        if len(outputs) != n * reps:
            raise DataFormatError("outputs", f"{name}: outputs for vectors that have no input")
        w = np.array([[weights[(mi, r)] for r in range(TILE_ROWS)] for mi in range(m)])
        x = np.array([inputs[i][1] for i in range(n)])
        idx = np.array([inputs[i][0] for i in range(n)])
        y = np.array([[outputs[(i, r)] for r in range(reps)] for i in range(n)])
        return cls(inputs=x, weights=w, weight_index=idx, outputs=y, metadata=md)


def _parse_metadata(text: str) -> dict[str, Any]:
    try:
        md = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError("metadata", f"not valid JSON: {exc}") from exc
    if not isinstance(md, dict):
        raise DataFormatError("metadata", "expected a JSON object")
    return md


def check_writable(path: Path, force: bool) -> None:
    """Refuse to overwrite ``path`` unless ``force`` (``FileExistsError`` naming it)."""
    if path.exists() and not force:
        raise FileExistsError(f"{path}: exists; use --force to overwrite")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)


def base_metadata(timing: Timing, source: str, **extra: Any) -> dict[str, Any]:
    """Metadata with the required keys filled in from ``timing``."""
    md: dict[str, Any] = {"format": FORMAT, "version": VERSION, "source": source,
                          "num_sends": timing.num_sends, "timing": timing.to_dict()}
    md.update(extra)
    return md
