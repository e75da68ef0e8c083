"""cocotb test modules of hx_top, run inside the simulator by dotted name (``hxtb.build``):

- ``test_vmm``: random VMMs through the pyuvm env (ideal and noisy array), the noisy-mode
  statistical scoreboard;
- ``test_errors``: every error path of the contract, ABORT / SOFT_RESET mid-VMM, the timing
  diagram of docs/cosim.md;
- ``test_verif``: directed verification tests (reset values, STATUS, IRQ mask, simultaneous
  errors, AXI delays, checkers, stops in every phase, POST corners, ADC never tripping);
- ``test_coverage``: coverage-driven constrained-random VMMs and the back-pressure soak;
- ``bench``: VMM rate of the bridge against the HDL-only array;
- ``cosim_ops``: the register-level session server of ``hxtb.api.CosimTarget``.

Which test runs where, with which knobs, is in tb/testplan.toml. Importing this package in the
simulator arranges this run's coverage dump (knob ``cov_part``, ``hxtb.env.coverage``).
"""

from hxtb import config
from hxtb.env import coverage as _coverage

_coverage.dump_at_end_of_run(config.get().cov_part)
