"""Stimulus and expected-response files for replaying VMMs on a bring-up setup
(docs/data-format.md, "Vector files").

A vector file is JSON Lines: line 1 is a header object (``format: "hxsim-vectors"``, version,
gain, timing, number of VMMs, seed, how the expectations were made), every further line one
register-level operation of ``hxsim.bringup.program`` (AXI writes of the timing registers, vector
stores of the synapse rows, DAC and digital offsets and inputs, START, wait for DONE, reads of
``CYCLES_LAST``/``EVENTS_LAST`` and result loads with their expected values). Expected results
come from the golden model (noise-free: an ideal chip or the HDL ideal array reproduces them bit
for bit), expected ``CYCLES_LAST`` from ``hxsim.golden.vmm_timing``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.golden import TILE_COLS, TILE_ROWS, check_gain, ideal_vmm, vmm_timing
from hxsim.timing import Timing
from hxsim.types import I64

from . import program as prog
from .data import DataFormatError, check_writable

FORMAT = "hxsim-vectors"
VERSION = 1


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
    """Header plus operations for the given VMMs (weights re-stored only when they change)."""
    g = check_gain(gain)
    hdr: dict[str, Any] = {"format": FORMAT, "version": VERSION, "gain": g,
                           "timing": timing.to_dict(), "vmms": int(inputs.shape[0]),
                           "expected": "golden model (noise-free), CYCLES_LAST from "
                                       "hxsim.golden.vmm_timing"}
    hdr.update(header_extra or {})
    ops: list[dict[str, Any]] = [hdr]
    ops += prog.setup_ops(None, timing, np.full(TILE_ROWS, 32, np.int64),
                          np.zeros(TILE_COLS, np.int64))
    current = -1
    for n in range(inputs.shape[0]):
        m = int(weight_index[n])
        if m != current:
            ops += prog.setup_ops(weights[m], None, None, None)
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
    check_writable(path, force)
    with path.open("w") as fh:
        for op in ops:
            fh.write(json.dumps(op, separators=(",", ":")) + "\n")
    return path


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a vector file: (header, operations); errors name the field and line."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    ops: list[dict[str, Any]] = []
    header: dict[str, Any] | None = None
    kinds = {"axi_write": ("addr", "data"), "axi_read": ("addr",), "vstore": ("addr", "lanes"),
             "vload": ("addr",), "wait_done": ("max_cycles",), "mark": ("vmm",)}
    with path.open() as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError("line", f"{path} line {lineno}: not JSON ({exc})") from exc
            if not isinstance(obj, dict):
                raise DataFormatError("line", f"{path} line {lineno}: expected an object")
            if header is None:
                if obj.get("format") != FORMAT:
                    raise DataFormatError("format", f"{path} line 1: expected \"format\": "
                                          f"\"{FORMAT}\"")
                if obj.get("version") != VERSION:
                    raise DataFormatError("version", f"{path} line 1: unsupported version "
                                          f"{obj.get('version')!r}")
                try:
                    Timing.from_dict(obj.get("timing", {}))
                except (ValueError, TypeError) as exc:
                    raise DataFormatError("timing", f"{path} line 1: {exc}") from exc
                header = obj
                continue
            kind = obj.get("op")
            if kind not in kinds:
                raise DataFormatError("op", f"{path} line {lineno}: unknown operation {kind!r}")
            for key in kinds[kind]:
                if key not in obj:
                    raise DataFormatError(key, f"{path} line {lineno}: missing in {kind}")
            if kind == "vstore" and (not isinstance(obj["lanes"], list)
                                     or len(obj["lanes"]) != prog.LANES):
                raise DataFormatError("lanes", f"{path} line {lineno}: expected "
                                      f"{prog.LANES} lanes")
            ops.append(obj)
    if header is None:
        raise DataFormatError("format", f"{path}: empty file")
    return header, ops
