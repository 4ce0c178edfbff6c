from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from circuit_lab.sim.cli import JSON_FORMAT, main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "circuit_lab.sim.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_summary_lists_transitions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "outage", "--seed", "1", "--duration", "70"]) == 0
    out = capsys.readouterr().out
    assert "closed -> open" in out and "success" in out and "trips" in out


def test_same_seed_same_bytes() -> None:
    a = run("--scenario", "flaky", "--seed", "4", "--duration", "30", "--json")
    b = run("--scenario", "flaky", "--seed", "4", "--duration", "30", "--json")
    c = run("--scenario", "flaky", "--seed", "5", "--duration", "30", "--json")
    assert a.returncode == 0 and a.stderr == ""
    assert a.stdout == b.stdout and a.stdout != c.stdout


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--scenario",
                "cascade",
                "--duration",
                "20",
                "--json",
                "--set",
                "breaker=false",
                "--set",
                "slow_start=5",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == JSON_FORMAT
    assert doc["services"] == ["frontend", "orders", "payments"]
    assert doc["parameters"]["breaker"] is False and doc["parameters"]["slow_start"] == 5.0
    assert set(doc["summary"]["frontend"]) >= {
        "success_rate",
        "p50_latency",
        "p99_latency",
        "trips",
        "time_in_state",
        "rejected",
    }
    assert doc["requests"]["issued"] == doc["requests"]["completed"]


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    res = run("--scenario", "steady", "--duration", "5", "--csv", str(path))
    assert res.returncode == 0
    assert path.read_text().startswith("time,service,outcome,latency,state")
    res = run("--scenario", "steady", "--duration", "5", "--csv", "-")
    assert res.stdout == path.read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scenario", "outge"], "did you mean 'outage'"),
        (
            ["--scenario", "outage", "--set", "failure_treshold=3"],
            "did you mean 'failure_threshold'",
        ),
        (["--scenario", "outage", "--set", "rate=-1"], "rate must be"),
        (["--scenario", "outage", "--set", "error_rate=1.5"], "error_rate must be"),
        (["--scenario", "outage", "--set", "retries=two"], "retries must be an integer"),
        (["--scenario", "outage", "--set", "breaker=maybe"], "breaker must be true or false"),
        (["--scenario", "outage", "--set", "rate"], "key=value"),
        (["--scenario", "outage", "--duration", "0"], "duration must be"),
        (["--scenario", "outage", "--duration", "-3"], "duration must be"),
        (["--scenario", "outage", "--seed", "x"], "--seed"),
        (["--scenario", "steady", "--json", "--csv", "f"], "not allowed with"),
        (["--scenario", "outage", "--csv", "/nonexistent/dir/x.csv"], "--csv"),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], needle: str) -> None:
    res = run(*args)
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert needle in lines[0] and "Traceback" not in res.stderr


def test_list_params(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "outage", "--list-params"]) == 0
    assert "outage_start = 30.0" in capsys.readouterr().out
