"""``circuit-lab simulate``: run a named scenario from the command line.

``circuit-lab simulate --scenario NAME [--seed N] [--duration S] [--set key=value ...]
[--json | --csv FILE] [--plot FILE]`` prints a readable summary (transitions with times and reasons,
success rate, trips), the JSON document described in ``docs/simulate-json.md``, or writes
the timeline as CSV (``--csv -`` writes it to stdout). The same arguments always give the
same bytes. Bad input prints one line on stderr naming the parameter and exits with 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import IO, Any, NoReturn

from .engine import Engine
from .params import check_names, coerce, parse_assignment
from .report import summary_line, transition_log
from .scenarios import SCENARIOS, build_model
from .timeline import Timeline

__all__ = ["JSON_FORMAT", "add_simulate_parser", "main", "run_simulate", "to_json"]

JSON_FORMAT = "circuit_lab.simulate/1"
"""The ``format`` field of the ``--json`` document (bumped on incompatible changes)."""

PROG = "circuit-lab simulate"


class UsageError(Exception):
    """Bad command-line input (reported as one line, exit status 2)."""


def _one_line_error(parser: argparse.ArgumentParser) -> Any:
    def error(message: str) -> NoReturn:
        sys.stderr.write(f"{parser.prog}: error: {message}\n")
        raise SystemExit(2)

    return error


def add_simulate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``simulate`` subcommand to an argparse ``subparsers`` object and return
    its parser; the handler is stored as the ``handler`` default (call
    ``args.handler(args)``, which returns the exit status)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulate",
        help="run a simulated scenario on virtual time",
        description="Run a named scenario deterministically and summarise it. "
        "Scenarios: " + ", ".join(SCENARIOS),
    )
    _configure(parser)
    return parser


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.error = _one_line_error(parser)  # type: ignore[method-assign]
    parser.add_argument(
        "--scenario", required=True, metavar="NAME", help="one of: " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="seconds of virtual time users send requests (default: the scenario's)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="assignments",
        help="override a scenario parameter (repeatable)",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the JSON document")
    out.add_argument("--csv", metavar="FILE", help="write the timeline as CSV ('-' = stdout)")
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw the run's chart to FILE (png, svg or pdf by extension; needs matplotlib)",
    )
    parser.add_argument(
        "--list-params",
        action="store_true",
        help="print the scenario's parameters and defaults, then exit",
    )
    parser.set_defaults(handler=run_simulate, func=run_simulate)


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    check_names([args.scenario], SCENARIOS, "scenario")
    defaults = SCENARIOS[args.scenario].defaults
    params: dict[str, Any] = {}
    for text in args.assignments:
        key, value = parse_assignment(text)
        check_names([key], defaults, "parameter", f" for scenario {args.scenario!r}")
        params[key] = coerce(key, value, defaults[key])
    if args.duration is not None:
        params["duration"] = args.duration
    return params


def run_simulate(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    """Run the ``simulate`` subcommand for parsed ``args``; return the exit status
    (0, or 2 after printing one error line on stderr for bad input)."""
    out = sys.stdout if out is None else out
    try:
        params = _parameters(args)
        if args.list_params:
            for key, value in sorted(SCENARIOS[args.scenario].defaults.items()):
                out.write(f"{key} = {value!r}\n")
            return 0
        engine = Engine(build_model(args.scenario, **params), args.seed)
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    logger = logging.getLogger("circuit_lab")
    if not logger.handlers:  # transitions are in the report; keep stderr quiet
        logger.addHandler(logging.NullHandler())
    engine.run()
    engine.refresh_states()
    timeline = engine.timeline
    if args.json:
        out.write(to_json(timeline, args.scenario, args.seed, params, engine))
    elif args.csv == "-":
        timeline.to_csv(out)
    else:
        if args.csv:
            try:
                timeline.to_csv(args.csv)
            except OSError as exc:
                sys.stderr.write(f"{PROG}: error: --csv {args.csv!r}: {exc.strerror}\n")
                return 2
        out.write(_report(timeline, args.scenario, args.seed, params, engine))
    if getattr(args, "plot", None):
        return _plot(timeline, args.plot, f"{args.scenario} (seed {args.seed})")
    return 0


def _plot(timeline: Timeline, path: str, title: str) -> int:
    """``--plot``: draw with :mod:`circuit_lab.viz`, imported only here so every other
    option works without matplotlib. Returns the exit status."""
    try:
        from circuit_lab.viz._cli import write_plot
    except ImportError as exc:
        sys.stderr.write(f"{PROG}: error: --plot needs matplotlib ({exc})\n")
        return 2
    try:
        write_plot(timeline, path, title=title)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"{PROG}: error: --plot {path!r}: {exc}\n")
        return 2
    return 0


def _document(
    timeline: Timeline, scenario: str, seed: int, params: dict[str, Any], engine: Engine
) -> dict[str, Any]:
    full = {**SCENARIOS[scenario].defaults, **params}
    return {
        "format": JSON_FORMAT,
        "scenario": scenario,
        "seed": seed,
        "parameters": full,
        "breaker_settings": dict(timeline.settings),
        "start": timeline.start,
        "end": timeline.end,
        "services": list(timeline.services),
        "requests": {
            "issued": engine.requests,
            "completed": engine.completed,
            "failed": engine.failed,
            "fallbacks": engine.fallbacks,
        },
        "rows": len(timeline),
        "summary": {name: timeline.summary(name).as_dict() for name in timeline.services},
        "transitions": [
            {
                "time": t.time,
                "service": t.service,
                "old": t.old.value,
                "new": t.new.value,
                "reason": t.reason,
            }
            for t in timeline.transitions
        ],
        "faults": [
            {"start": f.start, "end": f.end, "kind": f.kind, "service": f.service, "label": f.label}
            for f in timeline.faults
        ],
    }


def to_json(
    timeline: Timeline, scenario: str, seed: int, params: dict[str, Any], engine: Engine
) -> str:
    """The ``--json`` document (see ``docs/simulate-json.md``), newline-terminated."""
    doc = _document(timeline, scenario, seed, params, engine)
    return json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n"


def _report(
    timeline: Timeline, scenario: str, seed: int, params: dict[str, Any], engine: Engine
) -> str:
    lines = [
        f"scenario {scenario} (seed {seed}): {engine.requests} user requests over "
        f"{engine.duration:g} s of virtual time, ended at {timeline.end:.3f} s",
    ]
    if params:
        lines.append("parameters: " + ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())))
    lines.append(
        f"users: {engine.completed - engine.failed} answered ({engine.fallbacks} by fallback), "
        f"{engine.failed} failed"
    )
    for f in timeline.faults:
        end = "end of run" if f.end is None else f"{f.end:.3f} s"
        lines.append(f"fault: {f.label} on {f.service} from {f.start:.3f} s to {end}")
    for name in timeline.services:
        s = timeline.summary(name)
        lines.append(summary_line(s))
        if s.time_to_detect is not None:
            lines.append(f"  outage detected after {s.time_to_detect:.3f} s")
        if s.time_to_recover is not None:
            lines.append(f"  recovered {s.time_to_recover:.3f} s after the outage ended")
    if timeline.transitions:
        lines.append("transitions:")
        lines.extend("  " + line for line in transition_log(timeline).splitlines())
    else:
        lines.append("transitions: none")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``simulate`` on its own (``python -m circuit_lab.sim.cli ...``)."""
    parser = argparse.ArgumentParser(prog=PROG, description="Run a simulated scenario.")
    _configure(parser)
    args = parser.parse_args(argv)
    return run_simulate(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
