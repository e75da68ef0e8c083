"""``python -m hxtb.verif.coverage <parts dir>``: merge the coverage parts of several simulator
runs (written by ``hxtb.env.coverage`` at the end of each run) and report: a text report on
stdout and ``coverage.txt``, ``coverage.json``, ``coverage.yml`` in the output directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hxtb.env.coverage import merge, report


def main() -> int:
    ap = argparse.ArgumentParser(description="merge coverage parts and report")
    ap.add_argument("parts", help="directory with the per-process *.json parts")
    ap.add_argument("--out", default="", help="report directory (default: parts/..)")
    ap.add_argument("--require", type=float, default=0.0, help="fail below this percent")
    a = ap.parse_args()
    parts = sorted(Path(a.parts).glob("*.json"))
    if not parts:
        print(f"no coverage parts in {a.parts}")
        return 1
    out = Path(a.out) if a.out else Path(a.parts).parent
    pct, missing = report(merge(parts), out, f"functional coverage ({len(parts)} runs)")
    print(f"coverage report: {out / 'coverage.txt'}, {out / 'coverage.json'}, "
          f"{out / 'coverage.yml'}")
    if pct < a.require:
        print(f"FAIL: coverage {pct:.1f} % < {a.require:.1f} %; {len(missing)} bins uncovered")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
