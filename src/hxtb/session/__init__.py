"""The co-simulation session: hx_top in tb_top as an ``hxsim.device.VmmDevice``.

* ``client``: the host side, ``CosimDevice`` (registered under the entry point ``cosim`` of the
  group ``hxsim.devices``): builds tb_top, starts one simulator run, sends one request per
  ``run_vmms`` batch and receives one reply;
* ``server``: the simulator side (run by the cocotb module ``hxtb.tests.cosim_ops``): builds the
  register-level program of a batch (``hxsim.bringup.program.VmmProgram``), runs it through the
  testbench's bus agents and returns the decoded arrays;
* ``protocol``: the messages between the two (typed dataclasses, pickled over
  ``multiprocessing.connection`` with an authentication key).
"""
