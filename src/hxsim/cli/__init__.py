"""The ``hxsim`` command line: ``hxsim COMMAND [options]`` (``python -m hxsim`` is the same).

Each module of this package adds its sub-commands (``register(subparsers)``, with
``set_defaults(func=...)``; ``func(args) -> int`` is the exit code) and takes its shared options
from the parent parsers of ``hxsim.cli.common``. Exit codes: 0 success, 1 a check failed, 2 bad
input (one line on stderr naming the problem), an existing output without ``--force``, or an
unavailable device.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from hxsim.cli import bringup, demo, nn
from hxsim.cli.common import HxParser, UsageError
from hxsim.device import DeviceUnavailable

__all__ = ["UsageError", "build_parser", "main", "package_version"]

#: Modules that contribute sub-commands, in the order ``hxsim --help`` lists them.
COMMAND_MODULES = (demo, bringup, nn)


def package_version() -> str:
    """The installed package's version (``importlib.metadata``)."""
    try:
        return version("hxsim")
    except PackageNotFoundError:
        import hxsim

        return str(hxsim.__version__)


def build_parser() -> argparse.ArgumentParser:
    parser = HxParser(
        prog="hxsim",
        description="Simulator and bring-up tools for one BrainScaleS-2 hemisphere in hagen "
        "(analog VMM) mode. `hxsim COMMAND --help` lists a command's options.")
    parser.add_argument("--version", action="version", version=f"hxsim {package_version()}",
                        help="print the package version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, ValueError, FileNotFoundError, FileExistsError,
            DeviceUnavailable) as exc:
        print(f"hxsim {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
