"""The candidate's process keeps no twin of a call's inputs (evaluator.child.candidate.Sealed): a kernel that scans
the memory around its inputs finds nothing that tells a checked call from a timed one, and nothing it can write to
hide a change to its inputs (tests/runtime_attacks/, session 30's red team). CPU interpreter, the fma3 fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import FIXTURES

from evaluator.child.candidate import Sealed
from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

ATTACKS = Path(__file__).resolve().parent / "runtime_attacks"


def _bytes(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous().reshape(-1).view(torch.uint8)


def test_the_sealed_copy_is_no_twin_of_its_input():
    x = torch.randn(4096)
    sealed = Sealed([x, 3, None])
    kept = sealed.sealed[0]
    assert kept.numel() == x.numel() * x.element_size() and sealed.sealed[1:] == [None, None]
    # a one-time pad: about one byte in 256 agrees with the input, and no 16 consecutive bytes do
    agree = (kept == _bytes(x)).float().mean().item()
    assert agree < 0.02, agree
    assert not torch.equal(kept[:16], _bytes(x)[:16])
    # a second seal of the same input uses another pad
    assert not torch.equal(Sealed([x]).sealed[0], kept)


def test_a_change_to_an_input_breaks_the_seal():
    a, b = torch.randn(64, 8), torch.randn(8, 64).t()  # b is not contiguous
    sealed = Sealed([a, b])
    assert sealed.first_changed([a, b]) is None
    b[3, 5] += 1.0
    assert sealed.first_changed([a, b]) == 1
    a.resize_(8, 8)
    assert sealed.first_changed([a, b]) == 0


def test_a_change_written_into_the_sealed_copy_too_still_breaks_it():
    """twin_clobber's move: the same garbage written into the input and into what the process keeps."""
    x = torch.randn(256)
    sealed = Sealed([x])
    x[:32] = 7.0
    sealed.sealed[0][: 32 * 4] = _bytes(x)[: 32 * 4]
    assert sealed.first_changed([x]) == 0


@pytest.mark.parametrize(
    "name, message",
    [("twin_detect", "output differs from the reference"), ("twin_clobber", "modified its input")],
)
def test_a_kernel_searching_for_the_inputs_twin_is_judged_on_what_it_computes(name, message):
    problem = load_problem(FIXTURES / "problems" / "fma3" / "reference.py")
    result = evaluate(ATTACKS / f"{name}.py", problem, EvalConfig(device="cpu", trials=1))
    assert result.status is Status.incorrect, (result.status, result.message)
    assert message in result.message, result.message
