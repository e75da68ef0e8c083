"""The ``hxsim`` command line. Each feature module registers its sub-commands here.

A feature module listed in ``COMMAND_MODULES`` provides ``register(subparsers)``, which adds its
sub-commands with ``set_defaults(func=...)``; ``func(args) -> int`` returns the exit code.
Bad input (a malformed file, an out-of-range option) is reported as one line on stderr and exit
code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Modules that contribute sub-commands (each has ``register(subparsers)``).
COMMAND_MODULES: tuple[str, ...] = (
    "hxsim.demo",
    "hxsim.bringup.commands",
    "hxsim.nn.commands",
)


class UsageError(Exception):
    """Bad input from the user: reported without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hxsim",
        description="Simulator and bring-up tools for one BrainScaleS-2 hemisphere in hagen "
        "(analog VMM) mode.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"hxsim {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
