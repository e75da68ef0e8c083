"""Neural networks on the simulated chip: hxtorch-style layers (``layers``), the MNIST network
(``network``), chip-in-the-loop training in numpy (``train``), an IDX (MNIST-format) loader
(``data``), the cross-check against the RTL co-simulation (``cosim``) and the report
(``report``).

The chip forward pass runs its tile VMMs on any ``hxsim.device.VmmDevice`` (the fast path, the
golden reference, the register model or the co-simulation) through
``hxsim.device.device_matmul``. The ``hxsim train`` / ``hxsim infer`` commands are in
``hxsim.cli.nn``. See docs/nn.md for the method, the commands and the measured numbers.
"""
