"""Argument checks shared by the model, the golden reference and the tools.

Every public entry point validates its array arguments here, so that bad input is refused with a
``ValueError`` that names the argument and the allowed range. Nothing is clipped silently.
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from hxsim.types import I64 as IntArray


def int_array(
    value: object,
    name: str,
    lo: int,
    hi: int,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
) -> IntArray:
    """Return ``value`` as an int64 array after checking it holds integers in ``lo..hi``.

    Accepts integer arrays of any integer dtype, and float arrays whose values are finite and
    integral (so ``3.0`` is accepted, ``3.5`` and ``nan`` are refused). Booleans, strings, objects
    and complex numbers are refused, and so is a masked array with masked entries (one without
    is read as its data). ``shape`` entries of ``None`` match any length.
    """
    if isinstance(value, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(value))
        if masked:  # np.asarray would silently use whatever lies under the mask
            raise ValueError(f"{name}: {masked} masked entries have no value (fill them, e.g. "
                             f"np.ma.filled(a, 0), or pass a plain array)")
        value = value.data
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise ValueError(
            f"{name}: expected an integer array with values in {lo}..{hi}, got dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(f"{name}: expected {' or '.join(map(str, allowed))} dimensions, "
                             f"got shape {arr.shape}")
    if shape is not None and (arr.ndim != len(shape) or any(
        s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
    )):
        want = "x".join("N" if s is None else str(s) for s in shape)
        raise ValueError(f"{name}: expected shape {want}, got {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains NaN or infinity; allowed are integers {lo}..{hi}")
        if not np.all(arr == np.floor(arr)):
            bad = arr[arr != np.floor(arr)].flat[0]
            raise ValueError(f"{name}: contains the non-integer value {bad}; "
                             f"allowed are integers {lo}..{hi}")
    if arr.size:
        amin, amax = arr.min(), arr.max()
        if amin < lo or amax > hi:
            bad = amin if amin < lo else amax
            raise ValueError(f"{name}: value {bad:g} is outside the allowed range {lo}..{hi}")
    return arr.astype(np.int64, copy=False)


def check_int(value: object, name: str, lo: int, hi: int) -> int:
    """Check a scalar integer (``int`` or a numpy integer; not bool) in ``lo..hi`` and return it
    as ``int``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name}: expected an integer in {lo}..{hi}, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ValueError(f"{name}: value {value} is outside the allowed range {lo}..{hi}")
    return int(value)


def check_seed(value: object, name: str) -> int:
    """A seed: a non-negative integer (``int`` or a numpy integer; not ``bool``, not a float such
    as ``3.0`` or a string such as ``"3"``), returned as ``int``. Raises ``ValueError`` naming
    ``name``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) \
            or value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    return int(value)


def check_number(value: object, name: str, lo: float, hi: float, *,
                 lo_open: bool = False) -> float:
    """A finite real number in ``lo..hi`` (``(lo, hi]`` when ``lo_open``) as ``float``: ``int``,
    ``float`` and numpy integer or floating scalars are accepted (``np.float32(0.003)`` as well as
    ``0.003``); ``bool``, strings, arrays and everything else are refused. Raises ``ValueError``
    naming ``name`` and the allowed range."""
    rng = f"({lo:g}, {hi:g}]" if lo_open else f"{lo:g}..{hi:g}"
    if isinstance(value, bool | np.bool_) or not isinstance(
            value, int | float | np.integer | np.floating):
        raise ValueError(f"{name}: expected a number in {rng}, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or not (lo < v if lo_open else lo <= v) or not v <= hi:
        raise ValueError(f"{name}: value {value!r} is outside the allowed range {rng}")
    return v


def read_json(path: str | Path, what: str) -> Any:
    """The parsed JSON of file ``path``; a parse error becomes a ``ValueError`` naming ``what``
    (the kind of file), the path and the position."""
    try:
        return json.loads(read_text(path, what))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what}: {path} is not valid JSON: {exc}") from exc


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of file ``path``; a decode error becomes a ``ValueError`` naming ``what``,
    the path and the byte offset."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what}: {path} is not UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})") from exc


class NpzError(ValueError):
    """An NPZ file that is no readable archive: one line naming the file (never numpy's advice
    about pickles, which are never loaded)."""


#: What a damaged archive can raise from zipfile, zlib, struct or numpy's .npy reader.
_NPZ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error,
               struct.error, NotImplementedError, RuntimeError, OverflowError, MemoryError)


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of the NPZ archive ``path`` (no pickles). Refuses, with ``NpzError`` naming
    the file: a file that is not a zip archive, a member that fails its CRC, an array whose
    header announces more data than its member holds (checked before numpy allocates), and
    anything else a damaged archive raises."""
    p = Path(path)
    if not zipfile.is_zipfile(p):
        raise NpzError(f"{p}: not an NPZ archive (not a zip file)")
    try:
        with zipfile.ZipFile(p) as zf:
            bad = zf.testzip()  # every member's CRC, before numpy reads it
            if bad is not None:
                raise NpzError(f"{p}: corrupt NPZ archive (member {bad} fails its CRC check)")
            for info in zf.infolist():
                _check_npy_size(p, zf, info)
        with np.load(p, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except NpzError:
        raise
    except _NPZ_ERRORS as exc:
        raise NpzError(f"{p}: corrupt NPZ archive ({type(exc).__name__})") from exc


def _check_npy_size(p: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    if not info.filename.endswith(".npy"):
        return
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise NpzError(f"{p}: {info.filename}: unsupported .npy version {version}")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > info.file_size:
        raise NpzError(f"{p}: {info.filename[:-4]}: the array header announces shape {shape} "
                       f"({nbytes} bytes), the archive member holds {info.file_size} bytes")


def require_file(path: str | Path, what: str = "") -> Path:
    """``path`` if it is a regular file; else ``FileNotFoundError`` saying what it is instead
    (missing, a directory, a special file), prefixed by ``what`` (e.g. the option's name)."""
    p = Path(path)
    if p.is_file():
        return p
    state = ("no such file" if not p.exists() else
             "is a directory, expected a file" if p.is_dir() else "is not a regular file")
    raise FileNotFoundError(f"{what + ': ' if what else ''}{p}: {state}")
