"""Execute notebooks top to bottom in place, keeping their outputs and nothing noisy.

Run with the project's venv (``python3 scripts/dev.py notebooks`` does): each notebook
runs in its own folder, then per-run metadata (execution time stamps) is dropped so a
re-run changes the file only where an output changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    print(f"executed {path}", flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        execute(Path(name).resolve())
