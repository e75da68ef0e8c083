"""The ``hxsim`` command line: ``hxsim COMMAND [options]`` (``python -m hxsim`` is the same).

Each module of this package adds its sub-commands (``register(subparsers)``, with
``set_defaults(func=...)``; ``func(args) -> int`` is the exit code) and takes its shared options
from the parent parsers of ``hxsim.cli.common``. Exit codes: 0 success, 1 a check failed, 2 bad
input (one line on stderr naming the problem), an existing output without ``--force``, or an
unavailable device; 130 after Ctrl-C, 143 after SIGTERM (one line, no traceback, no output left
half-written: ``hxsim.outputs``). A closed stdout (``hxsim demo | head -1``) ends quietly.
The full list: docs/errors.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from hxsim.outputs import OutputError

if TYPE_CHECKING:
    from hxsim.cli.common import UsageError

#: Exit codes (docs/errors.md).
EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPT, EXIT_TERMINATED = 0, 1, 2, 130, 143

__all__ = ["UsageError", "build_parser", "main", "package_version"]

#: Modules that contribute sub-commands, in the order ``hxsim --help`` lists them (imported by
#: ``build_parser``, after ``main`` has taken over Ctrl-C and SIGTERM).
COMMAND_MODULES = ("demo", "bringup", "nn", "oppoint")


def __getattr__(name: str) -> Any:
    if name == "UsageError":
        from hxsim.cli.common import UsageError

        return UsageError
    raise AttributeError(f"module 'hxsim.cli' has no attribute {name!r}")


def package_version() -> str:
    """The installed package's version (``importlib.metadata``)."""
    try:
        return version("hxsim")
    except PackageNotFoundError:
        import hxsim

        return str(hxsim.__version__)


def build_parser() -> argparse.ArgumentParser:
    from importlib import import_module

    from hxsim.cli.common import HxParser

    parser = HxParser(
        prog="hxsim",
        description="Simulator and bring-up tools for one BrainScaleS-2 hemisphere in hagen "
        "(analog VMM) mode. `hxsim COMMAND --help` lists a command's options.")
    parser.add_argument("--version", action="version", version=f"hxsim {package_version()}",
                        help="print the package version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(f"hxsim.cli.{name}").register(sub)
    return parser


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread so that ``finally`` blocks run (the simulator child is
    ended, temporary outputs are removed)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated(EXIT_TERMINATED)


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises ``Terminated`` (exit code 143) in the main thread, so
    context managers and ``finally`` blocks run (a Dask cluster is closed, temporary outputs
    removed) as on Ctrl-C; the previous handler is restored after. Outside the main thread it
    does nothing."""
    previous = None
    with contextlib.suppress(ValueError):
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _quiet_broken_pipe() -> int:
    """stdout was closed by the reader (``| head``): no message, and no second error when
    Python flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK


def _explicit(argv: Sequence[str] | None) -> set[str]:
    """The destinations given on the command line: ``argv`` parsed again by a parser whose
    defaults are all suppressed (argparse's own matching, abbreviations and ``--opt=value``
    included)."""
    parser = build_parser()
    stack: list[argparse.ArgumentParser] = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            action.default = argparse.SUPPRESS
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    return set(vars(parser.parse_args(argv)))


def _command_parser(parser: argparse.ArgumentParser, command: str | None
                    ) -> argparse.ArgumentParser:
    """The subparser of ``command`` (``parser`` itself when there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            sub: argparse.ArgumentParser = action.choices[command]
            return sub
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    previous = None
    # not in the main thread (e.g. a test's worker thread) SIGTERM keeps its handler
    with contextlib.suppress(ValueError):
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    prefix = "hxsim"
    try:
        from hxsim.cli.common import EXPLICIT, UsageError
        from hxsim.device import DeviceUnavailable

        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # named by the subcommand's parser (its prog and --help), not the top one
            _command_parser(parser, getattr(args, "command", None)).error(
                f"unrecognized arguments: {' '.join(extra)}")
        setattr(args, EXPLICIT, _explicit(argv))
        prefix = f"hxsim {args.command}"
        try:
            code = int(args.func(args))
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
        except (UsageError, ValueError, FileNotFoundError, FileExistsError, OutputError,
                DeviceUnavailable) as exc:
            print(f"{prefix}: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except UnicodeDecodeError as exc:  # a reader that does not name the file itself
            print(f"{prefix}: error: input is not UTF-8 text ({exc.reason} at byte "
                  f"{exc.start})", file=sys.stderr)
            return EXIT_BAD_INPUT
        except IsADirectoryError as exc:
            print(f"{prefix}: error: {exc.filename}: is a directory", file=sys.stderr)
            return EXIT_BAD_INPUT
        except PermissionError as exc:
            print(f"{prefix}: error: {exc.filename}: permission denied", file=sys.stderr)
            return EXIT_BAD_INPUT
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        print(f"\n{prefix}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPT
    except Terminated:
        print(f"{prefix}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

if __name__ == "__main__":
    sys.exit(main())
