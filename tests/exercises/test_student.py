"""``circuit-lab student``: student versions carry no solutions and no hidden tests, and
they run, raising NotImplementedError only in the cells a student must fill in."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from circuit_lab.cli import main
from circuit_lab.exercises.student import NotebookError, student_notebook, write_student_versions

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "notebooks" / "exercises"
INSTRUCTOR = sorted(EXERCISES.glob("*.ipynb"))


def _cell(kind: str, source: str, **nbgrader: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "old\n"}]
        cell["execution_count"] = 7
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "grade_id": "x", **nbgrader}
    return cell


def _notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"cells": list(cells), "metadata": {"widgets": {"state": {}}}, "nbformat": 4,
            "nbformat_minor": 5}


def _text(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


# -- the transformation ------------------------------------------------------------------------

SOLUTION_CELL = """class P:
    def f(self):
        ### BEGIN SOLUTION
        return 42
        ### END SOLUTION

    def g(self):
        \t### BEGIN SOLUTION
        return 'secret'
        ### END SOLUTION
### BEGIN SOLUTION
HELPER = 1
### END SOLUTION
"""


def test_solution_regions_become_stubs_at_their_indentation() -> None:
    nb = _notebook(_cell("code", SOLUTION_CELL, solution=True, grade=False, locked=False))
    (cell,) = student_notebook(nb)["cells"]
    assert _text(cell) == (
        "class P:\n    def f(self):\n        # YOUR CODE HERE\n"
        "        raise NotImplementedError()\n\n    def g(self):\n"
        "        \t# YOUR CODE HERE\n        \traise NotImplementedError()\n"
        "# YOUR CODE HERE\nraise NotImplementedError()"
    )
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert cell["metadata"]["deletable"] is False and "editable" not in cell["metadata"]


def test_hidden_tests_are_removed_and_locked_cells_become_read_only() -> None:
    source = ("fb = check(x)\ndisplay(fb)\n"
              "### BEGIN HIDDEN TESTS\nassert fb.passed\n### END HIDDEN TESTS\n")
    nb = _notebook(_cell("code", source, grade=True, locked=True, solution=False, points=2))
    (cell,) = student_notebook(nb)["cells"]
    assert _text(cell) == "fb = check(x)\ndisplay(fb)"
    assert cell["metadata"]["editable"] is False and cell["metadata"]["deletable"] is False


def test_markdown_answers_and_plain_cells() -> None:
    nb = _notebook(
        _cell("markdown", "Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", solution=True,
              grade=True, points=1),
        _cell("markdown", "# Title\n"),
        _cell("code", "x = 1\n"),
    )
    original = copy.deepcopy(nb)
    result = student_notebook(nb)
    assert nb == original  # the input is not changed
    answer, title, plain = result["cells"]
    assert _text(answer) == "Why?\nYOUR ANSWER HERE"
    assert _text(title) == "# Title\n" and title["metadata"] == {}
    assert _text(plain) == "x = 1\n" and plain["outputs"] == []
    assert "widgets" not in result["metadata"]


@pytest.mark.parametrize(("source", "meta", "message"), [
    ("### BEGIN SOLUTION\nx = 1\n", {"solution": True}, "without a matching"),
    ("x = 1\n### END SOLUTION\n", {"solution": True}, "without a '"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", {"solution": True}, "nested"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", {}, "not mark it as a solution cell"),
    ("### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n", {"solution": True},
     "not mark it as a graded cell"),
])
def test_malformed_markers_name_the_cell(source: str, meta: dict[str, Any], message: str) -> None:
    nb = _notebook(_cell("markdown", "intro"), _cell("code", source, **meta))
    with pytest.raises(NotebookError, match=r"^ex\.ipynb: cell 1: .*" + re.escape(message)):
        student_notebook(nb, "ex.ipynb")


def test_not_a_notebook() -> None:
    with pytest.raises(NotebookError, match="nbformat must be 4"):
        student_notebook({"cells": [], "nbformat": 3})
    with pytest.raises(NotebookError, match="no list of cells"):
        student_notebook({"worksheets": []})


# -- the command -------------------------------------------------------------------------------


def test_cli_writes_a_directory_of_student_notebooks(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["student", str(EXERCISES), str(tmp_path / "out")]) == 0
    written = sorted((tmp_path / "out").glob("*.ipynb"))
    assert [p.name for p in written] == [p.name for p in INSTRUCTOR]
    assert capsys.readouterr().out.count("wrote ") == len(INSTRUCTOR)


def test_cli_one_notebook_to_a_file_path(tmp_path: Path) -> None:
    target = tmp_path / "mine.ipynb"
    assert main(["student", str(INSTRUCTOR[0]), str(target)]) == 0
    assert json.loads(target.read_text())["nbformat"] == 4


@pytest.mark.parametrize(("args", "message"), [
    (["student", "no/such/dir", "out"], "no such file or directory"),
    (["student", str(EXERCISES), str(EXERCISES)], "would overwrite an instructor notebook"),
    (["student", str(ROOT / "README.md"), "out"], "must be a .ipynb notebook"),
])
def test_cli_bad_input_is_one_line_and_status_2(args: list[str], message: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("circuit-lab student: error: ")
    assert message in err


def test_cli_broken_notebook_and_missing_arguments(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert main(["student", str(broken), str(tmp_path / "out")]) == 2
    assert "not JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["student"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- the real exercise notebooks ---------------------------------------------------------------


def _regions(text: str, begin: str, end: str) -> list[str]:
    found, inside = [], False
    for line in text.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line.strip())
    return found


def test_there_are_six_instructor_notebooks_numbered_easy_to_hard() -> None:
    assert [p.name[:4] for p in INSTRUCTOR] == [f"ex{i}_" for i in range(1, 7)]


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.stem)
def test_instructor_notebook_is_valid_for_nbgrader_and_saved_executed(path: Path) -> None:
    nb = json.loads(path.read_text())
    ids, executed, graded = [], [], 0
    for cell in nb["cells"]:
        text = _text(cell)
        meta = cell["metadata"].get("nbgrader")
        if "BEGIN SOLUTION" in text:
            assert meta and meta["solution"], text[:60]
        if "BEGIN HIDDEN TESTS" in text:
            assert meta and meta["grade"] and meta["locked"], text[:60]
        if meta:
            assert meta["schema_version"] == 3
            assert set(meta) >= {"grade", "solution", "locked", "grade_id"}
            ids.append(meta["grade_id"])
            if meta["grade"]:
                graded += 1
                assert meta["points"] > 0
        if cell["cell_type"] == "code":
            executed.append(cell["execution_count"])
    assert len(ids) == len(set(ids))
    assert graded >= 1
    assert executed == list(range(1, len(executed) + 1)), "run top to bottom, then saved"


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    write_student_versions(EXERCISES, out)
    return out


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.stem)
def test_student_version_has_no_solution_and_no_hidden_tests(path: Path, student_dir: Path) -> None:
    instructor = json.loads(path.read_text())
    student = json.loads((student_dir / path.name).read_text())
    everything = [_text(c) for c in instructor["cells"]]
    secret = set()
    for text in everything:
        secret.update(_regions(text, "BEGIN SOLUTION", "END SOLUTION"))
        secret.update(_regions(text, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
    public = "\n".join(_strip_regions(t) for t in everything)
    # lines that only ever appear inside a solution or hidden-test region
    secret = {s for s in secret if len(s) >= 8 and s not in public}
    assert secret, "the notebook has solution text to hide"
    student_text = "\n".join(_text(c) for c in student["cells"])
    for line in secret:
        assert line not in student_text, line
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in student_text
    for cell in student["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    grade_ids = [c["metadata"]["nbgrader"]["grade_id"] for c in student["cells"]
                 if "nbgrader" in c["metadata"]]
    assert grade_ids == [c["metadata"]["nbgrader"]["grade_id"] for c in instructor["cells"]
                         if "nbgrader" in c["metadata"]]


def _strip_regions(text: str) -> str:
    out, inside = [], False
    for line in text.splitlines():
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def test_student_notebooks_run_with_errors_only_in_exercise_cells(student_dir: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    unfinished = 0
    for path in sorted(student_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                         allow_errors=True,
                                         resources={"metadata": {"path": str(student_dir)}})
        client.execute()
        feedback_shown = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            errors = [o for o in cell.outputs if o.output_type == "error"]
            grader = cell.metadata.get("nbgrader", {})
            if errors:
                where = f"{path.name} cell {index}: {errors[0].ename}: {errors[0].evalue}"
                assert grader.get("solution"), where
                assert [e.ename for e in errors] == ["NotImplementedError"], where
                unfinished += 1
            for output in cell.outputs:
                if "NOT YET" in output.get("data", {}).get("text/markdown", ""):
                    feedback_shown += 1
        assert feedback_shown >= 1, f"{path.name}: its checker should say NOT YET"
    assert unfinished >= 4  # exercises 1, 2, 5 and 6 stop in their answer cell
