"""Neural networks on the simulated chip, in PyTorch (the ``nn`` extra: ``pip install -e
'.[nn]'``; ``import hxsim`` does not import torch).

hxtorch-style layers (``layers``: ``Linear``, ``Conv1d``, ``ExpandedConv1d``, ``Conv2d``,
``ReLU``, ``ConvertingReLU``, ``InputScale``, ``OutputScale``) and functions (``functional``:
``matmul``, ``add``, ``relu``, ``converting_relu``, ``argmax``, ``mock_matmul``), the ``Chip``
they run on (``chip``: a ``hxsim.device`` device, calibrated through ``CalibratedDevice``, the
measured mock parameters; ``measure_mock_parameter``), the MNIST network and mapping strategies
(``models``), training and evaluation with torch optimizers and ``torch.utils.data``
(``train``), the IDX loader (``data``), the co-simulation cross-check (``cosim``) and the report
(``report``). The chip's model stays numpy; the layers call it from ``torch.autograd.Function``s.
See docs/nn.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public names -> the submodule defining them (imported on first use, so that
#: ``hxsim.nn.data`` works without torch).
_LAZY = {
    **dict.fromkeys(("Chip", "MockParameter", "measure_mock_parameter"), "hxsim.nn.chip"),
    **dict.fromkeys(("add", "argmax", "conv1d", "conv2d", "converting_relu", "expanded_conv1d",
                     "matmul", "mock_matmul", "relu"), "hxsim.nn.functional"),
    **dict.fromkeys(("Conv1d", "Conv2d", "ConvertingReLU", "ExpandedConv1d", "InputScale",
                     "Linear", "OutputScale", "ReLU", "clamp_weight_", "scale_input",
                     "scale_weight"), "hxsim.nn.layers"),
    **dict.fromkeys(("attach", "set_mode"), "hxsim.nn.models"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hxsim.nn' has no attribute {name!r}")


__all__ = sorted(_LAZY)
