"""One process at a time works on a suite: agent.suite takes an exclusive lock on the suite's folder (flock on
suite.lock, agent.history's helper, as a run's) for a new suite and for a resume. A second `--resume NAME`
while the first runs used to record each problem whose run the first one held as an error; it exits 2 at once
with one line naming the suite and the process, and writes nothing. Real processes, a real manual run waiting
for its reply."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import FIXTURES, ROOT, run_cli

from agent.suite_store import SuiteError, SuiteStore, lock_suite

FMA3 = FIXTURES / "problems" / "fma3"


def _files(folder) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_second_process_on_a_suite_in_use_exits_2_and_writes_nothing(tmp_path):
    runs = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", TMPDIR=str(tmp_path))
    # fma3 has no seed.py: the seed stage asks the (manual) LLM first, so the suite waits for 001.reply.md.
    first = subprocess.Popen(
        [sys.executable, "-m", "agent.suite", str(FMA3), "--name", "live", "--runs-dir", str(runs), "--no-ncu"]
        + ["--llm", "manual", "--stage", "seed", "--iterations", "1", "--repairs", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    folder = runs / "suites" / "live"
    try:
        deadline = time.monotonic() + 120
        while not any(runs.glob("*/manual/001.prompt.md")):
            assert first.poll() is None and time.monotonic() < deadline, "the suite did not start its run"
            time.sleep(0.2)
        before, run_folders = _files(folder), sorted(runs.iterdir())
        second = run_cli("-m", "agent.suite", "--resume", "live", "--runs-dir", str(runs), timeout=120)
        assert second.returncode == 2, second.stdout + second.stderr
        assert second.stderr == (
            f"error: suite live is in use by another agent.suite (pid {first.pid}); wait for it or stop it\n"
        ), second.stderr
        assert _files(folder) == before and sorted(runs.iterdir()) == run_folders  # no error rows, no resume entry
        assert first.poll() is None  # the first suite goes on waiting for its reply
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    lock_suite(folder).release()  # killed: the OS dropped its lock, so a resume may take the suite


def test_a_suite_opened_to_work_on_is_locked_until_released(tmp_path):
    folder = tmp_path / "suites" / "s"
    folder.mkdir(parents=True)
    (folder / "suite.jsonl").write_text("")
    (folder / "config.json").write_text("{}")
    first = SuiteStore.open("s", tmp_path, lock=True)
    with pytest.raises(SuiteError, match=rf"^suite s is in use by another agent.suite \(pid {os.getpid()}\)"):
        SuiteStore.open("s", tmp_path, lock=True)
    SuiteStore.open("s", tmp_path)  # inspection (agent.runs, agent.promote --suite) takes no lock
    first.unlock()
    SuiteStore.open("s", tmp_path, lock=True).unlock()
