"""Bring-up tools: measured-data format, characterization, comparison with the model, stimulus
export and calibration, each running VMMs through a backend (``hxsim.bringup.backend``): the model
alone now, the RTL co-simulation (or a real chip's register interface) through the same protocol.
See docs/bringup.md and docs/data-format.md."""
