"""Binder checks that need no Docker daemon (issue 6, "Binder").

1. ``jupyter-repo2docker --no-build --debug <repo>`` exits 0, and the Dockerfile it prints
   installs ``binder/requirements.txt`` with pip and then runs ``binder/postBuild``.
2. A fresh venv built from ``binder/requirements.txt`` (plus ``postBuild``) lists the widget
   and ipympl JupyterLab extensions as enabled, applies postBuild's settings overrides, and
   passes ``pytest --nbval`` on ``notebooks/``.

The fresh venv is cached under ``.venv/binder-check/<hash>``, keyed by the hash of
binder/requirements.txt, binder/postBuild and the Python version, so only the first run
(or a change of pins) pays for the install; the circuit_lab package inside it is
reinstalled whenever its sources change.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.binder

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
REQUIREMENTS = BINDER / "requirements.txt"
POSTBUILD = BINDER / "postBuild"
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"
CACHE = ROOT / ".venv" / "binder-check"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Test tooling installed beside the Binder pins (it is not part of the Binder image).
TOOLING = ("pytest", "nbval")
NOTIFICATION = "@jupyterlab/apputils-extension:notification"
EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib")


def run(args: list[str | Path], *, env: dict[str, str] | None = None,
        cwd: Path = ROOT, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing stdout and stderr together."""
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)


def check(args: list[str | Path], *, env: dict[str, str] | None = None,
          cwd: Path = ROOT, timeout: float = 900) -> str:
    """Run a command that must succeed; return its output."""
    proc = run(args, env=env, cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stdout[-6000:]}")
    return proc.stdout


def pins() -> dict[str, str]:
    """``{normalized name: version}`` for each ``name==version`` line of the requirements."""
    out: dict[str, str] = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[normalize(name)] = version.strip()
    return out


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).strip().lower()


def notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def digest(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    return h.hexdigest()


# --- static checks of binder/ ----------------------------------------------------------


def test_requirements_pinned_exactly_and_install_the_package() -> None:
    lines = [ln.split("#", 1)[0].strip() for ln in REQUIREMENTS.read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    assert "." in lines, "binder/requirements.txt must install the package itself ('.')"
    loose = [ln for ln in lines if ln != "." and "==" not in ln]
    assert not loose, f"not pinned with '==': {loose}"
    needed = {"jupyterlab", "notebook", "ipywidgets", "ipympl", "matplotlib",
              "jupyterlab-widgets", "widgetsnbextension", "numpy", "ipykernel"}
    assert needed <= set(pins()), f"missing pins: {sorted(needed - set(pins()))}"
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    text = POSTBUILD.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert os.access(POSTBUILD, os.X_OK), "binder/postBuild must be executable"


# --- 1. repo2docker, without Docker ---------------------------------------------------


def test_repo2docker_dockerfile_installs_requirements_and_runs_postbuild() -> None:
    try:
        importlib.metadata.version("jupyter-repo2docker")
    except importlib.metadata.PackageNotFoundError:
        message = "jupyter-repo2docker is not installed (it is in the 'test' extra)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    exe = Path(sys.executable).parent / "jupyter-repo2docker"
    command: list[str | Path] = [exe] if exe.exists() else [sys.executable, "-m", "repo2docker"]
    # --no-build renders the Dockerfile and, with --debug, prints it; no daemon is contacted.
    proc = run([*command, "--no-build", "--debug", ROOT], timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:]
    out = proc.stdout
    assert "Building conda environment for python=3.11" in out, (
        "repo2docker did not pick up binder/runtime.txt (python-3.11)")
    start = out.find("\nFROM ")
    assert start >= 0, f"no Dockerfile in repo2docker's output:\n{out[-4000:]}"
    dockerfile = out[start + 1:]
    lines = [ln.strip() for ln in dockerfile.splitlines()]
    install = [i for i, ln in enumerate(lines)
               if ln.startswith("RUN ") and "pip install" in ln and "binder/requirements.txt" in ln]
    postbuild = [i for i, ln in enumerate(lines) if ln == "RUN ./binder/postBuild"]
    assert install, "the Dockerfile does not pip-install binder/requirements.txt"
    assert "${KERNEL_PYTHON_PREFIX}/bin/pip" in lines[install[0]], lines[install[0]]
    assert postbuild, "the Dockerfile does not run binder/postBuild"
    assert install[0] < postbuild[0], "postBuild must run after the requirements are installed"


# --- 2. a fresh venv from binder/requirements.txt + postBuild ------------------------


class FreshVenv:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / "bin"
        self.python = self.bin / "python"

    def env(self, home: Path) -> dict[str, str]:
        """An environment that sees only this venv and a private Jupyter home."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
        env.update(
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
            VIRTUAL_ENV=str(self.path),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(home / "lab-user-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
            JUPYTER_PLATFORM_DIRS="1",
            MPLBACKEND="agg",
        )
        return env


def build_venv(path: Path, home: Path) -> None:
    """Create the venv, install the Binder pins (cwd = repo root, for '.'), run postBuild."""
    if path.exists():
        shutil.rmtree(path)
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    fresh = FreshVenv(path)
    env = fresh.env(home)
    pip: list[str | Path] = [fresh.python, "-m", "pip", "--disable-pip-version-check"]
    check([*pip, "install", "--quiet", "-r", REQUIREMENTS], env=env, timeout=1800)
    # Test tooling at the dev venv's versions, constrained by the pins so nothing moves.
    tooling = [f"{t}=={importlib.metadata.version(t)}" for t in TOOLING]
    constraints = path / "constraints.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in pins().items()))
    check([*pip, "install", "--quiet", *tooling, "-c", constraints], env=env, timeout=900)
    # postBuild exactly as repo2docker runs it: ./binder/postBuild from the repo root,
    # with the environment's python first on PATH.
    check(["./binder/postBuild"], env=env, timeout=300)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshVenv]:
    key = digest([REQUIREMENTS, POSTBUILD], extra=sys.version)[:16]
    path = CACHE / key
    home = tmp_path_factory.mktemp("jupyter-home")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time
        done = path / ".binder-check-complete"
        if not done.exists():
            for old in CACHE.iterdir():  # keep only the venv for the current pins
                if old.is_dir() and old != path:
                    shutil.rmtree(old, ignore_errors=True)
            build_venv(path, home)
            done.write_text(key)
        fresh = FreshVenv(path)
        # The package itself ('.' in the requirements) is a copy, not an editable install:
        # refresh it when its sources change.
        sources = [*sorted((ROOT / "circuit_lab").rglob("*.py")), ROOT / "pyproject.toml"]
        stamp = path / ".circuit_lab-sources"
        src_key = digest(sources)
        if not stamp.exists() or stamp.read_text() != src_key:
            check([fresh.python, "-m", "pip", "--disable-pip-version-check", "install",
                   "--quiet", "--no-deps", "--force-reinstall", "."], env=fresh.env(home))
            stamp.write_text(src_key)
        yield fresh


def test_fresh_venv_matches_the_pins(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    env = fresh_venv.env(tmp_path)
    freeze = check([fresh_venv.python, "-m", "pip", "freeze", "--all"], env=env)
    installed = {}
    for line in freeze.splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            installed[normalize(name)] = version
    wrong = {n: (v, installed.get(n)) for n, v in pins().items() if installed.get(n) != v}
    assert not wrong, f"pinned vs installed: {wrong}"
    assert "circuit-lab" in installed or "circuit_lab" in freeze
    check([fresh_venv.python, "-m", "pip", "check"], env=env)
    check([fresh_venv.python, "-c", "import circuit_lab, ipympl, ipywidgets, matplotlib"],
          env=env, cwd=tmp_path)


def test_fresh_venv_lists_widget_and_ipympl_extensions_enabled(
        fresh_venv: FreshVenv, tmp_path: Path) -> None:
    out = check([fresh_venv.bin / "jupyter", "labextension", "list"],
                env=fresh_venv.env(tmp_path), cwd=tmp_path)
    for name in EXTENSIONS:
        line = next((ln for ln in out.splitlines() if ln.strip().startswith(name + " ")), None)
        assert line is not None, f"{name} not listed by 'jupyter labextension list':\n{out}"
        assert "enabled" in line and "OK" in line, f"{name} not enabled and OK: {line!r}"
        assert "disabled" not in line, line


SETTINGS_PROBE = """
import json, sys
import jsonschema
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import get_settings
app = get_app_dir()
result, _ = get_settings(app + "/settings", app + "/schemas", sys.argv[1],
                         schema_name=sys.argv[2])
schema = result["schema"]
overrides = json.load(open(app + "/settings/overrides.json"))[sys.argv[2]]
jsonschema.validate(overrides, schema)  # names and values are the schema's own
print(json.dumps({k: schema["properties"][k]["default"] for k in overrides}))
"""


def test_postbuild_turns_off_news_and_update_check(fresh_venv: FreshVenv,
                                                  tmp_path: Path) -> None:
    """JupyterLab itself (its settings API code) sees postBuild's overrides as defaults."""
    out = check([fresh_venv.python, "-c", SETTINGS_PROBE, tmp_path / "user-settings",
                 NOTIFICATION], env=fresh_venv.env(tmp_path), cwd=tmp_path)
    defaults = json.loads(out.strip().splitlines()[-1])
    assert defaults == {"fetchNews": "false", "checkForUpdates": False}, defaults


def test_fresh_venv_passes_nbval_on_the_notebooks(fresh_venv: FreshVenv,
                                                  tmp_path: Path) -> None:
    found = notebooks()
    if not found:
        pytest.skip("no notebooks in notebooks/ yet: nothing for nbval to run in the Binder venv")
    args: list[str | Path] = [
        fresh_venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--nbval", *[p.relative_to(ROOT) for p in found],
        "--nbval-sanitize-with", SANITIZE.relative_to(ROOT), "--nbval-current-env",
    ]
    proc = run(args, env=fresh_venv.env(tmp_path), timeout=600)
    assert proc.returncode == 0, f"nbval in the Binder venv failed:\n{proc.stdout[-8000:]}"
