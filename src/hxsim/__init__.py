"""hxsim: behavioural model, golden reference and tools for one BrainScaleS-2 hemisphere in hagen
(analog VMM) mode. See docs/interfaces.md for the contract with the RTL and the testbench."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hxsim.array import ChipInstance, EventSession, FixedPattern, weights_to_physical
    from hxsim.golden import ideal_vmm, vmm_timing
    from hxsim.params import ChipParams
    from hxsim.timing import Timing

#: The public names and their modules, imported on first use (PEP 562): ``import hxsim.cli``
#: stays light, so the command line handles Ctrl-C from its first milliseconds on.
_LAZY = {"ChipInstance": "hxsim.array", "EventSession": "hxsim.array",
         "FixedPattern": "hxsim.array", "weights_to_physical": "hxsim.array",
         "ideal_vmm": "hxsim.golden", "vmm_timing": "hxsim.golden",
         "ChipParams": "hxsim.params", "Timing": "hxsim.timing"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hxsim' has no attribute {name!r}")


__all__ = [
    "ChipInstance",
    "ChipParams",
    "EventSession",
    "FixedPattern",
    "Timing",
    "ideal_vmm",
    "vmm_timing",
    "weights_to_physical",
]
try:
    __version__ = version("hxsim")  # the single source: pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was not installed
    __version__ = "0+unknown"
