#!/usr/bin/env python3
"""The project's two commands, with nothing but Python 3 needed to start them.

    python3 scripts/dev.py lab    # set up .venv, open JupyterLab on the course map
    python3 scripts/dev.py test   # set up .venv, run lint, type-check and every test
    python3 scripts/dev.py notebooks [NB ...]   # re-execute notebooks in place (top to bottom)

Both create ``.venv`` beside this repository's pyproject.toml on first use and
(re)install the package with its extras whenever pyproject.toml or binder/ pins change.
Extra arguments after ``test`` go to pytest (e.g. ``-k breaker``, ``-m "not browser"``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
COURSE_MAP = "notebooks/00_course_map.ipynb"
STRICT_TYPED = ["circuit_lab/__init__.py", "circuit_lab/breaker.py", "circuit_lab/policies.py",
                "circuit_lab/clock.py", "circuit_lab/events.py", "circuit_lab/_validate.py"]


def run(*args: str | Path, check: bool = True, cwd: Path = ROOT) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=cwd)
    if check and code != 0:
        sys.exit(code)
    return code


def setup(extras: str) -> None:
    """Create .venv and install the package with ``extras`` when anything changed."""
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    inputs = [ROOT / "pyproject.toml", *sorted((ROOT / "binder").glob("requirements*.txt"))]
    digest = hashlib.sha256(extras.encode())
    for path in inputs:
        if path.exists():
            digest.update(path.read_bytes())
    stamp = VENV / f".installed-{extras.replace(',', '-')}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    pins = ROOT / "binder" / "requirements.txt"
    constraint: list[str | Path] = []
    if pins.exists():
        # The Binder pins (minus the line installing the package itself) keep the lab
        # the same here, on Binder and in CI.
        constraints = VENV / "constraints.txt"
        lines = [ln for ln in pins.read_text().splitlines() if ln.strip() not in {".", "-e ."}]
        constraints.write_text("\n".join(lines) + "\n")
        constraint = ["-c", constraints]
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]", *constraint)
    stamp.write_text(digest.hexdigest())


def lab(extra: list[str]) -> None:
    setup("lab")
    target = COURSE_MAP if (ROOT / COURSE_MAP).exists() else "notebooks"
    args: list[str | Path] = [BIN / "jupyter", "lab", target, *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        args.append("--allow-root")
    sys.exit(run(*args, check=False))


def test(extra: list[str]) -> None:
    setup("lab,test")
    failed = []
    if run(BIN / "ruff", "check", ".", check=False):
        failed.append("ruff")
    if run(BIN / "mypy", "--strict", *STRICT_TYPED, check=False):
        failed.append("mypy (strict, core)")
    if run(BIN / "mypy", "circuit_lab", check=False):
        failed.append("mypy (package)")
    pytest_args: list[str | Path] = [PYTHON, "-m", "pytest", "tests"]
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    if notebooks and not extra:
        pytest_args += ["--nbval", "notebooks", "--nbval-sanitize-with",
                        "notebooks/sanitize.cfg", "--nbval-current-env"]
    if run(*pytest_args, *extra, check=False):
        failed.append("pytest")
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
        sys.exit(1)


def notebooks(paths: list[str]) -> None:
    """Re-execute notebooks top to bottom and save them with their outputs (nbval then
    checks that a fresh run gives the same outputs)."""
    setup("lab,test")
    targets = [Path(p).resolve() for p in paths] or sorted(
        p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    run(PYTHON, ROOT / "scripts" / "execute_notebooks.py", *targets)


def main() -> None:
    commands = {"lab": lab, "test": test, "notebooks": notebooks}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
