"""Neural networks on the simulated chip, in PyTorch (the ``nn`` extra: ``pip install -e
'.[nn]'``; ``import hxsim`` does not import torch).

hxtorch-style layers (``layers``: ``Linear``, ``Conv1d``, ``ExpandedConv1d``, ``Conv2d``,
``ReLU``, ``ConvertingReLU``, ``InputScale``, ``OutputScale``) and functions (``functional``:
``matmul``, ``add``, ``relu``, ``converting_relu``, ``argmax``, ``mock_matmul``), the ``Chip``
they run on (``chip``: a ``hxsim.device`` device, its calibration, the measured mock parameters;
``measure_mock_parameter``), the MNIST network and mapping strategies (``models``), training and
evaluation with torch optimizers and ``torch.utils.data`` (``train``), the IDX loader (``data``),
the co-simulation cross-check (``cosim``) and the report (``report``). The chip's model stays
numpy; the layers call it from ``torch.autograd.Function``s. See docs/nn.md.
"""

from hxsim.nn.chip import Chip, MockParameter, measure_mock_parameter
from hxsim.nn.functional import (
    add,
    argmax,
    conv1d,
    conv2d,
    converting_relu,
    expanded_conv1d,
    matmul,
    mock_matmul,
    relu,
)
from hxsim.nn.layers import (
    Conv1d,
    Conv2d,
    ConvertingReLU,
    ExpandedConv1d,
    InputScale,
    Linear,
    OutputScale,
    ReLU,
    clamp_weight_,
    scale_input,
    scale_weight,
)
from hxsim.nn.models import attach, set_mode

__all__ = [
    "Chip", "Conv1d", "Conv2d", "ConvertingReLU", "ExpandedConv1d", "InputScale", "Linear",
    "MockParameter", "OutputScale", "ReLU", "add", "argmax", "attach", "clamp_weight_",
    "conv1d", "conv2d", "converting_relu", "expanded_conv1d", "matmul", "measure_mock_parameter",
    "mock_matmul", "relu", "scale_input", "scale_weight", "set_mode",
]
