"""Neural networks on the simulated chip: hxtorch-style layers, chip-in-the-loop training in
numpy, an IDX (MNIST-format) loader and the ``hxsim train`` / ``hxsim infer`` commands.

See docs/nn.md for the method, the commands and the measured numbers.
"""
