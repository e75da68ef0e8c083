"""cocotb test modules of hx_top, run inside the simulator by dotted name (``hxtb.build``):

- ``test_vmm``: random VMMs through the pyuvm env (ideal and noisy array), the noisy-mode
  statistical scoreboard;
- ``test_errors``: every error path of the contract, ABORT / SOFT_RESET mid-VMM, the timing
  diagram of docs/cosim.md;
- ``test_verif``: directed verification tests (reset values, STATUS, IRQ mask, simultaneous
  errors, AXI delays, checkers, stops in every phase, POST corners, ADC never tripping);
- ``test_coverage``: coverage-driven constrained-random VMMs and the back-pressure soak;
- ``bench``: VMM rate of the bridge against the HDL-only array;
- ``test_regs``: the register test generated from the contract (reset values, access types,
  write-1-to-clear, ranges, unmapped addresses, all through AXI4-Lite);
- ``cosim_ops``: not a test: the simulator side of the co-simulation session (``hxtb.session``,
  the ``cosim`` device ``hxtb.session.client.CosimDevice``).

Which test runs where, with which knobs, is in tb/testplan.toml. Importing this package in the
simulator arranges this run's coverage dump (knob ``cov_part``, ``hxtb.env.coverage``).
"""

from hxtb import config
from hxtb.env import coverage as _coverage

_coverage.dump_at_end_of_run(config.get().cov_part)
