"""Safe outputs: every file a command writes is checked before any work starts and written to a
temporary file in its own directory, then renamed into place (docs/errors.md).

``Outputs(force, inputs)`` collects a command's output files (``add``), checks them all at once
(``check``: an existing file needs ``--force``; an output that is one of the inputs is refused even
with ``--force``; a suffix that does not match the format, a parent that is a file, an output that
is a directory and an unwritable directory are refused) and, at the end of the command, ``commit``
yields a function that gives the temporary path of each output. When the block ends normally
every temporary file is renamed onto its output (``os.replace``, atomic on one file system);
when it raises (including ``KeyboardInterrupt`` and ``SystemExit``) the temporary files and the
directories ``commit`` created are removed, and no output is changed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["OutputError", "Outputs", "atomic_path", "same_file"]


class OutputError(ValueError):
    """An output path that cannot or must not be written (reported with exit code 2)."""


class OutputExists(FileExistsError):
    """An existing output without ``--force`` (exit code 2)."""


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def same_file(a: Path, b: Path) -> bool:
    """True if ``a`` and ``b`` name the same file (same path after resolving, or same inode)."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _existing_ancestor(path: Path) -> Path:
    p = path.absolute().parent
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


@dataclass
class Outputs:
    """The output files of one command run (see the module docstring)."""

    force: bool = False
    inputs: Iterable[Path] = ()
    option: str = "--out"
    files: list[Path] = field(default_factory=list)
    suffixes: dict[Path, tuple[str, ...]] = field(default_factory=dict)

    def add(self, path: Path, suffixes: Iterable[str] = ()) -> Path:
        """Register output ``path``; ``suffixes`` (e.g. ``(".npz", ".csv")``) are the allowed
        ones (any when empty)."""
        self.files.append(path)
        allowed = tuple(s.lower() for s in suffixes)
        if allowed:
            self.suffixes[path] = allowed
        return path

    def check(self) -> None:
        """Refuse every output that cannot or must not be written; call before any work."""
        inputs = [Path(p) for p in self.inputs if p is not None]
        for path in self.files:
            for src in inputs:
                if same_file(path, src):
                    raise OutputError(f"{self.option}: {path} is also an input ({src}); "
                                      "refused even with --force")
            allowed = self.suffixes.get(path)
            if allowed and path.suffix.lower() not in allowed:
                raise OutputError(f"{self.option}: {path}: suffix {path.suffix or '(none)'!r} "
                                  f"does not match the format (use {' or '.join(allowed)})")
            if path.is_dir():
                raise OutputError(f"{self.option}: {path} is a directory, expected a file")
            if path.exists() and not self.force:
                raise OutputExists(f"{path}: exists; use --force to overwrite")
            base = _existing_ancestor(path)
            if not base.is_dir():
                raise OutputError(f"{self.option}: {path}: {base} is a file, not a directory")
            if not os.access(base, os.W_OK | os.X_OK):
                raise OutputError(f"{self.option}: {path}: directory {base} is not writable")

    @contextlib.contextmanager
    def commit(self) -> Iterator[Callable[[Path], Path]]:
        """Yield ``temp(path)``: the temporary file to write ``path`` to. Renamed into place
        when the block ends normally; removed (with the directories created here) otherwise."""
        created: list[Path] = []
        temps: dict[Path, Path] = {}

        def temp(path: Path) -> Path:
            if path not in self.files:
                raise KeyError(f"{path}: not a registered output")
            if path in temps:
                return temps[path]
            parent = path.absolute().parent
            missing = []
            p = parent
            while not p.exists():
                missing.append(p)
                p = p.parent
            for d in reversed(missing):
                d.mkdir()
                created.append(d)
            fd, name = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.",
                                        suffix=".tmp" + path.suffix)
            os.close(fd)
            Path(name).chmod(0o666 & ~_UMASK)  # as an ordinary open() would create it
            temps[path] = Path(name)
            return temps[path]

        try:
            yield temp
            for path, tmp in temps.items():
                tmp.replace(path)
            temps.clear()
        finally:
            for tmp in temps.values():
                with contextlib.suppress(OSError):
                    tmp.unlink()
            if temps:
                for d in reversed(created):
                    with contextlib.suppress(OSError):
                        d.rmdir()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory renamed
    onto it (an existing ``path`` is replaced; a failed write leaves it as it was). Returns
    ``path``; OSError as from ``open``."""
    p = Path(path)
    with atomic_path(p) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return p


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """The temporary file to write ``path`` to, renamed onto it when the block ends normally
    and removed otherwise (for library savers; an existing ``path`` is replaced)."""
    p = Path(path)
    outs = Outputs(force=True)
    outs.add(p)
    with outs.commit() as temp:
        yield temp(p)
