"""Settings out of range are bad input, not a candidate's fault: zero or negative timeouts, a temperature
outside 0..2 or not finite, a count that is not an integer (`{"iterations": true}` in --config). Each is one
line naming the flag and the value, exit 2, nothing written (agent.run, agent.suite, python -m evaluator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT
from pydantic import ValidationError

from agent.settings import RunSettings


def cli(*args: str, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KLOOP_RUNS_DIR=str(cwd / "runs"))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "fields",
    [
        {"run_timeout": -1.0},
        {"compile_timeout": 0.0},
        {"llm_timeout": 0.0},
        {"llm_timeout": float("inf")},
        {"temperature": -5.0},
        {"temperature": 2.5},
        {"temperature": float("nan")},
        {"iterations": True},
        {"samples": 1.0},
        {"max_tokens": "100"},
        {"ncu": 1},
    ],
)
def test_out_of_range_or_loosely_typed_settings_are_refused(fields):
    with pytest.raises(ValidationError):
        RunSettings(**fields)


def test_settings_in_range_still_load():
    s = RunSettings(temperature=0, llm_timeout=0.5, compile_timeout=1, iterations=2, ncu=False)
    assert (s.temperature, s.llm_timeout, s.compile_timeout) == (0.0, 0.5, 1.0)
    assert RunSettings.model_validate_json(s.model_dump_json()) == s  # a saved config.json reads back


CASES = [  # (agent.run flags, the words the line must hold)
    (["--run-timeout", "-1"], ["--run-timeout", "-1"]),
    (["--compile-timeout", "0"], ["--compile-timeout", "0"]),
    (["--llm-timeout", "0"], ["--llm-timeout", "0"]),
    (["--temperature", "-5"], ["--temperature", "-5"]),
    (["--temperature", "nan"], ["--temperature", "nan"]),
    (["--config", "CONFIG", '{"iterations": true}'], ["--iterations", "True"]),
    (["--config", "CONFIG", '{"compile_timeout": 0}'], ["--compile-timeout", "0"]),
]


@pytest.mark.parametrize("flags,words", CASES)
def test_agent_run_refuses_them_in_one_line(tmp_path, flags, words):
    if flags[0] == "--config":
        (tmp_path / "c.json").write_text(flags[2])
        flags = ["--config", str(tmp_path / "c.json")]
    p = cli("-m", "agent.run", "--llm", "manual", *flags, cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    line = p.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line and all(w in line for w in words), line
    assert not (tmp_path / "runs").exists()


def test_agent_suite_refuses_them_in_one_line(tmp_path):
    p = cli("-m", "agent.suite", str(FIXTURES / "suite" / "clamp"), "--temperature", "nan", cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.strip() == "error: --temperature: Input should be a finite number (got nan)"
    listing = tmp_path / "list.txt"
    listing.write_text(f"{FIXTURES / 'suite' / 'clamp'} --run-timeout 0\n")
    p = cli("-m", "agent.suite", str(listing), cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "list.txt line 1: --run-timeout: Input should be greater than 0 (got 0.0)" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("flag,value", [("--compile-timeout", "-5"), ("--run-timeout", "0"), ("--run-timeout", "inf")])
def test_python_m_evaluator_refuses_a_timeout_that_is_not_above_0(tmp_path, flag, value):
    out = tmp_path / "r.json"
    cand = FIXTURES / "suite" / "clamp" / "seed.py"
    p = cli(
        "-m",
        "evaluator",
        str(cand),
        "--problem",
        str(FIXTURES / "suite" / "clamp"),
        flag,
        value,
        "--json",
        str(out),
        cwd=tmp_path,
    )
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.strip().startswith(f"error: argument {flag}: must be a number of seconds above 0, got '{value}'")
    assert len(p.stderr.strip().splitlines()) == 1 and not out.exists()


# ------------------------------------------------------------ agent.suite --config (agent.run's semantics)


def test_agent_suite_config_is_checked_like_agent_runs(tmp_path):
    clamp = str(FIXTURES / "suite" / "clamp")
    for text, line in [
        ('{"problem": "relu"}', "'problem' is decided by the suite for each problem"),
        ('{"iterations": 0}', "error: --iterations: must be at least 1 (got 0)"),
        ('{"iterations": true}', "error: --iterations: Input should be a valid integer (got True)"),
        ('{"itertions": 2}', "unknown setting 'itertions'"),
        ("[1]", "expected a JSON object of settings"),
    ]:
        (tmp_path / "c.json").write_text(text)
        p = cli("-m", "agent.suite", clamp, "--config", str(tmp_path / "c.json"), cwd=tmp_path)
        assert p.returncode == 2 and line in p.stderr and len(p.stderr.strip().splitlines()) == 1, (text, p.stderr)
        assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_agent_suite_takes_its_settings_from_config_with_typed_flags_over_them(tmp_path):
    import shutil

    for d in ("clamp", "replies"):
        shutil.copytree(FIXTURES / "suite" / d, tmp_path / d)
    config = {"iterations": 2, "repairs": 0, "ncu": False, "llm": "replay:replies", "stage": "fusion"}
    (tmp_path / "c.json").write_text(json.dumps(config))
    p = cli("-m", "agent.suite", "clamp", "--name", "c", "--config", "c.json", "--iterations", "1", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    saved = json.loads((tmp_path / "runs" / "suites" / "c" / "config.json").read_text())["flags"]
    assert saved == {**config, "iterations": 1, "llm": f"replay:{tmp_path / 'replies'}"}
    row = json.loads((tmp_path / "runs" / "suites" / "c" / "suite.jsonl").read_text())
    assert (row["attempts"], row["status"]) == (1, "incorrect")  # one iteration: the typed flag won
