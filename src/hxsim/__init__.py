"""hxsim: behavioural model, golden reference and tools for one BrainScaleS-2 hemisphere in hagen
(analog VMM) mode. See docs/interfaces.md for the contract with the RTL and the testbench."""

from importlib.metadata import PackageNotFoundError, version

from hxsim.array import ChipInstance, EventSession, FixedPattern, weights_to_physical
from hxsim.golden import ideal_vmm, vmm_timing
from hxsim.params import ChipParams
from hxsim.timing import Timing

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
