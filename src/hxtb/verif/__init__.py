"""Verification extras (issue #5): mutation testing, protocol checkers, functional coverage,
statistical scoreboard and robustness tests for the hx_top co-simulation."""
