"""Bench (filled below)."""
