"""hxtb: the co-simulation testbench of hx_top (docs/cosim.md, docs/verification.md).

Layers, bottom up (the contract's numbers come from ``hxsim.regmap``): ``agents`` (AXI4-Lite and
vector-port bus objects, drivers and monitors), ``bridge`` (the analog array in Python, woken only
at phase boundaries), ``tbench`` (one object that owns clock, reset, drivers and bridge), ``env``
(the pyuvm environment: item, sequences, driver, predictor, scoreboards, coverage), ``tests`` (the
cocotb test modules). Host side: ``config`` (every knob), ``testplan`` (tb/testplan.toml),
``build`` (build, run, seeds, results), ``run_sim`` (``make sim``), ``verif`` (regress, mutate,
coverage report).
"""
