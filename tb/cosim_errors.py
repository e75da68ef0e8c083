"""Error-path tests (filled below)."""
