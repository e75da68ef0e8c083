"""Host-side verification tools of the hx_top co-simulation (issue #5), each run as
``python -m hxtb.verif.<tool>``: ``regress`` (``make regress``), ``mutate`` with its table
``mutations`` (``make mutate``) and ``coverage`` (merge and report coverage parts); regress and
mutate run their jobs on dask.distributed through ``hxsim.jobs`` (docs/regress.md) and write the
HTML summary of ``report_html``.

The rest of the verification lives elsewhere: protocol checkers in tb/hdl/hx_checkers.sv, the
functional coverage model in ``hxtb.env.coverage``, the statistical scoreboard in
``hxtb.env.scoreboard``, the directed tests in ``hxtb.tests.test_verif``."""
