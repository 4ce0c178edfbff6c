"""Student versions of instructor notebooks: ``circuit-lab student SRC DEST``.

The instructor notebook is the one source, written for nbgrader: solution regions
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` and hidden tests between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, in cells whose ``nbgrader``
metadata marks them (solution cells and grade cells). The student version, as nbgrader's
``generate_assignment`` would make it:

- each solution region becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``
  (``YOUR ANSWER HERE`` in markdown), indented like the ``BEGIN`` line;
- hidden-test regions are removed;
- outputs and execution counts are cleared, widget state dropped;
- locked cells become read-only and graded cells undeletable (as nbgrader does).

Notebooks are read and written as JSON with the standard library (no nbformat).
Bad input raises :class:`NotebookError` (a ``ValueError``) with a one-line message
naming the file and cell.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "NotebookError",
    "add_student_parser",
    "run_student",
    "student_notebook",
    "write_student_versions",
]

PROG = "circuit-lab student"

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)


class NotebookError(ValueError):
    """An instructor notebook that cannot be turned into a student version."""


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    if isinstance(src, str):
        return src
    raise NotebookError(f"source must be a string or a list of strings, got {src!r}")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _replace_regions(text: str, begin: str, end: str, stub: Sequence[str] | None,
                     where: str) -> tuple[str, int]:
    """Replace each ``begin``..``end`` region of ``text`` by ``stub`` (indented like the
    begin line) or remove it (``stub`` None); return the text and the region count."""
    out: list[str] = []
    inside = False
    regions = 0
    for line in text.splitlines():
        if begin in line:
            if inside:
                raise NotebookError(f"{where}: nested {begin!r} (a region is not closed)")
            inside = True
            regions += 1
            if stub is not None:
                indent = re.match(r"[ \t]*", line)
                pad = indent.group(0) if indent else ""
                out.extend(pad + s for s in stub)
        elif end in line:
            if not inside:
                raise NotebookError(f"{where}: {end!r} without a {begin!r} before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise NotebookError(f"{where}: {begin!r} without a matching {end!r}")
    return "\n".join(out), regions


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def student_notebook(notebook: dict[str, Any], name: str = "notebook") -> dict[str, Any]:
    """The student version of ``notebook`` (a parsed ``.ipynb`` dict, nbformat 4), a new
    dict; ``notebook`` is not changed. ``name`` appears in error messages. Raises
    :class:`NotebookError` for a malformed notebook or unbalanced markers, or markers in
    a cell whose nbgrader metadata does not allow them."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{name}: not a notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise NotebookError(f"{name}: nbformat must be 4, got {notebook.get('nbformat')!r}")
    result = copy.deepcopy(notebook)
    result.get("metadata", {}).pop("widgets", None)
    for index, cell in enumerate(result["cells"]):
        where = f"{name}: cell {index}"
        if not isinstance(cell, dict):
            raise NotebookError(f"{where}: not a cell object")
        try:
            text = _source(cell)
        except NotebookError as exc:
            raise NotebookError(f"{where}: {exc}") from None
        grader = _nbgrader(cell)
        kind = cell.get("cell_type")
        stub = CODE_STUB if kind == "code" else TEXT_STUB
        original = text
        text, solutions = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION, stub, where)
        if solutions and not grader.get("solution"):
            raise NotebookError(f"{where}: has a {BEGIN_SOLUTION!r} region but its nbgrader "
                                "metadata does not mark it as a solution cell")
        text, hidden = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, None, where)
        if hidden and not grader.get("grade"):
            raise NotebookError(f"{where}: has a {BEGIN_HIDDEN!r} region but its nbgrader "
                                "metadata does not mark it as a graded cell")
        cell["source"] = _lines(text.rstrip("\n") if solutions or hidden else original)
        if kind == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        metadata = cell.setdefault("metadata", {})
        metadata.pop("execution", None)
        if grader.get("solution") or grader.get("grade"):
            metadata["deletable"] = False
        if grader.get("locked"):
            metadata["deletable"] = False
            metadata["editable"] = False
    return result


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise NotebookError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path}: not JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise NotebookError(f"{path}: not a notebook (the JSON is not an object)")
    return data


def _write(notebook: dict[str, Any], path: Path) -> None:
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise NotebookError(f"{path}: cannot write: {exc.strerror}") from None


def _sources(src: Path) -> list[tuple[Path, Path]]:
    """(notebook, path relative to the output) pairs for ``src``."""
    if src.is_file():
        if src.suffix != ".ipynb":
            raise NotebookError(f"{src}: SRC must be a .ipynb notebook or a directory")
        return [(src, Path(src.name))]
    if src.is_dir():
        found = sorted(p for p in src.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        if not found:
            raise NotebookError(f"{src}: no .ipynb notebooks in this directory")
        return [(p, p.relative_to(src)) for p in found]
    raise NotebookError(f"{src}: no such file or directory")


def write_student_versions(src: Path | str, dest: Path | str) -> list[Path]:
    """Write the student version of notebook ``src`` (or of every notebook under
    directory ``src``, keeping relative paths) to ``dest``: a file path ending in
    ``.ipynb`` when ``src`` is one notebook, else a directory (created if needed).
    Returns the paths written. Raises :class:`NotebookError` for bad input, before
    writing anything, and if any output would overwrite a source notebook."""
    src, dest = Path(src), Path(dest)
    pairs = _sources(src)
    single_file = src.is_file() and dest.suffix == ".ipynb"
    if dest.exists() and not dest.is_dir() and not single_file:
        raise NotebookError(f"{dest}: DEST must be a directory (or a .ipynb path for one "
                            "notebook)")
    planned = []
    for source, relative in pairs:
        target = dest if single_file else dest / relative
        if target.resolve() in {p.resolve() for p, _ in pairs}:
            raise NotebookError(f"{target}: would overwrite an instructor notebook; choose "
                                "another DEST")
        planned.append((source, target, student_notebook(_read(source), str(source))))
    for _, target, notebook in planned:
        _write(notebook, target)
    return [target for _, target, _ in planned]


def add_student_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``student`` subcommand to an argparse ``subparsers`` object and return
    its parser; the handler is the ``handler`` default (returns the exit status)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "student",
        help="make student versions of instructor exercise notebooks",
        description="Write the student version of notebook SRC (or of every notebook "
        "under directory SRC) to DEST: solution regions become `raise "
        "NotImplementedError()`, hidden tests are removed, outputs are cleared.",
    )
    parser.error = _one_line_error(parser)  # type: ignore[method-assign]
    parser.add_argument("src", metavar="SRC", help="an instructor notebook or a directory")
    parser.add_argument("dest", metavar="DEST",
                        help="output directory (or a .ipynb path when SRC is one notebook)")
    parser.set_defaults(handler=run_student)
    return parser


def _one_line_error(parser: argparse.ArgumentParser) -> Any:
    def error(message: str) -> NoReturn:
        sys.stderr.write(f"{parser.prog}: error: {message}\n")
        raise SystemExit(2)

    return error


def run_student(args: argparse.Namespace) -> int:
    """Run ``circuit-lab student`` for parsed ``args``: 0 after printing each path
    written, or 2 after one error line on stderr."""
    try:
        written = write_student_versions(args.src, args.dest)
    except NotebookError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0
