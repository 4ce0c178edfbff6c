"""``circuit-lab simulate --plot FILE`` writes the chart; other options stay
matplotlib-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circuit_lab.sim.cli import main


def test_plot_writes_an_800_by_400_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "outage.png"
    assert main(["--scenario", "outage", "--duration", "40", "--plot", str(out)]) == 0
    assert "scenario outage" in capsys.readouterr().out  # the report is still printed
    with Image.open(out) as im:
        px = np.asarray(im.convert("RGB"), dtype=float)
    assert px.shape == (400, 800, 3)
    assert px.std() > 25.0


def test_plot_of_a_cascade_has_a_panel_per_service(tmp_path: Path) -> None:
    out = tmp_path / "cascade.svg"
    assert main(["--scenario", "cascade", "--duration", "20", "--json", "--plot", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for name in ("frontend", "orders", "payments"):
        assert f"service: {name}" in text


def test_plot_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--scenario", "steady", "--duration", "2", "--plot", str(tmp_path / "x.nope")])
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--plot" in err and "nope" in err


def test_other_options_do_not_import_matplotlib() -> None:
    code = (
        "import sys; from circuit_lab.sim.cli import main;"
        "assert main(['--scenario', 'steady', '--duration', '2', '--json']) == 0;"
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
