"""Kept only for ``hxsim.nn.train``'s import until it imports ``hxsim.progress`` (issue #11):
the network's progress bars are ``hxsim.progress.Progress`` (tqdm), counting images."""

from __future__ import annotations

from typing import TextIO

from hxsim.progress import Progress as _Progress


class Progress(_Progress):
    """``hxsim.progress.Progress`` counting images."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 enabled: bool = True) -> None:
        super().__init__(label, total, stream, enabled, unit="img")
