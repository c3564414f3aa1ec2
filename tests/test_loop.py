"""The whole loop on the CPU interpreter, from the command line: replayed replies, resume after a
kill, promote, inspect, and bad input. Each run works on a copy of the problem folder in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_server import ChatServer
from conftest import FIXTURES, ROOT, agent_run, only_run, run_cli

from agent.archive import best_of

REPLIES = FIXTURES / "replies"


@pytest.fixture
def problem(tmp_path) -> Path:
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    return folder / "reference.py"


def test_replayed_run_on_the_cpu_keeps_the_first_correct_candidate_as_parent(problem, tmp_path):
    runs = tmp_path / "runs"
    p = agent_run(problem, runs, "--llm", f"replay:{REPLIES}", "--iterations", "3", "--repairs", "0")
    assert p.returncode == 0, p.stdout + p.stderr
    store = only_run(runs)
    records = store.records()
    assert [(r.id, r.status) for r in records] == [
        ("000-seed", "correct"),
        ("0001-1", "correct"),
        ("0002-1", "compile_error"),
        ("0003-1", "incorrect"),
    ]
    # No GPU, no ranking: interpreter time is no speed signal, so the first correct attempt (the seed)
    # stays the parent, and the correct fused kernel is kept in order without being called faster.
    assert best_of(records).id == "000-seed"
    assert [r.parent for r in records[1:]] == ["000-seed", "000-seed", "000-seed"]
    for r in records[1:]:
        files = {f.name for f in store.attempt_dir(r.id).iterdir()}
        assert {"prompt.md", "reply.md", "code.py", "result.json", "record.json", "llm.json"} <= files
    metrics = json.loads(store.read("0001-1", "metrics.json"))
    assert metrics == {"ncu": None, "reason": "not requested"}  # --no-ncu; on a GPU: {kernel: {metric: value}}
    assert "0001-1" in p.stdout and "timing unavailable" in p.stdout and "nothing was ranked" in p.stdout
    cfg = json.loads((store.path / "config.json").read_text())
    assert cfg["iterations"] == 3 and cfg["llm"] == f"replay:{REPLIES}"
    # The second prompt shows the parent's (the seed's) code, not the later correct candidate's.
    assert "_conv_scale_min_kernel" not in store.read("0002-1", "prompt.md")
    # A failed sample goes through the repair prompt quoting the evaluator's message.
    shutil.rmtree(runs)
    p = agent_run(problem, runs, "--llm", f"replay:{REPLIES}", "--iterations", "2", "--repairs", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    store = only_run(runs)
    repair = store.read("0002-1r1", "prompt.md")
    assert "fused_conv2d_min" in repair and "ImportError" in repair


def test_killed_run_resumes_without_redoing_finished_attempts(problem, tmp_path):
    runs = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--llm",
        f"replay:{REPLIES}",
        "--iterations",
        "3",
        "--repairs",
        "0",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    history = None
    while time.monotonic() < deadline:  # kill as soon as the first LLM attempt is recorded
        found = list(runs.glob("*/history.jsonl")) if runs.exists() else []
        if found and len(found[0].read_text().splitlines()) >= 2:
            history = found[0]
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert history is not None, "the run never recorded an attempt"
    before = history.read_text().splitlines()
    assert len(before) < 4, "the run finished before it could be killed"
    p = run_cli("-m", "agent.run", "--resume", history.parent.name, "--runs-dir", str(runs))
    assert p.returncode == 0, p.stdout + p.stderr
    after = history.read_text().splitlines()
    assert after[: len(before)] == before  # finished attempts untouched, not redone
    ids = [json.loads(line)["id"] for line in after]
    assert ids == ["000-seed", "0001-1", "0002-1", "0003-1"]
    statuses = [json.loads(line)["status"] for line in after]
    assert statuses == ["correct", "correct", "compile_error", "incorrect"]  # replies stayed in order


def test_promote_on_the_cpu_refuses_wrong_accepts_the_first_and_never_ranks_by_interpreter_time(problem, tmp_path):
    runs = tmp_path / "runs"
    p = agent_run(problem, runs, "--llm", f"replay:{REPLIES}", "--iterations", "3", "--repairs", "0")
    assert p.returncode == 0, p.stdout + p.stderr
    name = only_run(runs).name
    best_py = problem.parent / "best.py"

    def promote(*args):
        return run_cli("-m", "agent.promote", name, *args, "--runs-dir", str(runs), "--shapes", "small")

    wrong = promote("0003-1")
    assert wrong.returncode == 1 and "incorrect" in wrong.stdout and not best_py.exists()
    first = promote("0001-1")  # no best.py yet: a correct candidate is promoted
    assert first.returncode == 0, first.stdout + first.stderr
    meta = json.loads((problem.parent / "best.json").read_text())
    assert meta["attempt"] == "0001-1" and meta["status"] == "correct" and meta["run"] == name
    assert meta["measure"] == "cpu-interpreter" and meta["prompt_sha256"]
    again = promote("seed")  # correct too, but the CPU interpreter cannot say which one is faster
    assert again.returncode == 1 and "CPU interpreter" in again.stdout and "--force" in again.stdout
    assert best_py.read_text() == only_run(runs).read("0001-1", "code.py")


def test_inspect_list_show_diff_report(problem, tmp_path):
    runs = tmp_path / "runs"
    assert agent_run(problem, runs, "--llm", f"replay:{REPLIES}", "--iterations", "2", "--repairs", "0").returncode == 0
    name = only_run(runs).name
    lst = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "list")
    assert lst.returncode == 0 and name in lst.stdout
    show = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "show", name)
    assert show.returncode == 0 and "compile_error" in show.stdout
    diff = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "diff", name, "seed", "0001-1")
    assert diff.returncode == 0 and "+def _conv_scale_min_kernel(" in diff.stdout
    rep = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "report", name)
    assert rep.returncode == 0, rep.stderr
    html = (runs / name / "report.html").read_text()
    assert "data:image/png;base64," in html and "0002-1" in html
    assert "<tr class='correct best'><td><a href='attempts/000-seed/'>000-seed</a></td>" in html
    assert "GPU ms" not in html and "x compile" not in html  # a CPU run has no timing columns
    assert "<details><summary>" in html and "_conv_scale_min_kernel" in html  # each attempt's code opens
    assert (runs / name / "speedup.png").read_bytes()[:4] == b"\x89PNG"


def test_openai_provider_in_the_loop_records_tokens_and_codeless_replies(problem, tmp_path):
    runs = tmp_path / "runs"
    fused = (REPLIES / "01_fused_correct.md").read_text()
    with ChatServer([("ok", fused), ("ok", "Sorry, I can't see the code.")]) as srv:
        p = agent_run(
            problem,
            runs,
            "--llm",
            "openai",
            "--base-url",
            srv.url,
            "--model",
            "local-model",
            "--iterations",
            "2",
            "--repairs",
            "0",
        )
    assert p.returncode == 0, p.stdout + p.stderr
    records = only_run(runs).records()
    assert [r.status for r in records] == ["correct", "correct", "static_error"]
    assert records[1].model == "local-model" and records[1].prompt_tokens > 100 and records[1].completion_tokens
    assert records[2].gate == "extract" and "no ```python code block" in records[2].message


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--stage", "polish"], "unknown stage 'polish'"),
        (["--problem", "no_such_problem"], "unknown problem"),
        (["--iterations", "0"], "--iterations: must be at least 1 (got 0)"),
        (["--shapes", "huge"], "has no shape set 'huge'"),  # before a run folder exists: --resume cannot change it
        (["--llm", "replay:EMPTY"], "holds no replies"),
        (["--llm", "carrier-pigeon"], "unknown LLM provider"),
        ([], "no LLM configured"),
        (["--resume", "no-such-run"], "no run 'no-such-run'"),
    ],
)
def test_bad_input_one_line_exit_2_no_run_folder(problem, tmp_path, flags, words):
    runs = tmp_path / "runs"
    empty = tmp_path / "empty"
    empty.mkdir()
    flags = [f.replace("EMPTY", str(empty)) for f in flags]
    if "--problem" not in flags:
        flags = ["--problem", str(problem), *flags]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    p = subprocess.run(
        [sys.executable, "-m", "agent.run", "--runs-dir", str(runs), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(env, PYTHONPATH=str(ROOT)),
        timeout=120,
    )
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in p.stderr
    assert not runs.exists() or not any(runs.iterdir())


def test_corrupt_history_line_is_one_line_error_and_nothing_lost(problem, tmp_path):
    runs = tmp_path / "runs"
    assert agent_run(problem, runs, "--llm", f"replay:{REPLIES}", "--iterations", "1").returncode == 0
    store = only_run(runs)
    lines = store.history.read_text().splitlines()
    store.history.write_text("\n".join([lines[0], "{not json", *lines[1:]]) + "\n")
    p = run_cli("-m", "agent.run", "--resume", store.name, "--runs-dir", str(runs))
    assert p.returncode == 2 and "line 2 is corrupt" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert store.history.read_text().count("\n") == len(lines) + 1  # untouched

    # bytes that are not UTF-8 on a middle line: the same one-line error; everywhere, never a traceback
    store.history.write_bytes(
        ("\n".join([lines[0], ""]) + "\n").encode() + b'{"id": "caf\xc3"}\n' + lines[1].encode() + b"\n"
    )
    for cmd in (["agent.run", "--resume", store.name], ["agent.runs", "show", store.name]):
        p = run_cli("-m", *cmd, "--runs-dir", str(runs))
        assert p.returncode == 2 and "line 3 is not UTF-8" in p.stderr and "Traceback" not in p.stderr, p.stderr
    p = run_cli("-m", "agent.runs", "list", "--runs-dir", str(runs))  # one unreadable run does not hide the rest
    assert "Traceback" not in p.stderr, p.stderr
    # a last line torn inside a UTF-8 sequence (a crash mid-write) is a torn line: resume drops it and goes on
    store.history.write_bytes("".join(f"{x}\n" for x in lines).encode() + b'{"kind": "attempt", "message": "caf\xc3')
    p = run_cli("-m", "agent.run", "--resume", store.name, "--runs-dir", str(runs))
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stdout + p.stderr
    assert store.history.read_text().splitlines() == lines


def test_manual_provider_reads_replies_from_stdin(problem, tmp_path):
    runs = tmp_path / "runs"
    reply = (REPLIES / "01_fused_correct.md").read_text()
    cmd = [
        sys.executable,
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--llm",
        "manual",
        "--manual-stdin",
        "--iterations",
        "1",
        "--repairs",
        "0",
    ]
    p = subprocess.run(
        cmd,
        cwd=ROOT,
        input=reply + "\nEOF\n",
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert p.returncode == 0, p.stdout + p.stderr
    store = only_run(runs)
    assert [r.status for r in store.records()] == ["correct", "correct"]
    prompt = (store.path / "manual" / "001.prompt.md").read_text()
    assert prompt == store.read("0001-1", "prompt.md") and "[CURRENT CODE]" in prompt


def test_manual_provider_waits_for_the_reply_file(tmp_path):
    import threading

    from agent.llm.manual import ManualLLM

    inbox = tmp_path / "manual"
    llm = ManualLLM(inbox, poll_s=0.05, wait_s=30)

    def answer():
        while not (inbox / "001.prompt.md").exists():
            time.sleep(0.02)
        (inbox / "001.reply.md").write_text("```python\nprint(1)\n```")

    threading.Thread(target=answer, daemon=True).start()
    [c] = llm.complete([{"role": "user", "content": "the prompt"}], n=1)
    assert c.error is None and c.text.startswith("```python")
    assert (inbox / "001.prompt.md").read_text() == "the prompt"


def test_stage_all_walks_the_stages_and_stops_cleanly_when_replay_runs_out(problem, tmp_path):
    runs = tmp_path / "runs"
    p = agent_run(problem, runs, "--stage", "all", "--llm", f"replay:{REPLIES}", "--iterations", "1", "--repairs", "0")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ran out of replies after 3" in p.stdout
    records = only_run(runs).records()
    # No NCU metrics on the CPU: a skip criterion is never met on missing data, so no stage is skipped.
    assert [(r.id, r.stage) for r in records] == [
        ("000-seed", "seed"),
        ("0001-1", "fusion"),
        ("0002-1", "tiling"),
        ("0003-1", "memory"),
    ]
    assert "Block sizes under register pressure" in only_run(runs).read("0002-1", "prompt.md")


def test_samples_in_parallel_and_duplicates_not_reevaluated(problem, tmp_path):
    runs = tmp_path / "runs"
    fused = (REPLIES / "01_fused_correct.md").read_text()
    wrong = (REPLIES / "03_wrong_max.md").read_text()
    # Iteration 1: two samples, the same code twice (text around the block differs) -> one duplicate.
    with ChatServer([("ok", fused), ("ok", "Same again:\n" + fused), ("ok", wrong), ("ok", wrong)]) as srv:
        p = agent_run(
            problem,
            runs,
            "--llm",
            "openai",
            "--base-url",
            srv.url,
            "--samples",
            "2",
            "--workers",
            "2",
            "--iterations",
            "2",
            "--repairs",
            "0",
        )
    assert p.returncode == 0, p.stdout + p.stderr
    records = {r.id: r for r in only_run(runs).records()}
    assert set(records) == {"000-seed", "0001-1", "0001-2", "0002-1", "0002-2"}
    dups = [r for r in records.values() if r.duplicate_of]
    assert len(dups) == 2  # one in each iteration, each pointing at its twin
    for d in dups:
        twin = records[d.duplicate_of]
        assert d.code_hash == twin.code_hash and d.status == twin.status
        assert d.interpreter_ms == twin.interpreter_ms  # copied, not measured again
    assert {records["0002-1"].status, records["0002-2"].status} == {"incorrect"}


def test_parent_metrics_are_narrowed_to_the_stage_prompt():
    from agent.loop import for_stage

    seed = json.loads((FIXTURES / "seed_ncu.json").read_text())
    profiled = {k: {**v, "launch__registers_per_thread": 40.0} for k, v in seed.items()}
    assert for_stage(profiled, "fusion") == seed  # the seed's five, in the seed's order
    assert for_stage(profiled, "tiling")["conv2d_scale_kernel"]["launch__registers_per_thread"] == 40.0
    assert for_stage(None, "fusion") is None


def test_a_verdict_on_the_problem_not_the_candidate_stops_the_run_resumably(tmp_path):
    """A reference that is not deterministic (tests/fixtures/problems/dropout in training mode) fails every
    evaluation before any candidate is judged. The loop used to record that as a failed attempt and ask the
    LLM to repair it; now it stops: exit 4, one line that quotes the evaluator, no attempt recorded, and a
    resume (once the problem is fixed) evaluates the same kernel again."""
    folder = tmp_path / "dropout"
    shutil.copytree(FIXTURES / "problems" / "dropout", folder)
    runs = tmp_path / "runs"
    seed = folder / "honest.py"
    flags = ("--seed", str(seed), "--llm", f"replay:{REPLIES}", "--iterations", "1", "--repairs", "1")
    p = agent_run(folder / "reference.py", runs, *flags)
    assert p.returncode == 4, (p.returncode, p.stdout[-1500:], p.stderr[-1500:])
    [line] = p.stderr.strip().splitlines()
    assert "attempt 000-seed" in line and "not deterministic" in line and "no reply can fix that" in line, line
    assert "agent.run --resume" in line
    store = only_run(runs)
    assert store.records() == []  # nothing recorded: no verdict was reached on the kernel
    (folder / "reference.py").write_text((folder / "reference.py").read_text() + '\nMODE = "eval"\n')
    p = run_cli("-m", "agent.run", "--resume", store.name, "--runs-dir", str(runs), "--repairs", "0")
    assert p.returncode == 0, (p.stdout[-1500:], p.stderr[-1500:])
    assert store.records()[0].id == "000-seed" and store.records()[0].status == "correct"
