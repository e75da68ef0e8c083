"""Bad inputs of hxsim.nn layers: one clear error each (mock mode: no simulator)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hxsim import nn as hxnn


def test_linear_refuses_empty_features() -> None:
    with pytest.raises(ValueError, match="in_features"):
        hxnn.Linear(0, 10, mock=True)
    with pytest.raises(ValueError, match="out_features"):
        hxnn.Linear(128, 0, mock=True)


def test_nan_numpy_and_channels() -> None:
    lin = hxnn.Linear(4, 3, mock=True)
    with pytest.raises(ValueError, match="NaN or inf"):
        lin(torch.tensor([[0.0, float("nan"), 1.0, 2.0]]))
    with pytest.raises(TypeError, match="expected a torch.Tensor"):
        hxnn.functional.matmul(np.ones((1, 4)), lin.weight.t(), mock=True)
    conv = hxnn.Conv2d(1, 4, 3, mock=True)
    with pytest.raises(ValueError, match="expected 1 channels"):
        conv(torch.rand(1, 2, 8, 8))
    with pytest.raises(ValueError, match="batched"):
        conv(torch.rand(1, 8, 8))
