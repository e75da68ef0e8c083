"""IDX files (the MNIST / Fashion-MNIST format) and the data-set directory layout.

An IDX file is: two zero bytes, a type byte (0x08 = unsigned byte, the only type MNIST uses; the
other IDX types are read too), a byte with the number of dimensions, one big-endian uint32 per
dimension, then the data in C order, big-endian. Files ending in ``.gz`` are decompressed.

A data-set directory holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``). Every
malformed file is refused with a ``ValueError`` that names the file and the offending field.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hxsim.outputs import atomic_path

#: Where Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST (``dpkg -L``).
DEFAULT_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
INSTALL_HINT = ("install the default data set with `sudo apt-get install dataset-fashion-mnist` "
                "or pass --data DIR (a directory with MNIST-format IDX files)")

#: IDX type byte -> (numpy dtype, big-endian).
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_BY_DTYPE = {v.newbyteorder(">") if v.itemsize > 1 else v: k for k, v in IDX_TYPES.items()}

SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: cannot read the file: {exc}") from exc


def read_idx(path: str | Path, *, ndim: int | None = None) -> npt.NDArray[np.generic]:
    """Read one IDX file (plain or ``.gz``) into an array of its dtype (native byte order).

    Args:
        path: the file.
        ndim: if given, the number of dimensions the file must declare.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: bad magic (the first two bytes or the type byte), wrong number of dimensions,
            a zero dimension, truncated or overlong data; the message names the file and field.
    """
    p = Path(path)
    raw = _read_bytes(p)
    if len(raw) < 4:
        raise ValueError(f"{p}: magic: file has {len(raw)} bytes, shorter than the 4-byte header")
    zero, type_byte, nd = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise ValueError(f"{p}: magic: first two bytes must be 0x0000, got 0x{zero:04x} "
                         "(not an IDX file)")
    if type_byte not in IDX_TYPES:
        raise ValueError(f"{p}: magic: unknown data type byte 0x{type_byte:02x} "
                         f"(known: {', '.join(f'0x{k:02x}' for k in IDX_TYPES)})")
    if nd == 0:
        raise ValueError(f"{p}: dims: the header declares 0 dimensions")
    if ndim is not None and nd != ndim:
        raise ValueError(f"{p}: dims: expected {ndim} dimension(s), the header declares {nd}")
    head = 4 + 4 * nd
    if len(raw) < head:
        raise ValueError(f"{p}: dims: file truncated in the dimension sizes "
                         f"({len(raw)} bytes, header needs {head})")
    shape = struct.unpack(f">{nd}I", raw[4:head])
    if any(s == 0 for s in shape):
        raise ValueError(f"{p}: dims: size 0 in dimension {shape.index(0)} (shape {shape})")
    dtype = IDX_TYPES[type_byte]
    want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    have = len(raw) - head
    if have < want:
        raise ValueError(f"{p}: data: truncated, {have} data bytes for shape {shape} "
                         f"(needs {want})")
    if have > want:
        raise ValueError(f"{p}: data: {have - want} bytes beyond the declared shape {shape}")
    arr = np.frombuffer(raw, dtype=dtype, count=want // dtype.itemsize, offset=head)
    return arr.reshape(shape).astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | Path, array: npt.ArrayLike) -> None:
    """Write ``array`` as an IDX file (gzip-compressed if ``path`` ends in ``.gz``)."""
    a = np.asarray(array)
    dt = a.dtype.newbyteorder(">") if a.dtype.itemsize > 1 else a.dtype
    if dt not in _TYPE_BY_DTYPE:
        raise ValueError(f"{path}: dtype {a.dtype} has no IDX type")
    if a.ndim == 0 or a.ndim > 255:
        raise ValueError(f"{path}: IDX needs 1..255 dimensions, got {a.ndim}")
    data = struct.pack(">HBB", 0, _TYPE_BY_DTYPE[dt], a.ndim)
    data += struct.pack(f">{a.ndim}I", *a.shape) + a.astype(dt).tobytes()
    p = Path(path)
    with atomic_path(p) as tmp:  # temporary file, then renamed
        if p.suffix == ".gz":
            with gzip.open(tmp, "wb") as f:
                f.write(data)
        else:
            tmp.write_bytes(data)


@dataclass(frozen=True)
class Split:
    """Images ``[N, H, W]`` (uint8) and labels ``[N]`` (int64) of one split."""

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.labels.size)

    def head(self, n: int | None) -> Split:
        """The first ``n`` examples (all if ``n`` is None)."""
        if n is None:
            return self
        return Split(self.images[:n], self.labels[:n])


def find_file(directory: Path, stem: str) -> Path:
    """``directory/stem`` or ``directory/stem.gz``, whichever exists (MNIST mirrors also use
    ``stem`` with a dot before ``idx``, e.g. ``train-images.idx3-ubyte``)."""
    alt = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", alt, alt + ".gz"):
        p = directory / name
        if p.is_file():
            return p
    raise FileNotFoundError(f"{directory}: no file {stem} or {stem}.gz; {INSTALL_HINT}")


def load_split(directory: str | Path, split: str) -> Split:
    """Load ``train`` or ``test`` from a data-set directory (see the module docstring)."""
    if split not in SPLIT_FILES:
        raise ValueError(f"split: expected one of {', '.join(SPLIT_FILES)}, got {split!r}")
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"data directory {d} does not exist; {INSTALL_HINT}")
    img_path, lab_path = (find_file(d, s) for s in SPLIT_FILES[split])
    images = read_idx(img_path, ndim=3)
    labels = read_idx(lab_path, ndim=1)
    if images.dtype != np.uint8:
        raise ValueError(f"{img_path}: magic: expected unsigned-byte images (type 0x08), "
                         f"got {images.dtype}")
    if labels.dtype != np.uint8:
        raise ValueError(f"{lab_path}: magic: expected unsigned-byte labels (type 0x08), "
                         f"got {labels.dtype}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{lab_path}: dims: {labels.shape[0]} labels for {images.shape[0]} "
                         f"images in {img_path.name}")
    if labels.max() > 9:
        raise ValueError(f"{lab_path}: data: label {int(labels.max())} outside 0..9")
    return Split(images.astype(np.uint8, copy=False), labels.astype(np.int64))


def synthetic_split(rng: np.random.Generator, n: int, classes: int = 10,
                    hw: tuple[int, int] = (28, 28)) -> Split:
    """A small, easy stand-in data set for tests and demos: class ``c`` is a bright 8 x 8 square
    at one of ``classes`` fixed positions on a 4 x 3 grid, with random intensity, jitter of +-2
    pixels and background noise."""
    h, w = hw
    if h < 28 or w < 28 or classes > 12:
        raise ValueError("synthetic_split: needs at least 28 x 28 images and at most 12 classes")
    pos = [(2 + 6 * (c % 4), 2 + 8 * (c // 4)) for c in range(classes)]
    labels = rng.integers(0, classes, n)
    img = rng.integers(0, 60, (n, h, w)).astype(np.int64)
    for i, c in enumerate(labels):
        r, q = pos[int(c)]
        dr, dq = rng.integers(-2, 3, 2)
        r0, q0 = int(np.clip(r + dr, 0, h - 8)), int(np.clip(q + dq, 0, w - 8))
        img[i, r0:r0 + 8, q0:q0 + 8] += int(rng.integers(120, 196))
    return Split(np.clip(img, 0, 255).astype(np.uint8), labels.astype(np.int64))
