"""Bring-up tools: the measured-data format (``data``), the published characterization
(``characterize``), the comparison of measurements with the model (``compare``), register-level
programs and the op interpreter every register-level target shares (``program``), and vector
files for export and replay (``vectors``).

They run VMMs on an ``hxsim.device.VmmDevice`` (``model``, ``golden``, ``regs``, ``cosim``; a real
chip's register interface would be one more device). Calibration is ``hxsim.calibration``; the
commands are in ``hxsim.cli.bringup``. See docs/bringup.md and docs/data-format.md."""
