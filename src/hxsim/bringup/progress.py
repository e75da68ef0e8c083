"""A dependency-free text progress bar on stderr, drawn only when enabled (stderr is a terminal,
or the user asked with ``--progress``)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def progress_wanted(flag: bool, stream: TextIO | None = None) -> bool:
    """Draw a bar when ``--progress`` was given or the stream (default stderr) is a terminal."""
    s = stream if stream is not None else sys.stderr
    return bool(flag) or bool(getattr(s, "isatty", lambda: False)())


class ProgressBar:
    """``bar = ProgressBar("characterize", total, enabled)``; ``bar(done, total)``; ``bar.close()``.

    Calling the bar sets the count (so it can be passed as a ``progress(done, total)`` callback).
    """

    def __init__(self, label: str, total: int, enabled: bool,
                 stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.t0 = time.perf_counter()
        self.done = 0
        self._drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(int(total), 1)
        self.done = min(int(done), self.total)
        if self.enabled:
            self._draw()

    def advance(self, n: int = 1) -> None:
        self(self.done + n)

    def _draw(self) -> None:
        frac = self.done / self.total
        fill = int(round(self.width * frac))
        el = time.perf_counter() - self.t0
        eta = el / frac - el if frac > 0 else 0.0
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (self.width - fill)}] "
                          f"{self.done}/{self.total} {el:.1f}s eta {eta:.1f}s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self.enabled = False
