"""The pyuvm environment of hx_top (OpenTitan's dv/env, pyuvm's TinyALU):

- ``item``: ``VmmItem`` (one VMM: stimulus and read-back), ``CovVmmItem`` (plus what coverage
  samples);
- ``seqs``: ``RandomVmmSeq``, ``CovVmmSeq`` and the stimulus helpers; ``inject_error``;
- ``driver``: ``VmmDriver`` (executes an item through the Testbench, publishes it on ``ap``);
- ``predictor``: what hx_top should hold and answer, fed from the monitors' analysis ports
  (``RegModelPredictor``: the register model of hx_top, ``hxsim.regmodel.HxTopRegModel``);
- ``scoreboard``: ``VmmScoreboard`` (bit- and cycle-exact per VMM) and the statistical scoreboard
  of the noisy mode (``stat_check``, ``predict``);
- ``coverage``: the functional coverage model, ``CoverageSubscriber`` and the end-of-run dump;
- ``env``: ``EnvCfg`` and ``VmmEnv``, which builds and connects all of the above.
"""
