"""agent.suite's exit codes and what it says when a problem's run stops before it finishes: the LLM endpoint
unreachable (3), the evaluator unable to judge (4, a nondeterministic reference); the reason on the problem's
line and on stderr with the resume command; a correct starting kernel alone is not a correct problem."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from chat_server import ChatServer
from test_suite import REPLIES, SUITE, cli, closed_port

DROPOUT = '''import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.drop = nn.Dropout(p)

    def forward(self, x):
        return self.drop(x)


def get_inputs():
    return [torch.rand(8, 8)]


def get_init_inputs():
    return [0.5]
'''

COPY = '''import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(out_ptr + offs, tl.load(x_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self, p):
        super().__init__()

    def forward(self, x):
        x = x.contiguous()
        out = torch.empty_like(x)
        _copy[(triton.cdiv(x.numel(), 64),)](x, out, x.numel(), BLOCK=64)
        return out
'''


def correct_kernel() -> str:
    """scale_shift's correct fused kernel (the fixture reply), as a file."""
    text = (REPLIES / "scale_shift" / "01_correct.md").read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


@pytest.fixture
def two(tmp_path) -> Path:
    """`solo`: scale_shift with a correct seed.py; `drop`: a dropout reference (training mode: no candidate
    can match it, the evaluator cannot judge), with a copy kernel as its seed.py."""
    shutil.copytree(SUITE / "scale_shift", tmp_path / "solo")
    (tmp_path / "solo" / "seed.py").write_text(correct_kernel())
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "reference.py").write_text(DROPOUT)
    (tmp_path / "drop" / "seed.py").write_text(COPY)
    return tmp_path


@pytest.mark.slow
def test_a_suite_whose_runs_stop_says_why_and_exits_3_then_4(two):
    runs = two / "runs"
    folder = runs / "suites" / "s"
    common = ["--runs-dir", str(runs), "--no-ncu", "--iterations", "1", "--repairs", "0", "--llm-retries", "0"]
    down = f"http://127.0.0.1:{closed_port()}/v1"
    p = cli(
        "-m",
        "agent.suite",
        str(two / "solo"),
        str(two / "drop"),
        "--name",
        "s",
        *common,
        "--llm",
        "openai",
        "--base-url",
        down,
        "--model",
        "local-model",
    )
    out = p.stdout + p.stderr
    assert p.returncode == 3, out
    # the problem's own line names the reason, in one line
    assert re.search(r"solo: done: llm failed: cannot reach the LLM endpoint .*(refused|connect)", p.stdout), out
    assert re.search(r"drop: done: error: .*not deterministic", p.stdout), out
    # solo's seed is correct, but its loop failed before judging anything new: not a correct problem
    assert "correct 0/2 (0%)" in p.stdout and "promote the winners" not in p.stdout, out
    rows = {r["problem"]: r for r in map(json.loads, (folder / "suite.jsonl").read_text().splitlines())}
    assert (rows["solo"]["status"], rows["solo"]["correct"], rows["solo"]["best"]) == ("llm failed", False, "000-seed")
    assert json.loads((folder / "suite.json").read_text())["correct"] == 0
    # one line on stderr: who stopped, why, and the command that carries on
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in p.stderr, p.stderr
    assert err[0].startswith("error: solo stopped (the LLM endpoint failed): cannot reach the LLM endpoint"), err
    assert "(and 1 other problem stopped: see suite.md)" in err[0]
    assert err[0].endswith(f"resume with:  python -m agent.suite --resume s --runs-dir {runs}"), err

    # The endpoint is back: solo's LLM writes a correct kernel (correct now, as the LLM's work); drop's
    # reference still cannot be judged: exit 4, naming it.
    with ChatServer([("ok", (REPLIES / "scale_shift" / "01_correct.md").read_text())]) as srv:
        p = cli("-m", "agent.suite", "--resume", "s", "--runs-dir", str(runs), "--base-url", srv.url)
    out = p.stdout + p.stderr
    assert p.returncode == 4, out
    assert len(srv.requests) == 1
    rows = {r["problem"]: r for r in map(json.loads, (folder / "suite.jsonl").read_text().splitlines())}
    assert (rows["solo"]["status"], rows["solo"]["correct"], rows["solo"]["best"]) == ("correct", True, "000-seed")
    assert "correct 1/2 (50%)" in p.stdout and "promote the winners" in p.stdout, out
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: drop stopped (the evaluator could not judge"), p.stderr
    assert "not deterministic" in err[0] and "--resume s" in err[0]
