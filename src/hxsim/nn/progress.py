"""A small progress bar on stderr (no dependency): redraws one line on a terminal, prints a
line every ``every`` seconds otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``with Progress("epoch 1", total) as bar: bar.update(n, loss=...)``."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 enabled: bool = True, every: float = 10.0) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every
        self.t0 = time.perf_counter()
        self._last = -1e9
        self.info = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int, **info: float | str) -> None:
        self.done = min(self.done + int(n), self.total)
        if info:
            self.info = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in info.items())
        now = time.perf_counter()
        if self.enabled and (now - self._last >= (0.2 if self.tty else self.every)):
            self._last = now
            self._draw(final=False)

    def _draw(self, final: bool) -> None:
        el = time.perf_counter() - self.t0
        frac = self.done / self.total
        eta = el / frac - el if frac > 0 else 0.0
        width = 30
        fill = int(width * frac)
        line = (f"{self.label} [{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
                f"{el:.0f}s<{eta:.0f}s {self.info}")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(final=True)
            self.enabled = False
