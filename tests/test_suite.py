"""Suites (agent.suite, agent.scorecard): the scorecard's arithmetic on recorded H100 runs, a 3-problem
suite on the CPU interpreter (solved / never correct / LLM unreachable) end to end with `runs` and
`promote --suite`, a suite killed with SIGKILL and resumed, and bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_server import ChatServer
from conftest import FIXTURES, ROOT
from rich.console import Console

from agent.history import RunStore
from agent.scorecard import ProblemRow, markdown, row_from_run, score, terminal
from agent.suite_store import SuiteStore, expand

SUITE = FIXTURES / "suite"
REPLIES = SUITE / "replies"
H100_RUNS = ROOT / "studies" / "conv2d_scale_min" / "runs"


def reply(problem: str, name: str) -> str:
    return (REPLIES / problem / name).read_text()


def cli(*args: str, columns: int = 80, timeout: float = 600) -> subprocess.CompletedProcess:
    """A command as a user runs it in an 80-column terminal."""
    env = dict(os.environ, COLUMNS=str(columns), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused
    return port


@pytest.fixture
def problems(tmp_path) -> Path:
    """The fixture problems and replies, copied (promote writes best.py into a problem's folder)."""
    for d in ("scale_shift", "clamp", "offline", "replies"):
        shutil.copytree(SUITE / d, tmp_path / d)
    return tmp_path


def width(text: str) -> int:
    """The widest line of the tables; progress lines (`[   12s] relu: ...`, one per attempt when piped) are
    log lines, and commands to paste are printed whole too, so that no path or command is cut."""
    return max(
        len(line) for line in text.splitlines() if not re.match(r"^\[\s*\d+s\] ", line) and "python -m " not in line
    )


# ------------------------------------------------------------ the arithmetic, on recorded GPU runs


def test_scorecard_on_recorded_h100_runs_matches_hand_computed_fast_p_and_geomean():
    # Two real loop runs of conv2d_scale_min on one H100 (kept in studies/), each read as a problem,
    # plus a problem that never got a correct kernel. By hand from their history.jsonl: the best of
    # each run is 0003-1 (lowest median: 2.8313 and 2.6076 ms), at 2.79986x / 3.05930x vs eager and
    # 1.13049x / 1.23079x vs torch.compile.
    runs = sorted(H100_RUNS.iterdir())
    a = row_from_run("conv_a", "kernels/conv2d_scale_min", RunStore(runs[0]))
    b = row_from_run("conv_b", "kernels/conv2d_scale_min", RunStore(runs[1]))
    failed = ProblemRow(problem="never", spec="x.py", status="incorrect", attempts=3, message="wrong")
    assert (a.best, b.best) == ("0003-1", "0003-1")
    assert (a.status, a.correct, a.attempts, a.correct_attempts, a.tokens) == ("correct", True, 4, 4, None)
    assert a.speedup_vs_compile == pytest.approx(1.1304949856987776)
    assert b.speedup_vs_eager == pytest.approx(3.0592985229955274)
    assert a.max_abs_err == pytest.approx(0.0027511119842529297)  # attempts/0003-1/result.json
    assert a.device == "NVIDIA H100 80GB HBM3" and a.llm.startswith("replay:")

    card = score(
        "h100",
        [a, b, failed],
        environment={
            "gpu": "NVIDIA H100 80GB HBM3",
            "driver": "550.54.15",
            "torch": "2.11.0",
            "triton": "3.6.0",
            "precision": "tf32",
            "date": "2026-11-24",
        },
    )
    assert card.timed and (card.total, card.correct) == (3, 2)
    # fast_p counts over all 3 problems; the failed one is never fast.
    assert [(f.p, f.vs_eager, f.vs_compile) for f in card.fast_p] == [(1.0, 2, 2), (1.5, 2, 0), (2.0, 2, 0)]
    # (2.79986 * 3.05930 * 1.0) ** (1/3) and (1.13049 * 1.23079 * 1.0) ** (1/3): the failure counts 1.0x
    assert card.geomean_vs_eager == pytest.approx(2.04606, abs=1e-4)
    assert card.geomean_vs_compile == pytest.approx(1.11640, abs=1e-4)

    console = Console(width=80, record=True, color_system=None)
    console.print(terminal(card))
    text = console.export_text()
    assert width(text) <= 80
    assert "0.67 (2/3)" in text and "0.00 (0/3)" in text  # fast_1.0 and fast_1.5 vs torch.compile
    assert "2.05x vs eager, 1.12x vs torch.compile" in text
    assert "no correct kernel counts as 1.0x" in text
    assert "NVIDIA H100 80GB HBM3, driver 550.54.15" in text and "triton 3.6.0, precision tf32, 2026-11-24" in text
    assert "| conv_a | correct | 4 | 0003-1 | 2.831 | 2.80x | 1.13x |" in markdown(card)

    # The definition is KernelBench's: faster by MORE than p. Exactly 1.0x is not fast_1.0.
    even = ProblemRow(
        problem="even",
        spec="y.py",
        status="correct",
        correct=True,
        geomean_ms=1.0,
        speedup_vs_eager=1.5,
        speedup_vs_compile=1.0,
    )
    card = score("edge", [even])
    assert [(f.vs_eager, f.vs_compile) for f in card.fast_p] == [(1, 0), (0, 0), (0, 0)]
    # On a GPU, a suite where nothing is correct still scores: zeros, and 1.0x for each failure.
    card = score("zero", [failed], environment={"gpu": "NVIDIA H100 80GB HBM3"})
    assert card.timed and [(f.vs_eager, f.vs_compile) for f in card.fast_p] == [(0, 0)] * 3
    assert (card.geomean_vs_eager, card.geomean_vs_compile) == (1.0, 1.0)
    assert not score("cpu", [failed]).timed  # no GPU anywhere: timing unavailable, no fast_p


def test_suite_jsonl_survives_a_torn_last_line(tmp_path):
    store = SuiteStore(tmp_path)
    (tmp_path / "suite.jsonl").write_text(
        ProblemRow(problem="a", spec="a", status="correct").model_dump_json() + "\n" + '{"problem": "b", "spe'
    )  # killed mid-write
    assert list(store.rows()) == ["a"]
    store.append(ProblemRow(problem="b", spec="b", status="incorrect"))
    assert [r.status for r in store.rows().values()] == ["correct", "incorrect"]


def test_problems_from_a_folder_a_list_and_names():
    found = expand(str(SUITE))  # a folder of problem folders (replies/ holds no reference.py: skipped)
    assert [Path(e.problem).parent.name for e in found] == ["clamp", "offline", "scale_shift"]
    listed = expand(str(SUITE / "problems.txt"))
    assert [
        (Path(e.problem).parent.name, e.flags[:2], e.where.endswith(f"line {n}")) for n, e in enumerate(listed, 2)
    ] == [("scale_shift", ["--llm", "openai"], True), ("clamp", [], True), ("offline", ["--llm", "openai"], True)]
    assert expand("conv2d_scale_min")[0].problem == "conv2d_scale_min"  # a name under kernels/


# ------------------------------------------------------------ a suite on the CPU, end to end


def test_suite_of_three_problems_solved_never_correct_and_llm_down(problems):
    runs = problems / "runs"
    port = closed_port()
    script = [("ok", reply("scale_shift", "01_correct.md")), ("ok", reply("scale_shift", "02_wrong.md"))]
    with ChatServer(script) as srv:
        server = srv.url.split(":")[-1].split("/")[0]
        listing = problems / "problems.txt"
        listing.write_text((SUITE / "problems.txt").read_text().format(server=server, closed=port))
        p = cli(
            "-m",
            "agent.suite",
            str(listing),
            "--name",
            "three",
            "--runs-dir",
            str(runs),
            "--no-ncu",
            "--iterations",
            "2",
            "--repairs",
            "0",
            "--llm",
            f"replay:{problems / 'replies'}",
        )
    assert p.returncode == 3, p.stdout + p.stderr  # offline's endpoint is down: resumable (tests/test_suite_exit.py)
    assert len(srv.requests) == 2  # scale_shift's two samples; clamp replays; offline reaches nothing
    assert width(p.stdout) <= 80, p.stdout
    progress = [line for line in p.stdout.splitlines() if re.match(r"^\[\s*\d+s\] ", line)]
    assert "clamp: done: incorrect" in " ".join(progress) and "scale_shift: done: correct" in " ".join(progress)

    folder = runs / "suites" / "three"
    lines = [json.loads(line) for line in (folder / "suite.jsonl").read_text().splitlines()]
    assert sorted(r["problem"] for r in lines) == ["clamp", "offline", "scale_shift"]  # one line each
    rows = {r["problem"]: r for r in lines}
    for name, row in rows.items():  # each links to its run, by a relative path
        link = folder / "runs" / name
        assert row["run"] == f"runs/{name}" and link.is_symlink() and not os.readlink(link).startswith("/")
        assert (link / "history.jsonl").is_file() and link.resolve().parent == runs.resolve()

    # By hand from the recorded runs: scale_shift's 0001-1 (the correct reply) is its best; the seed
    # and 0002-1 are wrong; tokens are the server's counts for both requests.
    solved = RunStore((folder / "runs" / "scale_shift").resolve())
    recs = {r.id: r for r in solved.records()}
    assert [(i, r.status) for i, r in recs.items()] == [
        ("000-seed", "incorrect"),
        ("0001-1", "correct"),
        ("0002-1", "incorrect"),
    ]
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in recs.values() if r.prompt_tokens)
    # the server counts words: the prompts it was sent plus the two replies it gave
    assert tokens == sum(len(m["content"].split()) for q in srv.requests for m in q["messages"]) + sum(
        len(reply("scale_shift", f).split()) for f in ("01_correct.md", "02_wrong.md")
    )
    s = rows["scale_shift"]
    assert (s["status"], s["correct"], s["best"], s["attempts"], s["tokens"]) == ("correct", True, "0001-1", 2, tokens)
    assert s["max_abs_err"] == solved.result("0001-1").max_abs_err
    assert s["geomean_ms"] is None and s["interpreter_ms"] is not None  # CPU: no GPU timing
    c = rows["clamp"]
    assert (c["status"], c["correct"], c["best"], c["attempts"]) == ("incorrect", False, None, 2)
    assert "Wrong result" in c["message"]
    o = rows["offline"]
    assert (o["status"], o["correct"], o["best"]) == ("llm failed", False, None)
    assert "Connection" in o["message"] or "connect" in o["message"].lower()

    card = json.loads((folder / "suite.json").read_text())
    assert (card["total"], card["correct"], card["timed"], card["fast_p"]) == (3, 1, False, [])
    assert card["correct_rate"] == pytest.approx(1 / 3) and card["geomean_vs_compile"] is None
    assert "correct 1/3 (33%)" in p.stdout and "timing unavailable" in p.stdout
    assert re.search(r"scale_shift\s+correct\s+2\s+0\.0e\+00|scale_shift\s+correct\s+2\s+\d\.\de-\d\d", p.stdout)
    assert re.search(r"offline\s+llm failed\s+0", p.stdout)  # a dead endpoint records no attempt (issue 16)
    md = (folder / "suite.md").read_text()
    assert "| clamp | incorrect | 2 | - |" in md and "timing unavailable" in md
    page = (folder / "suite.html").read_text()
    assert "timing unavailable" in page and "<td>scale_shift</td>" in page

    lst = cli("-m", "agent.runs", "--runs-dir", str(runs), "list")
    assert lst.returncode == 0 and "three" in lst.stdout and "scale_shift" in lst.stdout
    show = cli("-m", "agent.runs", "--runs-dir", str(runs), "show", "three")
    assert show.returncode == 0 and "correct 1/3 (33%)" in show.stdout and width(show.stdout) <= 80

    promo = cli("-m", "agent.promote", "--suite", "three", "--runs-dir", str(runs), "--shapes", "small")
    assert promo.returncode == 0, promo.stdout + promo.stderr
    assert (problems / "scale_shift" / "best.py").read_text() == solved.read("0001-1", "code.py")
    assert json.loads((problems / "scale_shift" / "best.json").read_text())["attempt"] == "0001-1"
    assert not (problems / "clamp" / "best.py").exists() and not (problems / "offline" / "best.py").exists()
    assert re.search(r"clamp\s.*skipped: no correct kernel", promo.stdout)


# ------------------------------------------------------------ SIGKILL, then --resume


def suite_cmd(problems: Path, runs: Path, url: str) -> list[str]:
    return [
        "-m",
        "agent.suite",
        str(problems / "scale_shift"),
        str(problems / "clamp"),
        "--name",
        "k",
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--iterations",
        "2",
        "--repairs",
        "0",
        "--jobs",
        "1",
        "--llm",
        "openai",
        "--base-url",
        url,
        "--model",
        "local-model",
    ]


def comparable(runs: Path) -> tuple[list[dict], str]:
    """The rows and the printed table, less wall times (interpreter time is noise, not a result), less
    the numbers in a failure's message (each evaluation draws fresh inputs) and less token counts: a
    prompt quotes the previous attempt's failure message, whose length follows those fresh inputs (how
    many mismatches there are to list), so two suites asked the same way count different tokens."""
    rows = [
        r.model_dump(exclude={"time", "seconds", "interpreter_ms", "tokens", "prompt_tokens", "completion_tokens"})
        | {"message": r.message.split(":")[0]}
        for r in SuiteStore(runs / "suites" / "k").rows().values()
    ]
    show = cli("-m", "agent.runs", "--runs-dir", str(runs), "show", "k")
    assert show.returncode == 0, show.stderr
    table = re.sub(r"\d{4}-\d\d-\d\d", "DATE", show.stdout)
    table = re.sub(r"(?m)^(\s*(?:scale_shift|clamp|offline)\b.*?)\d+\s*$", r"\1TOKENS", table)  # last column
    table = re.sub(r"(?m)^\s*tokens [\d,]+.*$", "TOKENS", table)  # the suite's total, below the table
    return rows, re.sub(r"[ ─]+", " ", table)  # column widths follow the token counts' digits


def test_killed_suite_resumes_without_asking_the_llm_again(problems):
    answers = [
        reply("scale_shift", "01_correct.md"),
        reply("scale_shift", "02_wrong.md"),
        reply("clamp", "01_only_hi.md"),
        reply("clamp", "02_swapped.md"),
    ]
    # The same suite, uninterrupted: the table to reproduce.
    with ChatServer([("ok", a) for a in answers]) as srv:
        p = cli(*suite_cmd(problems, problems / "whole", srv.url))
        assert p.returncode == 0, p.stdout + p.stderr
        assert len(srv.requests) == 4
    expected = comparable(problems / "whole")

    runs = problems / "runs"
    # Problems run one at a time (--jobs 1), so requests come in order; the 4th (clamp's second sample)
    # hangs, and the suite is killed while it waits: scale_shift is finished, clamp is half done.
    with ChatServer([("ok", a) for a in answers[:3]] + [("sleep", 30)]) as srv:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [sys.executable, *suite_cmd(problems, runs, srv.url)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while len(srv.requests) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert len(srv.requests) == 4, "the suite never reached clamp's second request"
        folder = runs / "suites" / "k"
        assert [r.problem for r in SuiteStore(folder).rows().values()] == ["scale_shift"]
        replies_before = {p: p.read_text() for p in runs.glob("*/attempts/*/reply.md")}
        history_before = {p: p.read_text() for p in runs.glob("*/history.jsonl")}
        missing = 4 - len(replies_before)
        assert missing == 1

        # a flag no started run can take (it would change what the run is): bad input, nothing recorded
        config_before, rows_before = (folder / "config.json").read_text(), (folder / "suite.jsonl").read_text()
        p = cli("-m", "agent.suite", "--resume", "k", "--runs-dir", str(runs), "--precision", "strict")
        assert p.returncode == 2 and "cannot change --precision strict" in p.stderr, p.stdout + p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
        assert (folder / "config.json").read_text() == config_before
        assert (folder / "suite.jsonl").read_text() == rows_before

        srv.script = [("ok", answers[3])]
        asked = len(srv.requests)
        p = cli("-m", "agent.suite", "--resume", "k", "--runs-dir", str(runs))
        assert p.returncode == 0, p.stdout + p.stderr
        assert len(srv.requests) - asked == missing  # only what had no saved reply was asked for
    for path, text in replies_before.items():
        assert path.read_text() == text
    for path, text in history_before.items():  # finished attempts untouched, not redone
        assert path.read_text().startswith(text)
    assert len(list(runs.glob("*/config.json"))) == 2  # the half-done run was resumed, not restarted
    rows, table = comparable(runs)
    for got, want in zip(rows, expected[0], strict=True):
        assert {k: v for k, v in got.items() if v != want[k]} == {}
    assert table == expected[1]
    assert len(json.loads((folder / "config.json").read_text())["resumes"]) == 1


# ------------------------------------------------------------ bad input


def test_bad_input_is_one_line_and_writes_nothing(problems, tmp_path):
    runs = tmp_path / "runs"
    cases = [
        (["nonexistent_problem_xyz"], "unknown problem 'nonexistent_problem_xyz'"),
        ([str(tmp_path / "missing.py")], "problem not found"),
        ([str(problems / "clamp"), str(problems / "clamp")], "two problems are named 'clamp'"),
        ([str(problems / "clamp"), "--iterations", "0"], "--iterations: must be at least 1"),
        ([str(problems / "clamp"), "--name", "a/b"], "--name 'a/b'"),
        ([], "no problems given"),
        (["--resume", "nope"], "no suite 'nope'"),
    ]
    listing = tmp_path / "bad.txt"
    listing.write_text(f"{problems / 'clamp'} --iterations 2\n{problems / 'offline'} --workers 2\n")
    cases.append(([str(listing)], "bad.txt line 2: --workers is set for the whole suite"))
    for args, message in cases:
        p = cli("-m", "agent.suite", *args, "--runs-dir", str(runs), "--llm", f"replay:{problems / 'replies'}")
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
        assert not runs.exists(), args


def test_a_gpu_suite_is_not_resumed_on_another_machine(tmp_path):
    """suites/kb12's own results (recorded on one H200): resumed on this machine, whose GPU differs or which
    has none, the suite refuses in one line and records nothing, rather than mixing CPU rows (no timings)
    or another GPU's into the H200's table."""
    from agent.gpu import environment

    if environment().get("gpu") == "NVIDIA H200":
        pytest.skip("this machine is the suite's own GPU model")
    runs = tmp_path / "runs"
    shutil.copytree(ROOT / "suites" / "kb12" / "results" / "runs", runs, symlinks=True)
    config = runs / "suites" / "kb12" / "config.json"
    before = config.read_text()
    started = len(list(runs.glob("*/config.json")))
    p = cli("-m", "agent.suite", "--resume", "kb12", "--runs-dir", str(runs))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "suite 'kb12' was run on NVIDIA H200" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert config.read_text() == before  # no resume recorded
    assert len(list(runs.glob("*/config.json"))) == started  # no run started
