"""The ``circuit-lab`` command.

Subcommands (``circuit-lab --help`` lists them):

- ``simulate``: run a named scenario on virtual time (see :mod:`circuit_lab.sim.cli`).
- ``student``: make student versions of exercise notebooks
  (see :mod:`circuit_lab.exercises.student`).

Each handler returns the exit status; bad input prints one line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand registered."""
    from .exercises.student import add_student_parser
    from .sim.cli import add_simulate_parser

    parser = argparse.ArgumentParser(
        prog="circuit-lab",
        description="circuit_lab: learn and use the circuit-breaker pattern.",
    )
    parser.add_argument("--version", action="version", version=f"circuit-lab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_simulate_parser(subparsers)
    add_student_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``circuit-lab`` with ``argv`` (default: ``sys.argv[1:]``); return the status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except BrokenPipeError:
        # The reader went away (`circuit-lab ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
