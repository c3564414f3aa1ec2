"""agent.batch's exit code says the verdicts, as agent.run's and agent.suite's do (it used to be 0 whenever every
kernel was evaluated, incorrect ones included): 4 the evaluator could not judge a kernel through no fault of the
kernel, 1 some problem has no correct kernel, 0 every problem has one. The codes from real results here; the
command line on real kernels in test_everyday_three (1) and below (4, slow)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from agent.batch import card_of, exit_code
from evaluator import load_problem
from evaluator.shared.result import EvalResult, Status

FMA3 = FIXTURES / "problems" / "fma3"
GREATER = FIXTURES / "problems" / "greater"

NONDETERMINISTIC = '''import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return x + torch.rand_like(x)


def get_inputs():
    return [torch.rand(8, 8)]


def get_init_inputs():
    return []
'''


def result(status: Status, reason: str | None = None, message: str = "") -> EvalResult:
    return EvalResult(
        status=status, gate="done" if status is Status.correct else "correctness", reason=reason,
        message=message, problem="p", candidate="c", code_hash="h", precision="tf32", shape_sets=["full"],
    )  # fmt: skip


def code_of(results: dict) -> tuple[int, str | None]:
    problems = {"fma3": load_problem(str(FMA3)), "greater": load_problem(str(GREATER))}
    args = argparse.Namespace(dir=Path("generations"), precision="tf32")
    return exit_code(card_of(args, problems, results), results)


def test_every_problem_correct_is_0_an_unsolved_one_is_1():
    fma3, greater = Path("generations/fma3.py"), Path("generations/greater.py")
    assert code_of({fma3: result(Status.correct), greater: result(Status.correct)}) == (0, None)
    assert code_of({fma3: result(Status.correct), greater: result(Status.incorrect)}) == (1, None)
    assert code_of({fma3: result(Status.correct)}) == (1, None)  # greater has no kernel: a failure
    # another sample of greater that is correct solves it
    both = {fma3: result(Status.correct), greater: result(Status.incorrect)}
    both[Path("generations/greater__b.py")] = result(Status.correct)
    assert code_of(both) == (0, None)


def test_a_kernel_the_evaluator_could_not_judge_is_4_over_an_unsolved_problem():
    results = {
        Path("generations/fma3.py"): result(Status.runtime_error, "harness_failed", "the jail could not\nstart"),
        Path("generations/greater.py"): result(Status.incorrect),
    }
    code, line = code_of(results)
    assert code == 4
    assert line == "the evaluator could not judge fma3.py, through no fault of the kernel: the jail could not start"


@pytest.mark.slow
def test_batch_exits_4_naming_the_kernel_whose_reference_failed(tmp_path):
    problem = tmp_path / "noisy"
    problem.mkdir()
    (problem / "reference.py").write_text(NONDETERMINISTIC)
    gen = tmp_path / "generations"
    gen.mkdir()
    (gen / "fma3.py").write_text((FMA3 / "honest.py").read_text())
    (gen / "noisy.py").write_text((FMA3 / "honest.py").read_text())  # any kernel: its reference cannot be judged
    p = run_cli("-m", "agent.batch", str(gen), "--problems", str(FMA3), str(problem), "--no-time", timeout=600)
    assert p.returncode == 4, p.stdout + p.stderr
    assert p.stderr.startswith("error: the evaluator could not judge noisy.py, through no fault of the kernel: ")
    assert "not deterministic" in p.stderr and p.stderr.count("\n") == 1, p.stderr
