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
from evaluator.shared.timing import flip_signs

ATTACKS = Path(__file__).resolve().parent / "runtime_attacks"


def test_the_seal_keeps_no_copy_of_an_input_only_numbers_in_host_memory():
    x = torch.randn(4096)
    sealed = Sealed([x, 3, None])
    assert sealed.digests[1:] == [None, None]
    assert all(type(v) is float for v in sealed.digests[0]), sealed.digests
    assert not any(isinstance(v, torch.Tensor) for v in vars(sealed).values())
    # another seal of the same input weighs it with other weights
    assert Sealed([x]).digests[0] != sealed.digests[0]
    assert sealed.first_changed([x, 3, None]) is None


def test_a_change_to_an_input_breaks_the_seal():
    a, b = torch.randn(64, 8), torch.randn(8, 64).t()  # b is not contiguous
    odd = torch.arange(7, dtype=torch.uint8)  # 7 bytes: digested byte by byte
    sliced = torch.arange(9, dtype=torch.uint8)[1:]  # 8 bytes from an odd offset: no int32 view
    sealed = Sealed([a, b, odd, sliced])
    assert sealed.first_changed([a, b, odd, sliced]) is None
    sliced[0] = 99
    assert sealed.first_changed([a, b, odd, sliced]) == 3
    odd[6] = 200
    assert sealed.first_changed([a, b, odd, sliced]) == 2
    b[3, 5] = torch.nextafter(b[3, 5], torch.tensor(float("inf")))  # one ulp
    assert sealed.first_changed([a, b, odd, sliced]) == 1
    a.resize_(8, 8)
    assert sealed.first_changed([a, b, odd, sliced]) == 0


def test_a_change_that_keeps_every_symmetric_statistic_still_breaks_it():
    """A permutation of the input's words keeps their sum, their squares' sum and their histogram: only a keyed
    weighting, whose weights no kernel knows, sees it (a pad XORed onto a copy was forged by XORing the change
    into the copy too: session 30's red team)."""
    x = torch.randn(1000)
    sealed = Sealed([x])
    x.copy_(x.flip(0))
    assert sealed.first_changed([x]) == 0


def test_timed_calls_change_the_weights_as_checked_calls_do_and_keep_their_magnitudes():
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.LayerNorm(32))
    before = [p.detach().clone() for p in model.parameters()]
    flip_signs(model, 12345)
    after = list(model.parameters())
    for b, a in zip(before, after, strict=True):
        assert torch.equal(a.abs(), b.abs())
    flipped = sum(int((a != b).sum()) for b, a in zip(before, after, strict=True))
    total = sum(b.numel() for b in before)
    assert 0.3 * total < flipped < 0.7 * total, (flipped, total)


@pytest.mark.parametrize(
    "name, message",
    [("twin_detect", "output differs from the reference"), ("twin_clobber", "modified its input")],
)
def test_a_kernel_searching_for_the_inputs_twin_is_judged_on_what_it_computes(name, message):
    problem = load_problem(FIXTURES / "problems" / "fma3" / "reference.py")
    result = evaluate(ATTACKS / f"{name}.py", problem, EvalConfig(device="cpu", trials=1))
    assert result.status is Status.incorrect, (result.status, result.message)
    assert message in result.message, result.message
