"""Everyday use (issue 16): a dead LLM stops the run (exit 3) and resumes, manual replies survive a
stop, resume cannot change what a run is, tables fit 80 columns, help texts, the console script and
the wheel's data. Runs use a copy of the seed problem in tmp_path, on the CPU interpreter."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from chat_server import ChatServer
from conftest import FIXTURES, ROOT, agent_run, only_run, run_cli
from rich.console import Console

from agent.archive import best_of, is_better
from agent.history import Record, RunStore
from agent.llm.manual import ManualLLM
from agent.settings import RunSettings
from agent.tables import attempts_table

FUSED = (FIXTURES / "replies" / "01_fused_correct.md").read_text()


@pytest.fixture
def problem(tmp_path) -> Path:
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    return folder / "reference.py"


def closed_port() -> int:
    """A port nothing listens on: bound, then closed, so the kernel refuses connections to it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------ a dead LLM endpoint


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_closed_port_stops_the_run_with_exit_3_and_resume_carries_on(problem, tmp_path):
    runs = tmp_path / "runs"
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    p = agent_run(problem, runs, "--base-url", dead, "--model", "m", "--iterations", "2", "--llm-retries", "0")
    assert p.returncode == 3, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the LLM endpoint" in lines[0] and "Connection refused" in lines[0]
    assert "--resume" in lines[0] and "Traceback" not in p.stderr and "promote" not in p.stdout
    store = only_run(runs)
    assert [r.id for r in store.records()] == ["000-seed"]  # the seed was evaluated; no attempt recorded
    assert not store.attempt_dir("0001-1").joinpath("result.json").exists()
    assert json.loads((store.path / "config.json").read_text())["llm"] == "openai"  # resolved, not null
    with ChatServer([("ok", FUSED), ("ok", FUSED + "\n")]) as srv:
        again = run_cli("-m", "agent.run", "--resume", store.name, "--runs-dir", str(runs), "--base-url", srv.url)
    assert again.returncode == 0, again.stdout + again.stderr
    records = store.records()
    assert [r.id for r in records] == ["000-seed", "0001-1", "0002-1"] and records[1].status == "correct"
    assert len(srv.requests) == 2  # one per attempt: nothing was counted as done while the endpoint was down
    assert json.loads((store.path / "config.json").read_text())["base_url"] == srv.url


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
@pytest.mark.parametrize("status, words", [(401, "refused the credentials"), (404, "was not found")])
def test_auth_and_unknown_model_are_exit_3_too(problem, tmp_path, status, words):
    runs = tmp_path / "runs"
    with ChatServer([("status", status)]) as srv:
        p = agent_run(problem, runs, "--base-url", srv.url, "--iterations", "1")
    assert p.returncode == 3 and words in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert [r.id for r in only_run(runs).records()] == ["000-seed"]


# ------------------------------------------------------------ manual provider


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_manual_reply_written_while_stopped_is_read_on_resume(problem, tmp_path):
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
        "manual",
        "--iterations",
        "1",
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
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not list(runs.glob("*/manual/001.prompt.md")):
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # stopped while it waited for 001.reply.md
        proc.wait()
    [prompt] = list(runs.glob("*/manual/001.prompt.md"))
    (prompt.parent / "001.reply.md").write_text(FUSED)
    p = run_cli("-m", "agent.run", "--resume", prompt.parent.parent.name, "--runs-dir", str(runs), timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    store = only_run(runs)
    assert [(r.id, r.status) for r in store.records()] == [("000-seed", "correct"), ("0001-1", "correct")]
    assert store.read("0001-1", "reply.md") == FUSED
    assert sorted(f.name for f in prompt.parent.iterdir()) == ["001.prompt.md", "001.reply.md"]


def test_manual_empty_reply_waits_for_content(tmp_path):
    import threading

    inbox = tmp_path / "manual"
    inbox.mkdir()
    (inbox / "001.reply.md").touch()  # an empty file, as `touch` leaves it: not a reply yet
    llm = ManualLLM(inbox, poll_s=0.05, wait_s=30)

    def answer():
        time.sleep(0.5)
        (inbox / "001.reply.md").write_text("the reply")

    threading.Thread(target=answer, daemon=True).start()
    t0 = time.monotonic()
    [c] = llm.complete([{"role": "user", "content": "p"}], n=1)
    assert c.text == "the reply" and time.monotonic() - t0 >= 0.5


def test_manual_skip_continues_the_numbering():
    llm = ManualLLM(Path("/nonexistent"), poll_s=0.01, wait_s=0)
    llm.skip(3)
    assert llm.count == 3


# ------------------------------------------------------------ resume and setup


def test_resume_refuses_to_change_what_the_run_is(tmp_path):
    runs = tmp_path / "runs"
    store = RunStore.create(runs, RunSettings(llm="manual"), "conv2d_scale_min")
    store.unlock()  # as agent.run does when it ends: the resume below is another process
    before = (store.path / "config.json").read_text()
    p = run_cli("-m", "agent.run", "--resume", store.name, "--runs-dir", str(runs), "--stage", "tiling")
    assert p.returncode == 2 and "--stage tiling (the run has fusion)" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and (store.path / "config.json").read_text() == before


def test_runs_dir_that_is_a_file_is_one_line_of_bad_input(tmp_path):
    # it was a NotADirectoryError traceback (agent.run exited 1, agent.suite too)
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    replies = str(ROOT / "studies" / "conv2d_scale_min" / "replies_direct_rs")
    for verb in ("agent.run", "agent.suite"):
        extra = ["conv2d_scale_min"] if verb == "agent.suite" else []
        p = run_cli("-m", verb, *extra, "--llm", f"replay:{replies}", "--runs-dir", str(afile), "--iterations", "1")
        assert p.returncode == 2 and "Not a directory" in p.stderr and "Traceback" not in p.stderr, (verb, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_a_setup_failure_leaves_no_run_folder(problem, tmp_path):
    runs = tmp_path / "runs"
    p = agent_run(problem, runs, "--llm", "manual", "--gpu", "abacus")
    assert p.returncode == 2 and "unknown GPU 'abacus'" in p.stderr and "h100_sxm" in p.stderr
    assert not runs.exists() or not any(runs.iterdir())


# ------------------------------------------------------------ ranking without a GPU


def test_untimed_attempts_are_not_ranked_but_a_gpu_time_wins():
    seed = Record(id="000-seed", stage="seed", status="correct", interpreter_ms=400.0)
    quick = Record(id="0001-1", stage="fusion", status="correct", interpreter_ms=40.0)
    timed = Record(id="0002-1", stage="fusion", status="correct", geomean_ms=5.0)
    faster = Record(id="0003-1", stage="fusion", status="correct", geomean_ms=4.0)
    assert not is_better(quick, seed)  # interpreter time is no speed signal
    assert best_of([seed, quick]).id == "000-seed"
    assert is_better(timed, seed) and not is_better(seed, timed) and is_better(faster, timed)
    assert best_of([seed, quick, timed, faster]).id == "0003-1"


def test_a_flagged_attempt_is_kept_but_never_the_best():
    timed = Record(id="0001-1", stage="fusion", status="correct", geomean_ms=2.0)
    flagged = Record(
        id="0002-1", stage="fusion", status="correct", geomean_ms=0.9,
        suspicious=["full[0]: timed at 0.9 ms in the candidate's process, but Nsight Compute measured 2 ms"],
    )  # fmt: skip
    assert not is_better(flagged, timed) and not is_better(flagged, None)
    assert best_of([timed, flagged]).id == "0001-1"
    assert Record.model_validate_json(flagged.model_dump_json()).suspicious == flagged.suspicious  # history keeps it


def test_a_history_line_written_before_the_rename_still_ranks():
    # history.jsonl lines before 2026-11-26 name the geometric mean `median_ms`; new lines `geomean_ms`.
    old = Record.model_validate_json('{"id": "0001-1", "stage": "fusion", "status": "correct", "median_ms": 3.0}')
    new = Record(id="0002-1", stage="fusion", status="correct", geomean_ms=2.0)
    assert old.geomean_ms == 3.0 and is_better(new, old)
    assert '"geomean_ms":2.0' in new.model_dump_json() and "median_ms" not in new.model_dump_json()


# ------------------------------------------------------------ 80 columns


def render(renderable, width: int = 80) -> list[str]:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(renderable)
    return buf.getvalue().splitlines()


def test_attempts_table_fits_80_columns_and_keeps_the_message():
    long = "Compile error in the first call: triton.compiler.errors.CompilationError: at 12:4 " * 4
    recs = [
        Record(
            id="000-seed",
            stage="seed",
            status="correct",
            geomean_ms=198.213,
            speedup_vs_eager=0.04,
            speedup_vs_compile=0.02,
        ),
        Record(
            id="0001-1r1",
            stage="repair",
            parent="000-seed",
            status="compile_error",
            message=long,
            prompt_tokens=4000,
            completion_tokens=2000,
        ),
        Record(
            id="0002-1",
            stage="memory",
            parent="000-seed",
            status="correct",
            geomean_ms=2.608,
            speedup_vs_eager=3.06,
            speedup_vs_compile=1.23,
            duplicate_of="0001-1",
        ),
    ]
    lines = render(attempts_table(recs, recs[2]))
    assert max(map(len, lines)) <= 80
    text = "\n".join(lines)
    for word in (
        "000-seed",
        "0001-1r1",
        "compile_error",
        "198.213",
        "2.608",
        "1.23x",
        "6000",
        "0002-1*",
        "Compile error in the first call",
        "same code as 0001-1",
    ):
        assert word in text, word
    assert "…" not in text  # nothing cut to an ellipsis mid-column
    blank = {"geomean_ms": None, "speedup_vs_eager": None, "speedup_vs_compile": None}
    cpu = [r.model_copy(update=blank) for r in recs]
    text = "\n".join(render(attempts_table(cpu, cpu[0])))
    assert "timing unavailable" in text and "xcomp" not in text


def test_runs_list_and_show_fit_80_columns_piped():
    runs = ROOT / "studies" / "conv2d_scale_min" / "runs"  # the kept GPU runs
    tma = "20261124-110018-all-conv2d_scale_min"
    env_cols = {"COLUMNS": "80"}
    for args in (["list"], ["show", tma], ["show", tma, "0003-1"]):
        p = subprocess.run(
            [sys.executable, "-m", "agent.runs", "--runs-dir", str(runs), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT), **env_cols),
        )
        assert p.returncode == 0, p.stderr
        long = [line for line in p.stdout.splitlines() if len(line) > 80]
        assert all("/" in line for line in long), (args, long)  # only lines with a whole path pass 80 columns
        assert "…" not in p.stdout
    assert tma in p.stdout and "NVIDIA H100" in p.stdout and "2.608 ms" in p.stdout
    folder = runs / tma / "attempts" / "0003-1"  # paths whole, never folded mid-word (a user copies them)
    assert f"{folder}/code.py" in p.stdout and f"{folder}/prompt.md" in p.stdout
    assert "TensorDescriptor" in p.stdout  # the code itself


def test_runs_show_of_a_torn_result_json_says_so(tmp_path):
    tma = "20261124-110018-all-conv2d_scale_min"
    run = tmp_path / tma
    shutil.copytree(ROOT / "studies" / "conv2d_scale_min" / "runs" / tma, run)
    (run / "attempts" / "0003-1" / "result.json").write_text("{bad")
    p = run_cli("-m", "agent.runs", "show", str(run), "0003-1")
    assert p.returncode == 0 and "result.json is not readable" in p.stdout, p.stdout + p.stderr
    assert "Traceback" not in p.stderr


# ------------------------------------------------------------ help texts, console script, wheel


def test_help_says_each_default_once_and_describes_positionals():
    run_help = run_cli("-m", "agent.run", "--help").stdout
    flags = run_help.split("\n  --")[1:]
    assert len(flags) > 20 and all(f.count("(default:") <= 1 for f in flags), run_help
    assert any("(default: openai when" in f for f in flags)
    show = run_cli("-m", "agent.runs", "show", "--help").stdout
    assert "a run folder name" in show and "an attempt id" in show
    promote = run_cli("-m", "agent.promote", "--help").stdout
    assert "a run folder name" in promote and "an attempt id" in promote
    bad = run_cli("-m", "agent.runs", "show")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_console_script_dispatches_to_the_modules():
    from agent.cli import main

    assert main(["--help"]) == 0
    assert main(["nonsense"]) == 2
    p = run_cli(
        "-c",
        "import sys; from agent.cli import main; sys.exit(main(['runs', '--runs-dir', "
        f"{str(ROOT / 'studies' / 'conv2d_scale_min' / 'runs')!r}, 'list']))",
    )
    assert p.returncode == 0 and "20261124-110018-all-conv2d_scale_min" in p.stdout, p.stderr


@pytest.mark.slow  # builds a wheel (pip, setuptools): a minute or more
def test_wheel_carries_templates_cards_and_the_seed_problem(tmp_path):
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    if p.returncode != 0 and "No module named" in p.stderr:
        pytest.skip(f"cannot build a wheel here: {p.stderr.strip().splitlines()[-1]}")
    assert p.returncode == 0, p.stderr
    [wheel] = tmp_path.glob("kernel_loop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = "kernel_loop_data/"
    for stage in ("base", "fusion", "tiling", "memory", "tuning", "repair", "hopper"):
        assert f"{data}prompts/{stage}.j2" in names
    assert f"{data}prompts/hopper_gemm_example.py" in names  # included by hopper.j2
    assert f"{data}prompts/stages.json" in names and f"{data}prompts/gpus/h100_sxm.json" in names
    for f in ("reference.py", "seed.py", "best.py", "best.json"):
        assert f"{data}kernels/conv2d_scale_min/{f}" in names
    assert not any(n.startswith("studies/") or "/runs/" in n for n in names)  # kept runs stay in the checkout
    assert "agent/llm/openai_chat.py" in names  # a subpackage ships only when pyproject lists it
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kernel-loop = agent.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_prompt_repair_without_failure_names_the_flag():
    p = run_cli("-m", "agent.prompt", "--stage", "repair", "--problem", "conv2d_scale_min")
    assert p.returncode == 2 and "--stage repair needs --failure FILE.json" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_runs_show_names_the_provider_that_ran():
    assert RunSettings(llm=None, model="gpt-4o").llm_label == "openai (gpt-4o)"  # older runs: openai was picked
    assert RunSettings(llm="replay:r/", model="gpt-4o").llm_label == "replay:r/"  # no model it never used


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_live_line_says_what_is_happening_and_never_ranks_cpu_times(problem, tmp_path):
    from agent.llm.replay import ReplayLLM
    from agent.loop import Loop
    from agent.run import RunStatus

    settings = RunSettings(
        problem=str(problem), llm=f"replay:{FIXTURES / 'replies'}", iterations=1, repairs=0, ncu=False, workers=1
    )
    store = RunStore.create(tmp_path / "runs", settings, "conv_min")
    display = RunStatus(Console(file=io.StringIO(), width=80), store.name)
    events = []

    def on_event(message, rec):
        display.event(message, rec)
        events.append((message, display.render().plain))

    Loop(settings, store, ReplayLLM(FIXTURES / "replies"), on_event=on_event).run()
    messages = [m for m, _ in events]
    asked = messages.index("asking replay:" + str(FIXTURES / "replies") + " for 1 reply")
    assert messages[asked + 1] == "evaluating 0001-1"  # not still "asking" while the candidate runs
    last = events[-1][1]
    assert "parent 000-seed (correct; untimed on the CPU interpreter)" in last and "ms" not in last.split("\n")[1]


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_a_live_run_reads_no_attempt_back_from_its_files(problem, tmp_path, monkeypatch):
    """The candidate travels as data: what this process evaluated (the seed, a failed sample, its repair)
    reaches the next prompt from memory; code.py and result.json are written once, read only on resume."""
    from agent.llm.replay import ReplayLLM
    from agent.loop import Loop

    replies = tmp_path / "replies"
    replies.mkdir()
    shutil.copy(FIXTURES / "replies" / "02_compile_error.md", replies / "01.md")  # 0001-1 fails ...
    shutil.copy(FIXTURES / "replies" / "01_fused_correct.md", replies / "02.md")  # ... and its repair works
    settings = RunSettings(problem=str(problem), llm=f"replay:{replies}", iterations=1, repairs=1, ncu=False, workers=1)
    store = RunStore.create(tmp_path / "runs", settings, "conv_min")
    reads = []
    real_read, real_result = RunStore.read, RunStore.result
    monkeypatch.setattr(RunStore, "read", lambda self, i, name: reads.append((i, name)) or real_read(self, i, name))
    monkeypatch.setattr(RunStore, "result", lambda self, i: reads.append((i, "result.json")) or real_result(self, i))
    Loop(settings, store, ReplayLLM(replies)).run()
    assert store.read("0001-1r1", "prompt.md") is not None  # the repair happened, quoting 0001-1
    assert "ImportError" in real_read(store, "0001-1r1", "prompt.md")
    assert [r for r in reads if r[1] in ("code.py", "result.json")] == []
    assert real_read(store, "0001-1", "code.py") and (store.attempt_dir("0001-1") / "result.json").is_file()
