"""Ctrl-C (issue 27): `agent.run`, `agent.suite` and `python -m evaluator` stop within seconds, kill the
evaluation in flight, record nothing half-done, print no traceback, leave no kloop-eval-* folder in
$TMPDIR, and the printed resume command, pasted as it is, carries on. Real processes and real SIGINTs:
the test sends the signal to the command's process group, as a terminal does."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_server import ChatServer
from conftest import FIXTURES, ROOT

FUSED = (FIXTURES / "replies" / "01_fused_correct.md").read_text()
# The correct kernel with a spin loop that the CPU interpreter runs for hours: an evaluation that
# only a kill ends.
HANGING = FUSED.replace(
    "    acc = tl.zeros((BLOCK_P, BLOCK_C), dtype=tl.float32)\n",
    "    spin = 0\n    for _ in range(0, 1 << 40):\n        spin += 1\n"
    "    acc = tl.zeros((BLOCK_P, BLOCK_C), dtype=tl.float32)\n",
)
assert HANGING != FUSED


@pytest.fixture
def problem(tmp_path) -> Path:
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    return folder / "reference.py"


def start(args: list[str], tmpdir: Path, cwd: Path = ROOT) -> subprocess.Popen:
    tmpdir.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the SIGINT below reaches it as a terminal's would
    )


def wait_for(what, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def processes_under(folder: Path) -> list[int]:
    """Live processes whose command line or environment names `folder` (an evaluation's children)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            text = (d / "cmdline").read_bytes() + (d / "environ").read_bytes()
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(folder).encode() in text and state != "Z":
            found.append(int(d.name))
    return found


def interrupt(proc: subprocess.Popen) -> tuple[float, str, str]:
    """Ctrl-C; returns (seconds to exit, stdout, stderr)."""
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return time.monotonic() - t0, out, err


def evaluating(tmpdir: Path) -> bool:
    return any(tmpdir.glob("kloop-eval-*"))


def test_ctrl_c_kills_the_evaluation_in_flight_and_the_pasted_resume_carries_on(problem, tmp_path):
    runs, tmpdir, replies = tmp_path / "runs", tmp_path / "tmp", tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text(HANGING)
    (replies / "02.md").write_text(FUSED)
    args = ["-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu"]
    args += ["--llm", f"replay:{replies}", "--iterations", "2", "--repairs", "0", "--workers", "1"]
    proc = start(args, tmpdir)
    try:
        wait_for(lambda: any(runs.glob("*/attempts/0001-1/code.py")) and evaluating(tmpdir))
        time.sleep(1.0)  # well inside the hanging evaluation
        seconds, out, err = interrupt(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, out + err
    assert seconds < 10, f"took {seconds:.1f} s to stop"
    assert "Traceback" not in err + out, err
    assert not evaluating(tmpdir), list(tmpdir.iterdir())
    wait_for(lambda: not processes_under(tmpdir), timeout=5)  # the candidate's processes died too
    [run] = list(runs.iterdir())
    history = (run / "history.jsonl").read_text()
    assert '"000-seed"' in history and '"0001-1"' not in history  # the killed evaluation is no verdict
    assert not (run / "attempts" / "0001-1" / "result.json").exists()
    [hint] = [line for line in out.splitlines() if line.startswith("interrupted: resume with")]
    command = shlex.split(hint.split("resume with", 1)[1])
    assert command[:3] == ["python", "-m", "agent.run"] and "--runs-dir" in command  # runs/ is not the default
    # Pasted as printed (from another folder, where runs/ is not the default either), plus a short
    # compile limit so that the saved hanging reply ends as a timeout this time.
    again = subprocess.run(
        [sys.executable, *command[1:], "--compile-timeout", "5"],
        cwd=tmp_path,
        env=dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=str(ROOT), COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    ids = [line.split('"id":"')[1].split('"')[0] for line in (run / "history.jsonl").read_text().splitlines()]
    assert ids == ["000-seed", "0001-1", "0002-1"]
    assert not evaluating(tmpdir)


def test_ctrl_c_while_waiting_for_the_llm_stops_at_once(problem, tmp_path):
    """The request in flight cannot be cancelled, so the process does not wait for it."""
    runs, tmpdir = tmp_path / "runs", tmp_path / "tmp"
    with ChatServer([("sleep", 120)]) as srv:
        args = ["-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu"]
        proc = start(args + ["--base-url", srv.url, "--model", "m", "--iterations", "1"], tmpdir)
        try:
            wait_for(lambda: len(srv.requests) == 1)
            seconds, out, err = interrupt(proc)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and seconds < 10, (seconds, out, err)
    assert "Traceback" not in err + out
    [hint] = [line for line in out.splitlines() if line.startswith("interrupted: resume with")]  # a line of its own
    assert f"--runs-dir {runs}" in hint
    [run] = list(runs.iterdir())
    assert '"0001-1"' not in (run / "history.jsonl").read_text()


def test_ctrl_c_stops_the_evaluator_cli(tmp_path):
    tmpdir = tmp_path / "tmp"
    cand = tmp_path / "hanging.py"
    cand.write_text(HANGING.split("```python\n", 1)[1].split("```", 1)[0])
    out_json = tmp_path / "result.json"
    proc = start(["-m", "evaluator", str(cand), "--problem", "conv2d_scale_min", "--json", str(out_json)], tmpdir)
    try:
        wait_for(lambda: evaluating(tmpdir) and any(tmpdir.glob("kloop-eval-*/**/*.stderr.txt")))
        time.sleep(1.0)
        seconds, out, err = interrupt(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and seconds < 10, (seconds, out, err)
    assert "Traceback" not in err and err.strip().splitlines() == [
        "interrupted: nothing was evaluated to the end, nothing written"
    ]
    assert not out_json.exists() and not evaluating(tmpdir)
    wait_for(lambda: not processes_under(tmpdir), timeout=5)


def test_ctrl_c_stops_a_suite_and_its_resume_carries_on(problem, tmp_path):
    runs, tmpdir, replies = tmp_path / "runs", tmp_path / "tmp", tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text(HANGING)
    args = ["-m", "agent.suite", str(problem), "--name", "s", "--runs-dir", str(runs), "--no-ncu"]
    args += ["--llm", f"replay:{replies}", "--iterations", "1", "--repairs", "0", "--workers", "1"]
    proc = start(args, tmpdir)
    try:
        wait_for(lambda: any(runs.glob("*/attempts/0001-1/code.py")) and evaluating(tmpdir))
        time.sleep(1.0)
        seconds, out, err = interrupt(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and seconds < 10, (seconds, out, err)
    assert "Traceback" not in err + out and not evaluating(tmpdir)
    suite = runs / "suites" / "s"
    rows = suite / "suite.jsonl"
    assert not rows.exists() or rows.read_text() == ""  # the problem is not finished, nor marked failed
    [hint] = [line for line in out.splitlines() if line.startswith("interrupted: resume with")]
    command = shlex.split(hint.split("resume with", 1)[1])
    assert command[:3] == ["python", "-m", "agent.suite"] and "--runs-dir" in command
    again = subprocess.run(
        [sys.executable, *command[1:], "--compile-timeout", "5"],
        cwd=tmp_path,
        env=dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=str(ROOT), COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert '"problem":"conv_min"' in (suite / "suite.jsonl").read_text().replace(" ", "")
