"""Correctness calls use weights that are not the module's identity defaults (issue 25, item 1): a kernel
that ignores a parameter whose initial value is an identity (LayerNorm's 1 and 0, a learnable alpha of
ones) is incorrect, while honest kernels stay correct and each case's first call keeps the module's own
initialisation. On the CPU interpreter, tiny shapes; the wrong kernels are tests/fixtures/identity_params/."""

from __future__ import annotations

import random

import pytest
import torch
from conftest import FIXTURES

from evaluator.oracle.blame import blame
from evaluator.parent.calls import plan
from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.draw import draw, perturbed
from evaluator.shared.loader import load_problem
from evaluator.shared.precision import get_policy
from evaluator.shared.problem import build_model, import_file
from evaluator.shared.result import Status
from evaluator.shared.weights import perturb

IDENT = FIXTURES / "identity_params"
LAYERNORM = FIXTURES.parent.parent / "suites" / "kernelbench8" / "problems" / "40_LayerNorm.py"  # KernelBench's own
CPU = EvalConfig(device="cpu", trials=2)
cpu = torch.device("cpu")


@pytest.mark.parametrize(
    "problem, wrong",
    [
        (IDENT / "gelu_alpha" / "reference.py", IDENT / "gelu_alpha" / "ignores_alpha.py"),
        (IDENT / "linear_ln_silu" / "reference.py", IDENT / "linear_ln_silu" / "ignores_affine.py"),
        (LAYERNORM, IDENT / "layernorm40" / "ignores_affine.py"),
    ],
    ids=["gelu_alpha", "linear_ln_silu", "40_LayerNorm"],
)
def test_a_kernel_that_ignores_an_identity_parameter_is_incorrect(problem, wrong):
    r = evaluate(wrong, load_problem(str(problem)), CPU)
    assert r.status is Status.incorrect, r.message
    assert r.message.startswith("Wrong result on"), r.message
    # The first call keeps the module's own weights, where the wrong kernel is right; a later one is not.
    assert r.checks[0].ok and not r.checks[-1].ok, [c.ok for c in r.checks]


@pytest.mark.parametrize("name", ["gelu_alpha", "linear_ln_silu"])
def test_honest_kernels_that_read_the_parameters_stay_correct(name):
    r = evaluate(IDENT / name / "honest.py", load_problem(str(IDENT / name / "reference.py")), CPU)
    assert r.status is Status.correct, r.message


def test_the_plan_keeps_own_weights_on_each_case_first_call_and_perturbs_the_rest():
    problem = load_problem(str(LAYERNORM))
    cases = problem.cases("all")
    calls = plan(cases, trials=3, dynamic=None, rng=random.Random(7))
    firsts = {}
    for c in calls:
        firsts.setdefault(c.case, c)
    assert all(not perturbed(c.seed) for c in firsts.values())
    assert all(perturbed(c.seed) for c in calls if c not in firsts.values())
    module = import_file(problem.path, "ref")
    case = cases[0]
    own, _ = draw(firsts[case.label], case, module, cpu)
    assert torch.equal(own.ln.weight, torch.ones_like(own.ln.weight))
    later = next(c for c in calls if c.case == case.label and c is not firsts[case.label])
    moved, _ = draw(later, case, module, cpu)
    again, _ = draw(later, case, module, cpu)  # what the other process draws from the same spec
    assert (moved.ln.weight - 1).abs().min() >= 0.15 and moved.ln.bias.abs().min() >= 0.05
    assert torch.equal(moved.ln.weight, again.ln.weight) and torch.equal(moved.ln.bias, again.ln.bias)


def test_perturb_moves_parameters_and_running_statistics_but_not_constant_buffers():
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    m.register_buffer("mask", torch.ones(4))  # a constant a kernel may recompute: left alone
    before = {k: v.clone() for k, v in m.state_dict().items()}
    names = perturb(m, 12345)
    after = m.state_dict()
    assert set(names) == {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"}
    for k in names:
        assert (after[k] - before[k]).abs().min() > 0, k
    assert (after["1.running_var"] > 0).all()
    assert torch.equal(after["mask"], before["mask"])
    assert torch.equal(after["1.num_batches_tracked"], before["1.num_batches_tracked"])
    # Ordinary random weights keep their scale (deep stacks do not blow up).
    ratio = after["0.weight"].pow(2).mean().sqrt() / before["0.weight"].pow(2).mean().sqrt()
    assert 0.8 < float(ratio) < 1.3


@pytest.mark.parametrize(
    "name, reset, expected",
    [
        ("gelu_alpha", ["alpha"], "alpha at its initial value"),
        ("linear_ln_silu", ["norm.weight", "norm.bias"], "norm.weight and norm.bias"),
    ],
)
def test_blame_names_the_ignored_parameter(name, reset, expected):
    """The second comparison: the candidate's output matches the reference with the named tensors back
    at their initial values. Simulated here with the reference itself as the 'candidate'."""
    problem = load_problem(str(IDENT / name / "reference.py"))
    module = import_file(problem.path, "ref")
    case = problem.cases("all")[0]
    spec = next(c for c in plan([case], trials=2, dynamic=None, rng=random.Random(1)) if perturbed(c.seed))
    moved, args = draw(spec, case, module, cpu)
    torch.manual_seed(spec.seed)
    own = build_model(module, case, cpu)
    with torch.no_grad():
        for n in reset:
            moved.get_parameter(n).copy_(own.get_parameter(n))
        got = moved(*args)
    policy = get_policy("tf32")
    assert expected in blame(spec, case, module, cpu, got, policy)
    with torch.no_grad():  # an output wrong for another reason: no parameter is blamed
        assert blame(spec, case, module, cpu, got + 1.0, policy) is None
