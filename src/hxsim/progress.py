"""Progress bars for the command line, all from tqdm, on stderr.

* ``progress_enabled(flag)``: the ``--progress/--no-progress`` rule (None: on when stderr is a
  terminal).
* ``bar(label, total, unit, enabled)``: a tqdm bar (a no-op bar when disabled).
* ``Progress``: a bar as a context manager with ``update(n, **info)`` (the numbers after the bar,
  e.g. the running loss); used by the network training (images per batch).
* ``ProgressDevice``: wraps a ``VmmDevice`` so that ``run_vmms`` runs the batch in consecutive
  chunks and advances a bar by the VMMs of each chunk. The results are those of one call on the
  whole batch: every device runs a batch's VMMs one after another and the model draws each VMM's
  noise in order (``tests/test_cli.py::test_chunked_vmms_are_bit_identical`` checks it on
  ``ModelDevice``).
* ``write(msg)``: a log line that leaves the bars intact.
* ``start_device(device, enabled)``: starts a device that has a ``start()`` (the co-simulation:
  builds the simulator on first use, then starts it) before the first VMM, with a status line.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

import numpy as np
from tqdm import tqdm

from hxsim.device import DeviceUnavailable, DeviceWrapper, VmmBatch, VmmDevice, run_with_capmem
from hxsim.timing import Timing

#: VMMs per ``run_vmms`` call of ``ProgressDevice`` by device kind (one co-simulation program
#: per chunk: ~0.1 s per VMM, so the bar moves every 1-2 s).
CHUNK = {"model": 256, "golden": 256, "regs": 64, "cosim": 16}


def progress_enabled(flag: bool | None, stream: TextIO | None = None) -> bool:
    """``--progress`` (True), ``--no-progress`` (False) or neither (None: on when ``stream``,
    default stderr, is a terminal)."""
    if flag is not None:
        return bool(flag)
    s = stream if stream is not None else sys.stderr
    return bool(getattr(s, "isatty", lambda: False)())


def bar(label: str, total: int | None, unit: str = "it", enabled: bool = True,
        stream: TextIO | None = None) -> tqdm:
    """A tqdm bar on ``stream`` (default stderr); redrawn at most every 0.2 s on a terminal,
    every 10 s elsewhere (logs, CI)."""
    s = stream if stream is not None else sys.stderr
    tty = bool(getattr(s, "isatty", lambda: False)())
    try:  # a terminal that reports no size (a bare pseudo-terminal) gets 100 x 40
        sized = tty and os.get_terminal_size(s.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        sized = False
    return tqdm(total=total, desc=label, unit=unit, file=s, disable=not enabled,
                mininterval=0.2 if tty else 10.0, dynamic_ncols=sized,
                ncols=100 if tty and not sized else None,
                nrows=40 if tty and not sized else None, leave=True)


class Progress:
    """``with Progress("float epoch 1/10", n_images, enabled=True) as p: p.update(200, loss=..)``.
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 enabled: bool = True, unit: str = "it") -> None:
        self.bar = bar(label, max(int(total), 1), unit, enabled, stream)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int, **info: float | str) -> None:
        if info:
            self.bar.set_postfix({k: f"{v:.4g}" if isinstance(v, float) else v
                                  for k, v in info.items()}, refresh=False)
        self.bar.update(int(n))

    def close(self) -> None:
        self.bar.close()


class ProgressDevice(DeviceWrapper):
    """A ``VmmDevice`` that runs each batch of ``device`` in chunks of ``chunk`` VMMs and advances
    ``progress`` (a tqdm bar) by each chunk's VMMs. Name, ``close`` and ``stats`` are the inner
    device's; ``vmms`` counts the VMMs run through this wrapper."""

    def __init__(self, device: VmmDevice, progress: tqdm, chunk: int) -> None:
        if chunk < 1:
            raise ValueError(f"chunk: expected a positive integer, got {chunk}")
        self.inner = device
        self.progress = progress
        self.chunk = int(chunk)
        self._vmms = 0

    @property
    def vmms(self) -> int:
        return self._vmms

    def run_vmms(self, x: object, w: object, timing: Timing | None = None,
                 dac_offsets: object = None, column_offsets: object = None,
                 capmem: Any = None) -> VmmBatch:
        xa = np.asarray(x)
        if xa.ndim != 2 or xa.shape[0] <= self.chunk:
            parts = [run_with_capmem(self.inner, x, w, timing, dac_offsets, column_offsets,
                                     capmem)]
            self._count(parts[0])
        else:
            parts = []
            for s in range(0, xa.shape[0], self.chunk):
                parts.append(run_with_capmem(self.inner, xa[s:s + self.chunk], w, timing,
                                             dac_offsets, column_offsets, capmem))
                self._count(parts[-1])
        if len(parts) == 1:
            return parts[0]
        return VmmBatch(*(np.concatenate([getattr(p, f) for p in parts])
                          for f in ("baseline", "result", "y", "cycles")))

    def _count(self, batch: VmmBatch) -> None:
        n = int(batch.y.shape[0])
        self._vmms += n
        self.progress.update(n)


def write(msg: str, stream: TextIO | None = None) -> None:
    """Print a line (default: on stdout) without breaking the bars on a terminal (tqdm clears
    them, prints, and draws them again; elsewhere a plain line)."""
    s = stream if stream is not None else sys.stdout
    if bool(getattr(s, "isatty", lambda: False)()):
        tqdm.write(msg, file=s)
    else:
        print(msg, file=s)
    s.flush()


def _start_hook(device: Any) -> Any:
    """The device's ``start()`` (a device that must be started before its first VMM, such as the
    co-simulation, offers one), or None."""
    fn = getattr(device, "start", None)
    return fn if callable(fn) else None


def start_device(device: Any, enabled: bool, stream: TextIO | None = None,
                 name: str | None = None) -> float:
    """Start ``device`` before its first VMM if it can be started (the co-simulation builds the
    simulator on first use, ~30 s with Verilator, then starts it), with a status line on
    ``stream`` when ``enabled`` (``name``: the device's by default); returns the seconds it
    took. A device that fails to start is ``DeviceUnavailable``."""
    fn = _start_hook(device)
    if fn is None:
        return 0.0
    s = stream if stream is not None else sys.stderr
    label = name if name is not None else str(getattr(device, "name", "device"))
    if enabled:
        write(f"{label}: building the simulator (first use ~30 s, then incremental) and "
              "starting it ...", s)
    t0 = time.perf_counter()
    try:
        fn()
    except DeviceUnavailable:
        raise
    except RuntimeError as exc:  # hxtb's CosimError: the build or the simulator failed
        raise DeviceUnavailable(str(exc)) from exc
    dt = time.perf_counter() - t0
    if enabled:
        write(f"{label}: ready after {dt:.1f} s", s)
    return dt
