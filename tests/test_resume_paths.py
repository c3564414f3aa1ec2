"""Paths a run or a suite saves are absolute, so `--resume` works from any folder: `--llm replay:DIR`
given again to `agent.run --resume`, a suite's flags and its list file's per-problem flags; a suite saved
with a relative replay folder (before this was so) is refused in one line when resumed from elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from agent.scorecard import ProblemRow
from agent.settings import RunSettings, SettingsError, resumed
from agent.suite_store import Entry, SuiteConfig, SuiteStore, absolute_flags

SUITE = FIXTURES / "suite"


def suite_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    return subprocess.run(
        [sys.executable, "-m", "agent.suite", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_a_replay_folder_given_again_on_resume_is_saved_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saved = RunSettings(llm="replay:/somewhere/else", problem=str(SUITE / "clamp"))
    assert resumed(saved, {"llm": "replay:replies"}).llm == f"replay:{tmp_path / 'replies'}"
    assert resumed(saved, {"llm": "manual"}).llm == "manual"
    assert resumed(saved, {}).llm == "replay:/somewhere/else"


def test_a_list_files_flags_are_saved_with_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typed = ["--llm", "replay:replies/clamp", "--no-ncu", "--iterations", "2", "--seed", "clamp/seed.py"]
    e = Entry(name="clamp", problem=str(SUITE / "clamp" / "reference.py"), flags=typed)
    assert absolute_flags(e) == [
        "--llm",
        f"replay:{tmp_path / 'replies' / 'clamp'}",
        "--no-ncu",
        "--iterations",
        "2",
        "--seed",
        str(tmp_path / "clamp" / "seed.py"),
    ]
    plain = Entry(name="clamp", problem=e.problem, flags=["--iterations", "2", "--llm", "openai"])
    assert absolute_flags(plain) == plain.flags  # nothing relative: kept as typed


def test_a_suite_saved_with_a_relative_replay_folder_is_refused_in_one_line_from_elsewhere(tmp_path):
    runs = tmp_path / "runs"
    cfg = SuiteConfig(
        name="old",
        created="2026-12-06T19:45:06+00:00",
        problems=[Entry(name="clamp", problem=str(SUITE / "clamp" / "reference.py"))],
        flags={"iterations": 1, "llm": "replay:replies"},  # as suites saved it before
    )
    store = SuiteStore.create(runs, cfg)
    store.unlock()  # made here, resumed by the command below: this process does not work on it
    store.append(ProblemRow(problem="clamp", spec=cfg.problems[0].problem, status="llm failed", message="x"))
    before = (store.path / "config.json").read_text()
    p = suite_cli("--resume", "old", "--runs-dir", str(runs), cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.strip() == f"error: clamp: replay source not found: {tmp_path / 'replies'}"
    assert (store.path / "config.json").read_text() == before  # nothing recorded


@pytest.mark.slow
def test_a_suite_started_with_relative_paths_resumes_from_another_folder(tmp_path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    elsewhere.mkdir()
    for d in ("clamp", "replies"):
        shutil.copytree(SUITE / d, here / d)
    (here / "list.txt").write_text("clamp --seed clamp/seed.py\n")
    flags = ["--iterations", "1", "--repairs", "0", "--no-ncu"]
    p = suite_cli("list.txt", "--name", "r", "--llm", "replay:replies", "--runs-dir", "runs", *flags, cwd=here)
    assert p.returncode == 0, p.stdout + p.stderr
    folder = here / "runs" / "suites" / "r"
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["flags"]["llm"] == f"replay:{here / 'replies'}" and cfg["flags"]["runs_dir"] == str(here / "runs")
    assert cfg["problems"][0]["flags"] == ["--seed", str(here / "clamp" / "seed.py")]
    # As a suite killed before clamp started leaves it: no line in suite.jsonl, no link to a run.
    (folder / "suite.jsonl").write_text("")
    (folder / "runs" / "clamp").unlink()
    p = suite_cli("--resume", str(folder), cwd=elsewhere)  # by its folder's path, from another folder
    assert p.returncode == 0, p.stdout + p.stderr
    row = SuiteStore(folder).rows()["clamp"]
    assert (row.status, row.attempts, row.llm) == ("incorrect", 1, f"replay:{here / 'replies' / 'clamp'}")
    assert not (elsewhere / "runs").exists() and len(list((here / "runs").glob("*/config.json"))) == 2


def test_the_same_problem_by_name_folder_or_reference_file_is_no_change_on_resume(tmp_path, monkeypatch):
    """A run saved its problem folder's absolute path; `--resume RUN --problem NAME` (or its reference.py,
    or the folder relative to here) names the same reference file, so it is the same run."""
    shutil.copytree(SUITE / "clamp", tmp_path / "kernels" / "clamp")
    shutil.copytree(SUITE / "offline", tmp_path / "kernels" / "offline")
    monkeypatch.chdir(tmp_path)
    saved = RunSettings(problem=str(tmp_path / "kernels" / "clamp"), llm="manual")
    for typed in ("clamp", "kernels/clamp/reference.py", "./kernels/clamp", str(tmp_path / "kernels" / "clamp")):
        assert resumed(saved, {"problem": typed}).problem == saved.problem, typed  # the saved spelling kept
    by_name = RunSettings(problem="clamp", llm="manual")  # a run saved by name, resumed by path
    assert resumed(by_name, {"problem": "kernels/clamp"}).problem == "clamp"
    for other in ("offline", "kernels/offline/reference.py", "no_such_problem"):
        with pytest.raises(SettingsError, match=f"cannot change --problem {other} "):
            resumed(saved, {"problem": other})
