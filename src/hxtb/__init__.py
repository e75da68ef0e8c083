"""hxtb: the co-simulation testbench of hx_top (docs/cosim.md).

Layers, bottom up: ``regs`` (the contract's numbers), ``axil`` and ``vport`` (bus agents),
``bridge`` (the analog array in Python, woken only at phase boundaries), ``tbench`` (one object
that owns clock, reset, agents and bridge), ``env`` (the pyuvm environment: items, sequences,
driver, scoreboard).
"""
