"""Stimulus and expected-response files for replaying VMMs on a bring-up setup
(docs/data-format.md, "Vector files").

A vector file (version 2) is JSON Lines: line 1 is a header object (``format: "hxsim-vectors"``,
version, gain, timing, number of VMMs and weight matrices, seed, how the expectations were made,
``records``: the number of lines between header and end, ``sha256``: the checksum of the
header's other fields and those lines); then each
weight matrix once (``matrix``); then one register-level operation of ``hxsim.bringup.program``
per line (AXI writes of the timing registers, vector stores of the DAC and digital offsets and
inputs, ``use_matrix`` for a matrix's 512 synapse-row stores, START, wait for DONE, reads of
``CYCLES_LAST``/``EVENTS_LAST`` and result loads with their expected values); the last line is
``{"op": "end", "records": N}``. Expected results come from the golden model (noise-free: an
ideal chip or the HDL ideal array reproduces them bit for bit), expected ``CYCLES_LAST`` from
``hxsim.golden.vmm_timing``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.checks import require_file
from hxsim.golden import TILE_COLS, TILE_ROWS, W_MAX, check_gain, ideal_vmm, vmm_timing
from hxsim.outputs import Outputs
from hxsim.timing import Timing
from hxsim.types import I64

from . import program as prog
from .data import DataFormatError

FORMAT = "hxsim-vectors"
VERSION = 2


def random_vmms(count: int, seed: int, density: float = 0.5, matrices: int = 1,
                weight_max: int = 63) -> tuple[I64, I64, I64]:
    """``count`` random input vectors (each entry non-zero with probability ``density``),
    ``matrices`` random weight matrices (-weight_max..weight_max), VMM n uses matrix n % M."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100000:
        raise ValueError(f"count: expected an integer 1..100000, got {count!r}")
    if not 0.0 <= density <= 1.0:
        raise ValueError(f"density: expected a number in 0..1, got {density!r}")
    if isinstance(matrices, bool) or not isinstance(matrices, int) or not 1 <= matrices <= 64:
        raise ValueError(f"matrices: expected an integer 1..64, got {matrices!r}")
    if isinstance(weight_max, bool) or not isinstance(weight_max, int) \
            or not 0 <= weight_max <= 63:
        raise ValueError(f"weight_max: expected an integer 0..63, got {weight_max!r}")
    rng = np.random.default_rng(seed)
    w = rng.integers(-weight_max, weight_max + 1, size=(matrices, TILE_ROWS, TILE_COLS))
    x = rng.integers(1, 32, size=(count, TILE_ROWS)) * (rng.random((count, TILE_ROWS)) < density)
    return x.astype(np.int64), w.astype(np.int64), np.arange(count, dtype=np.int64) % matrices


def build(inputs: I64, weights: I64, weight_index: I64, timing: Timing, gain: float = 0.002,
          header_extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Header plus records for the given VMMs: each weight matrix once (``matrix``), then the
    operations, with ``use_matrix`` where the weights change (``load`` expands it)."""
    g = check_gain(gain)
    hdr: dict[str, Any] = {"format": FORMAT, "version": VERSION, "gain": g,
                           "timing": timing.to_dict(), "vmms": int(inputs.shape[0]),
                           "matrices": int(weights.shape[0]),
                           "expected": "golden model (noise-free), CYCLES_LAST from "
                                       "hxsim.golden.vmm_timing"}
    hdr.update(header_extra or {})
    ops: list[dict[str, Any]] = [hdr]
    for m in range(weights.shape[0]):
        ops.append({"op": "matrix", "id": m, "weights": weights[m].astype(int).tolist()})
    ops += prog.setup_ops(None, timing, np.full(TILE_ROWS, 32, np.int64),
                          np.zeros(TILE_COLS, np.int64))
    current = -1
    for n in range(inputs.shape[0]):
        m = int(weight_index[n])
        if m != current:
            ops.append({"op": "use_matrix", "id": m})
            current = m
        y = ideal_vmm(inputs[n], weights[m], g, timing.num_sends).astype(np.int64)
        vt = vmm_timing(timing, inputs[n])
        body = prog.vmm_ops(n, inputs[n], timing, expect_y=y)
        for op in body:
            if op.get("name") == "CYCLES_LAST":
                op["expect"] = vt.total_cycles
        ops += body
    return ops


def save(ops: list[dict[str, Any]], path: Path, force: bool = False) -> Path:
    """Write ``ops`` (header first, from ``build``) through a temporary file renamed into place;
    the header gets the record count and the SHA-256 of the records, and a closing ``end``
    record repeats the count (``load`` refuses a file where they do not match)."""
    outs = Outputs(force)
    outs.add(path, SUFFIXES)
    outs.check()
    lines = [json.dumps(op, separators=(",", ":")) + "\n" for op in ops[1:]]
    header = {k: v for k, v in ops[0].items() if k != "sha256"}
    header["records"] = len(lines)
    digest = _digest_start(header)
    for line in lines:
        digest.update(line.encode())
    header["sha256"] = digest.hexdigest()
    with outs.commit() as temp, temp(path).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header, separators=(",", ":")) + "\n")
        fh.writelines(lines)
        fh.write(json.dumps({"op": "end", "records": len(lines)}) + "\n")
    return path


#: Allowed suffixes of a vector file.
SUFFIXES = (".jsonl",)
_U32 = 2**32 - 1


class _Fields:
    """Checks of one record's fields; errors name file, line, field and the allowed values."""

    def __init__(self, path: Path, lineno: int, obj: dict[str, Any]) -> None:
        self.path, self.lineno, self.obj = path, lineno, obj

    def fail(self, key: str, allowed: str) -> DataFormatError:
        got = self.obj.get(key, "(missing)")
        text = json.dumps(got) if key in self.obj else str(got)
        if len(text) > 40:
            text = text[:37] + "..."
        kind = self.obj.get("op", "record")
        return DataFormatError(key, f"{self.path} line {self.lineno} ({kind}): expected "
                               f"{allowed}, got {text}")

    def integer(self, key: str, lo: int, hi: int) -> int:
        v = self.obj.get(key)
        if type(v) is not int or not lo <= v <= hi:
            raise self.fail(key, f"an integer {lo}..{hi}")
        return v

    def ints(self, key: str, length: int, lo: int, hi: int, null: bool = False) -> None:
        v = self.obj.get(key)
        if null and key in self.obj and v is None:
            return
        if not isinstance(v, list) or len(v) != length or not all(
                type(e) is int and lo <= e <= hi for e in v):
            raise self.fail(key, f"a list of {length} integers {lo}..{hi}"
                            + (" or null" if null else ""))

    def text(self, key: str) -> None:
        if key in self.obj and not isinstance(self.obj[key], str):
            raise self.fail(key, "a string")


def _check_op(f: _Fields, kind: str, matrices: dict[int, list[dict[str, Any]]],
              declared: int) -> None:
    o = f.obj
    if kind == "axi_write":
        f.integer("addr", 0, prog.AXI_ADDR_MAX)
        f.integer("data", 0, _U32)
    elif kind == "axi_read":
        f.integer("addr", 0, prog.AXI_ADDR_MAX)
        f.text("name")
        if o.get("expect") is not None:
            f.integer("expect", 0, _U32)
    elif kind == "vstore":
        f.integer("addr", 0, prog.VEC_ADDR_MAX)
        f.ints("lanes", prog.LANES, 0, 255)
    elif kind == "vload":
        f.integer("addr", 0, prog.VEC_ADDR_MAX)
        f.text("name")
        f.ints("expect", prog.LANES, 0, 255, null=True)
    elif kind == "wait_done":
        f.integer("max_cycles", 1, _U32)
    elif kind == "mark":
        f.integer("vmm", 0, _U32)
    elif kind == "matrix":
        m = f.integer("id", 0, max(declared - 1, 0))
        if m in matrices:
            raise f.fail("id", "a matrix id defined once")
        rows = o.get("weights")
        if not isinstance(rows, list) or len(rows) != TILE_ROWS:
            raise f.fail("weights", f"{TILE_ROWS} rows of {TILE_COLS} integers "
                         f"-{W_MAX}..{W_MAX}")
        for r, row in enumerate(rows):
            g = _Fields(f.path, f.lineno, {"op": "matrix", f"weights[{r}]": row})
            g.ints(f"weights[{r}]", TILE_COLS, -W_MAX, W_MAX)
        matrices[m] = prog.setup_ops(np.asarray(rows, dtype=np.int64), None, None, None)
    elif kind == "use_matrix":
        ref = o.get("id")
        if type(ref) is not int or ref not in matrices:
            raise f.fail("id", "the id of a matrix defined above "
                         f"({', '.join(map(str, sorted(matrices))) or 'none'})")


_KINDS = ("axi_write", "axi_read", "vstore", "vload", "wait_done", "mark", "matrix",
          "use_matrix", "end")


def _header(path: Path, obj: object) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise DataFormatError("line", f"{path} line 1: expected the header object")
    if obj.get("format") != FORMAT:
        raise DataFormatError("format", f"{path} line 1: expected \"format\": \"{FORMAT}\"")
    if obj.get("version") != VERSION:
        raise DataFormatError("version", f"{path} line 1: format version "
                              f"{obj.get('version')!r}; this hxsim reads version {VERSION} "
                              "(files of version 1 stored every weight matrix again and "
                              "had no checksum: export them again with hxsim export-vectors)")
    try:
        Timing.from_dict(obj.get("timing", {}))
    except (ValueError, TypeError) as exc:
        raise DataFormatError("timing", f"{path} line 1: {exc}") from exc
    f = _Fields(path, 1, obj)
    f.integer("records", 0, 2**40)
    f.integer("vmms", 0, 2**40)
    f.integer("matrices", 0, 2**20)
    sha = obj.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise f.fail("sha256", "64 hex digits")
    return obj


def _digest_start(header: dict[str, Any]) -> Any:
    """SHA-256 over the header (canonical JSON without ``sha256``), then the record lines."""
    canon = {k: v for k, v in header.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, separators=(",", ":")).encode()
                          + b"\n")


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a vector file: (header, operations), ``use_matrix`` expanded into the matrix's
    vector stores (shared, not copied). Refuses a file whose record count, checksum or closing
    record does not match its header; errors name the file, line, field and allowed values."""
    require_file(path)
    ops: list[dict[str, Any]] = []
    header: dict[str, Any] | None = None
    matrices: dict[int, list[dict[str, Any]]] = {}
    digest: Any = None
    records = 0
    end: dict[str, Any] | None = None
    vmms = 0
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataFormatError("line", f"{path} line {lineno}: not UTF-8 text "
                                      f"({exc.reason})") from exc
            if end is not None:
                raise DataFormatError("end", f"{path} line {lineno}: data after the closing "
                                      "record")
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError("line", f"{path} line {lineno}: not JSON ({exc})") from exc
            if header is None:
                header = _header(path, obj)
                digest = _digest_start(header)
                continue
            if not isinstance(obj, dict):
                raise DataFormatError("line", f"{path} line {lineno}: expected an object")
            kind = obj.get("op")
            if kind not in _KINDS:
                raise DataFormatError("op", f"{path} line {lineno}: unknown operation "
                                      f"{str(kind)[:40]!r} (allowed: {', '.join(_KINDS)})")
            if kind == "end":
                end = obj
                continue
            records += 1
            digest.update(raw)
            _check_op(_Fields(path, lineno, obj), kind, matrices, header["matrices"])
            if kind == "use_matrix":
                ops.extend(matrices[obj["id"]])
            elif kind != "matrix":
                vmms += kind == "mark"
                ops.append(obj)
    if header is None:
        raise DataFormatError("format", f"{path}: empty file")
    if end is None:
        raise DataFormatError("end", f"{path}: no closing record after {records} of "
                              f"{header['records']} records (truncated file?)")
    if end.get("records") != header["records"] or records != header["records"]:
        raise DataFormatError("records", f"{path}: the header announces {header['records']} "
                              f"records, the file holds {records} (closing record: "
                              f"{end.get('records')!r})")
    if digest.hexdigest() != header["sha256"]:
        raise DataFormatError("sha256", f"{path}: checksum mismatch (header or records changed "
                              "after export)")
    if end != {"op": "end", "records": header["records"]}:
        raise DataFormatError("end", f"{path}: unexpected closing record")
    if vmms != header["vmms"]:
        raise DataFormatError("vmms", f"{path}: the header announces {header['vmms']} VMMs, "
                              f"the file holds {vmms}")
    return header, ops
