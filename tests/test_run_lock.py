"""One process at a time works on a run: agent.run takes an exclusive lock (flock on run.lock) for a new run
and for a resume; a second process is refused with one line and exit 2 before it writes anything, and a
process that dies (killed, crashed) leaves no lock behind. Real processes, a real manual run waiting for
its reply."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import FIXTURES, ROOT, run_cli

from agent.history import HistoryError, lock_run

FMA3 = FIXTURES / "problems" / "fma3"


def test_a_second_lock_on_a_run_is_refused_until_the_first_is_released(tmp_path):
    first = lock_run(tmp_path)
    with pytest.raises(
        HistoryError, match=rf"run {tmp_path.name} is in use by another agent.run \(pid {os.getpid()}\)"
    ):
        lock_run(tmp_path)
    first.release()
    lock_run(tmp_path).release()


def _wait_for(what, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def test_resume_of_a_run_in_use_is_refused_and_a_killed_run_frees_it(tmp_path):
    runs = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", TMPDIR=str(tmp_path))
    # No seed.py: the seed stage asks the (manual) LLM first, so the run waits for 001.reply.md at once.
    first = subprocess.Popen(
        [sys.executable, "-m", "agent.run", "--problem", str(FMA3), "--runs-dir", str(runs), "--no-ncu"]
        + ["--llm", "manual", "--stage", "seed", "--iterations", "1", "--repairs", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: runs.is_dir() and any(runs.glob("*/manual/001.prompt.md")))
        (run,) = [d for d in runs.iterdir() if d.is_dir()]
        history = (run / "history.jsonl").read_bytes()
        second = run_cli("-m", "agent.run", "--resume", run.name, "--runs-dir", str(runs), timeout=120)
        assert second.returncode == 2, second.stdout + second.stderr
        assert second.stderr == (
            f"error: run {run.name} is in use by another agent.run (pid {first.pid}); wait for it or stop it\n"
        ), second.stderr
        assert (run / "history.jsonl").read_bytes() == history
        assert first.poll() is None  # the first run goes on waiting for its reply
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    lock_run(run).release()  # killed: the OS dropped its lock, so a resume may take the run


# ------------------------------------------------------------ --manual-stdin at the end of its input


def test_manual_stdin_at_its_end_stops_the_run_as_replay_running_out_does(tmp_path):
    """End of input is no reply: the run stops as a replay that ran out of replies does (nothing recorded as
    a failed attempt), and a reply that did arrive in the same call is kept for the resume."""
    runs = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", TMPDIR=str(tmp_path))
    p = subprocess.run(
        [sys.executable, "-m", "agent.run", "--problem", str(FMA3), "--runs-dir", str(runs), "--no-ncu"]
        + ["--llm", "manual", "--manual-stdin", "--stage", "seed", "--samples", "2", "--repairs", "0"],
        cwd=ROOT,
        env=env,
        input="no code here, just words\nEOF\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 1, p.stdout + p.stderr
    assert "stopped: stdin ended: no more manual replies after 1; the run is complete up to here" in p.stdout
    assert "Traceback" not in p.stderr, p.stderr
    (run,) = [d for d in runs.iterdir() if d.is_dir()]
    assert (run / "history.jsonl").read_text() == ""  # no "The reply was empty" attempts
    assert (run / "attempts" / "0001-1" / "reply.md").read_text() == "no code here, just words\n"
    assert not (run / "attempts" / "0001-2" / "reply.md").exists()


# ------------------------------------------------------------ bad --llm specs: one line, exit 2, nothing written


@pytest.mark.parametrize("spec", ["replay:", "replay:  "])
def test_replay_without_a_path_is_bad_input(tmp_path, spec):
    """`replay:` with an empty path used to replay the files of the current folder."""
    runs = tmp_path / "runs"
    p = run_cli("-m", "agent.run", "--problem", str(FMA3), "--runs-dir", str(runs), "--llm", spec, timeout=120)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr == "error: --llm replay: needs a folder or file of replies\n", p.stderr
    assert not runs.exists()


def test_llm_openai_without_a_key_or_endpoint_is_bad_input_as_without_the_flag(tmp_path):
    """`--llm openai` typed, no OPENAI_API_KEY, no OPENAI_BASE_URL: the same one line and exit 2 as the default,
    before the seed is evaluated or a run folder made (it went on to a DNS error and exit 3)."""
    runs = tmp_path / "runs"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200")
    args = [sys.executable, "-m", "agent.run", "--problem", str(FMA3), "--runs-dir", str(runs)]
    out = [
        subprocess.run(args + flags, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        for flags in ([], ["--llm", "openai"])
    ]
    for p in out:
        assert p.returncode == 2, p.stdout + p.stderr
        assert p.stderr.startswith("error: no LLM configured: set OPENAI_API_KEY") and p.stderr.count("\n") == 1
    assert out[0].stderr == out[1].stderr
    assert not runs.exists()


def test_a_broken_template_is_bad_input_before_the_run_folder_exists(tmp_path):
    """A --template-dir template jinja2 cannot compile: one line and exit 2 before the seed is evaluated or a
    run folder made (it was found only when the first prompt was rendered)."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "fusion.j2").write_text('{% extends "base.j2" %}\n{% block stage %}Hello {{ 1 + }} {% endblock %}\n')
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text("no code")
    runs = tmp_path / "runs"
    p = run_cli(
        "-m", "agent.run", "--problem", str(FMA3), "--seed", str(FMA3 / "honest.py"), "--stage", "fusion",
        "--runs-dir", str(runs), "--no-ncu", "--llm", f"replay:{replies}", "--template-dir", str(templates),
        timeout=120,
    )  # fmt: skip
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith("error: template fusion.j2 failed: TemplateSyntaxError: ") and p.stderr.count("\n") == 1
    assert not runs.exists()


def test_a_corrupt_best_json_stops_the_run_as_promote_does(tmp_path):
    """agent.run used to start a fresh seed stage past a best.json it could not read; agent.promote refuses it
    with "best.json is not readable JSON": agent.run says the same in one line, exit 2, nothing written."""
    folder = tmp_path / "fma3"
    folder.mkdir()
    (folder / "reference.py").write_text((FMA3 / "reference.py").read_text())
    (folder / "best.json").write_text("{not json")
    runs = tmp_path / "runs"
    p = run_cli(
        "-m", "agent.run", "--problem", str(folder), "--runs-dir", str(runs), "--no-ncu",
        "--llm", f"replay:{FMA3 / 'honest.py'}", timeout=120,
    )  # fmt: skip
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith(f"error: {folder / 'best.json'} is not readable JSON (") and p.stderr.count("\n") == 1
    assert not runs.exists()


# ------------------------------------------------------------ Ctrl-C: the resume command, whenever a run exists


@pytest.mark.slow
@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_prints_the_resume_command_and_leaves_no_warm_folder(tmp_path, signals):
    """A second SIGINT while the first is handled (the evaluation being stopped) used to end the process with
    no resume command; it is printed whenever a run folder exists. And Ctrl-C, once or twice, leaves no
    kloop-warm-* folder in $TMPDIR (a normal exit never did)."""
    runs = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", TMPDIR=str(tmp_path))
    p = subprocess.Popen(
        [sys.executable, "-m", "agent.run", "--problem", str(FMA3), "--seed", str(FMA3 / "honest.py")]
        + ["--runs-dir", str(runs), "--no-ncu", "--llm", f"replay:{FMA3 / 'honest.py'}", "--stage", "fusion"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: any(runs.glob("*/attempts/000-seed/code.py")))  # the seed's evaluation in flight
        time.sleep(0.5)
        assert list(tmp_path.glob("kloop-warm-*"))  # the warm zygotes' folder, while the run goes on
        for _ in range(signals):
            os.killpg(p.pid, signal.SIGINT)
            time.sleep(0.05)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    (run,) = [d for d in runs.iterdir() if d.is_dir()]
    assert p.returncode == 130, out + err
    assert f"interrupted: resume with  python -m agent.run --resume {run.name} --runs-dir" in out, out + err
    assert "Traceback" not in err, err
    assert not list(tmp_path.glob("kloop-*")), list(tmp_path.iterdir())


# ------------------------------------------------------------ inspecting a run another process works on


def _hold_lock(run) -> subprocess.Popen:
    """A live process holding the run's lock, as agent.run does while it works (until its stdin closes)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from agent.history import lock_run; "
         "held = lock_run(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()", str(run)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert holder.stdout.readline() == "held\n"
    return holder


def _in_progress(store, holder) -> str:
    """The one line agent.runs and agent.promote print for a run another process holds."""
    return f"note: run {store.name} is in progress (pid {holder.pid}): read as it stands, its history not repaired\n"


def _run_needing_a_repair(tmp_path):
    """A run of a copy of fma3 whose 0001-1 (the honest kernel) is recorded, whose 0002-1 has its result.json
    and record.json but no history line (its process was between the two), and whose history ends in a torn
    line: what a repair re-appends and drops."""
    from agent.history import Record, RunStore
    from agent.settings import RunSettings
    from evaluator.shared.result import EvalResult, Status

    folder = tmp_path / "fma3"
    shutil.copytree(FMA3, folder)
    runs = tmp_path / "runs"
    store = RunStore.create(runs, RunSettings(problem=str(folder / "reference.py"), llm="manual"), "fma3")
    store.unlock()
    ok = EvalResult(status=Status.correct, gate="done", message="", problem="fma3", candidate="c", code_hash="h",
                    precision="tf32", shape_sets=["small"])  # fmt: skip
    for attempt in ("0001-1", "0002-1"):
        store.save(attempt, "code.py", (FMA3 / "honest.py").read_text())
    store.finish(Record(id="0001-1", stage="fusion", status="correct"), ok)
    store.save("0002-1", "result.json", ok.model_dump_json())
    store.save("0002-1", "record.json", Record(id="0002-1", stage="fusion", status="correct").model_dump_json())
    with store.history.open("a") as f:
        f.write('{"kind": "attempt", "id": "0003-1", "sta')
    return runs, store


def test_runs_show_of_a_run_in_progress_repairs_nothing_and_says_so(tmp_path):
    """agent.runs used to repair a history whose run another process holds: a recovered line appended beside
    that process's own, or the file replaced under it. It reads it as it stands, says so in one line on
    stderr, and repairs it (under the lock) once the run is free."""
    runs, store = _run_needing_a_repair(tmp_path)
    before = store.history.read_bytes()
    holder = _hold_lock(store.path)
    try:
        p = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "show", store.name, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stderr == _in_progress(store, holder), p.stderr
        assert "0001-1" in p.stdout and "0002-1" not in p.stdout  # as recorded so far
        assert store.history.read_bytes() == before
    finally:
        holder.stdin.close()
        holder.wait(30)
    p = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "show", store.name, timeout=120)
    assert p.returncode == 0 and p.stderr == "", p.stdout + p.stderr
    assert [r.id for r in store.records()] == ["0001-1", "0002-1"]  # repaired: 0002-1 recovered, torn line gone
    assert store.history.read_text().endswith("\n")
    lock_run(store.path).release()  # the inspection held the lock for its repair alone


def test_promote_from_a_run_in_progress_reads_it_and_writes_nothing_there(tmp_path):
    """agent.promote of a run in progress works read-only: its recorded best is re-checked and promoted, its
    history left as it stands (a torn line, a missing line: the working process's to repair), one note line."""
    runs, store = _run_needing_a_repair(tmp_path)
    holder = _hold_lock(store.path)
    before = {p: p.read_bytes() for p in store.path.rglob("*") if p.is_file()}
    try:
        p = run_cli("-m", "agent.promote", store.name, "--runs-dir", str(runs), timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stderr == _in_progress(store, holder), p.stderr
        assert f"promoted {store.name}/0001-1" in p.stdout, p.stdout
        assert {p: p.read_bytes() for p in store.path.rglob("*") if p.is_file()} == before
    finally:
        holder.stdin.close()
        holder.wait(30)
    assert (tmp_path / "fma3" / "best.py").read_text() == (FMA3 / "honest.py").read_text()


def test_a_run_held_by_a_suite_is_refused_naming_the_suite(tmp_path):
    """A suite works on its problems' runs in its own process: a resume of one is told agent.suite holds it
    (the holder's command line, read from /proc), not "another agent.run", which the user could not find."""
    runs = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200", TMPDIR=str(tmp_path))
    suite = subprocess.Popen(
        [sys.executable, "-m", "agent.suite", str(FMA3), "--name", "s", "--runs-dir", str(runs), "--no-ncu"]
        + ["--llm", "manual", "--stage", "seed", "--iterations", "1", "--repairs", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: runs.is_dir() and any(runs.glob("*/manual/001.prompt.md")))
        (run,) = [d for d in runs.iterdir() if d.is_dir() and (d / "config.json").is_file()]
        second = run_cli("-m", "agent.run", "--resume", run.name, "--runs-dir", str(runs), timeout=120)
        assert second.returncode == 2, second.stdout + second.stderr
        assert second.stderr == (
            f"error: run {run.name} is in use by agent.suite (pid {suite.pid}); wait for it or stop it\n"
        ), second.stderr
    finally:
        os.killpg(suite.pid, signal.SIGKILL)
        suite.wait(30)
