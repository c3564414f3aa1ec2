"""Everyday use, round two (issue 27): honest exit codes, progress a pipe receives line by line, resume
and promote hints that work pasted, fast help (no torch), files that follow the umask, a stop when the
LLM's replies repeat, the flags and names users look for. Real subprocesses, a real chat server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_server import ChatServer
from conftest import FIXTURES, ROOT, only_run

FUSED = (FIXTURES / "replies" / "01_fused_correct.md").read_text()


@pytest.fixture
def problem(tmp_path) -> Path:
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    return folder / "reference.py"


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200")


def run(*args: str, cwd: Path = ROOT, umask: int = -1, extra: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env={**env(), **(extra or {})}, capture_output=True, text=True,
        timeout=600, umask=umask,
    )  # fmt: skip


# ------------------------------------------------------------ exit codes, hints, file modes


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_a_run_without_a_correct_kernel_exits_1_and_its_files_follow_the_umask(problem, tmp_path):
    """The seed stage's replies hold no code block: nothing is correct, so exit 1 (a script can tell);
    the hint to go on names --runs-dir and works pasted; run files are 0640 under umask 027."""
    runs, replies = tmp_path / "runs", tmp_path / "replies"
    replies.mkdir()
    for k in range(4):
        (replies / f"{k:02d}.md").write_text("I would fuse the convolution with the min, but here is no code.")
    p = run(
        "-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--stage", "seed",
        "--llm", f"replay:{replies}", "--iterations", "2", "--repairs", "0", "--no-ncu", umask=0o027,
    )  # fmt: skip
    assert p.returncode == 1, p.stdout + p.stderr
    store = only_run(runs)
    assert [r.status for r in store.records()] == ["static_error", "static_error"]
    [hint] = [line for line in p.stdout.splitlines() if line.startswith("no correct first kernel")]
    command = hint.split(":  ", 1)[1].replace(" --iterations N", " --iterations 3")
    assert f"--runs-dir {runs}" in command
    again = subprocess.run(
        command.replace("python", sys.executable, 1), shell=True, cwd=tmp_path, env=env(), capture_output=True,
        text=True, timeout=600, umask=0o027,
    )  # fmt: skip
    assert again.returncode == 1 and "no run" not in again.stderr, again.stdout + again.stderr
    assert [r.id for r in store.records()] == ["0001-1", "0002-1", "0003-1"]  # it carried on
    for path in [store.path / "config.json", store.attempt_dir("0001-1") / "reply.md", store.history]:
        assert path.stat().st_mode & 0o777 == 0o640, (path, oct(path.stat().st_mode))


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_progress_reaches_a_pipe_one_line_per_attempt_as_it_finishes(problem, tmp_path):
    runs, replies = tmp_path / "runs", tmp_path / "replies"
    replies.mkdir()
    shutil.copy(FIXTURES / "replies" / "02_compile_error.md", replies / "01.md")
    shutil.copy(FIXTURES / "replies" / "01_fused_correct.md", replies / "02.md")
    cmd = ["-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu", "--workers", "1"]
    proc = subprocess.Popen(
        [sys.executable, *cmd, "--llm", f"replay:{replies}", "--iterations", "2", "--repairs", "0"],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    arrived = [(time.monotonic(), line.rstrip("\n")) for line in proc.stdout]
    end = time.monotonic()
    proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read()
    attempts = [(t, line) for t, line in arrived if re.match(r"^\[\s*\d+s\] \S+ \(\w+\) -> ", line)]
    assert [line.split("] ", 1)[1].split()[0] for _, line in attempts] == ["000-seed", "0001-1", "0002-1"], arrived
    assert "compile_error at compile" in attempts[1][1] and "evaluated in" in attempts[1][1]
    # The seed's line came while the two other evaluations still ran, not with the table at the end.
    assert end - attempts[0][0] > 2.0, arrived
    assert all(line.startswith("[") for _, line in arrived if " -> " in line)  # nothing glued to a line
    assert "promote it on a GPU machine with:  python -m agent.promote" in "\n".join(line for _, line in arrived)


# ------------------------------------------------------------ the LLM: repeats, 400, flags


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_replies_that_repeat_stop_the_run_with_a_warning(problem, tmp_path):
    runs = tmp_path / "runs"
    with ChatServer([("ok", FUSED)]) as srv:
        p = run(
            "-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu", "--base-url", srv.url,
            "--model", "m", "--iterations", "6", "--stop-after-repeats", "2", "--max-tokens", "77",
            "--temperature", "0.2",
        )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(srv.requests) == 3  # the first reply, then two repeats of it, then no more asking
    assert srv.requests[0]["max_tokens"] == 77 and srv.requests[0]["temperature"] == 0.2
    records = only_run(runs).records()
    dups = [(r.id, r.duplicate_of) for r in records[1:]]
    assert dups == [("0001-1", None), ("0002-1", "0001-1"), ("0003-1", "0001-1")]
    warning = [line for line in p.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "repeated code already evaluated" in warning[0]
    assert "--stop-after-repeats" in warning[0]
    diff = run("-m", "agent.runs", "--runs-dir", str(runs), "diff", only_run(runs).name, "0001-1", "0002-1")
    assert diff.returncode == 0 and diff.stdout.strip() == "0001-1 and 0002-1 have the same code", diff.stdout


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_a_request_the_server_refuses_is_an_llm_error_not_a_static_error(problem, tmp_path):
    runs = tmp_path / "runs"
    with ChatServer([("status", 400)]) as srv:
        p = run(
            "-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu", "--iterations", "1",
            extra={"OPENAI_BASE_URL": srv.url, "OPENAI_MODEL": "m"},
        )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr  # the seed is correct
    store = only_run(runs)
    rec = store.records()[1]
    assert (rec.id, rec.status, rec.gate) == ("0001-1", "llm_error", "llm")
    assert store.result("0001-1").reason == "llm_refused"
    config = store.config()  # the endpoint and model from the environment are on record, not null
    assert (config.base_url, config.model, srv.requests[0]["model"]) == (srv.url, "m", "m")


# ------------------------------------------------------------ fast answers


@pytest.mark.parametrize(
    "args",
    [
        ("-m", "agent.run", "--help"),
        ("-m", "agent.run", "--no-such-flag"),
        ("-m", "agent.runs", "list"),
        ("-m", "agent.suite", "--help"),
        ("-m", "agent.cli", "run", "--help"),
        ("-m", "evaluator", "--help"),
        ("-m", "evaluator", "cand.py"),
    ],
)
def test_help_bad_flags_and_runs_list_do_not_import_torch(tmp_path, args):
    p = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=tmp_path,
        env={**env(), "KLOOP_RUNS_DIR": str(tmp_path / "runs")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode in (0, 2)
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    assert "torch" not in imported and "triton" not in imported, sorted(imported)[:5]
    assert "Traceback" not in p.stderr


def test_kernel_loop_eval_names_itself_and_stage_help_lists_hopper():
    p = run("-m", "agent.cli", "eval", "--help")
    assert p.returncode == 0 and p.stdout.startswith("usage: kernel-loop eval "), p.stdout[:200]
    p = run("-m", "agent.run", "--help")
    stage = " ".join(p.stdout.rsplit("--stage STAGE", 1)[1].split("--problem", 1)[0].split())
    assert "hopper" in stage
    assert "--max-tokens" in p.stdout and "--stop-after-repeats" in p.stdout and "OPENAI_MODEL" in p.stdout


def test_openai_model_from_the_environment_is_the_default(monkeypatch):
    from agent.settings import RunSettings

    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5-coder")
    assert RunSettings().model == "qwen2.5-coder"  # read when a run starts, not when the module loaded


def test_write_atomic_follows_the_umask(tmp_path):
    """mkstemp makes 0600 files; a run file must be readable by whom the umask allows."""
    code = (
        "import os, sys; from pathlib import Path; from evaluator.shared.files import write_atomic; os.umask(0o002); "
        "write_atomic(Path(sys.argv[1]), 'x'); print(oct(os.stat(sys.argv[1]).st_mode & 0o777))"
    )
    p = run("-c", code, str(tmp_path / "f.txt"))
    assert p.stdout.strip() == "0o664", p.stdout + p.stderr
