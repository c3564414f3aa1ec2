"""What real problems contain, on the CPU interpreter: for every fixture problem under
tests/fixtures/problems/ (KernelBench format), the honest Triton candidate is accepted and the candidate
where PyTorch does the work is rejected, by the static gate and, with the static bans off, by the
runtime audit. Plus the problem-level semantics: training mode as constructed, module buffers checked,
a non-deterministic reference blamed on the problem."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

PROBLEMS = FIXTURES / "problems"
DETERMINISTIC = sorted(p.name for p in PROBLEMS.iterdir() if (p / "reference.py").is_file() and p.name != "dropout")
CPU = EvalConfig(device="cpu", trials=2)


def test_there_are_ten_fixture_problems_with_two_candidates_each():
    names = [p.name for p in PROBLEMS.iterdir() if (p / "reference.py").is_file()]
    assert len(names) >= 10
    for n in names:
        assert (PROBLEMS / n / "honest.py").is_file() and (PROBLEMS / n / "torch_does_it.py").is_file()


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_honest_triton_is_accepted_and_pytorch_doing_the_work_is_rejected(name):
    problem = load_problem(str(PROBLEMS / name))
    honest = evaluate(PROBLEMS / name / "honest.py", problem, CPU)
    assert honest.status is Status.correct, honest.message
    cheat = evaluate(PROBLEMS / name / "torch_does_it.py", problem, CPU)
    assert cheat.status is Status.static_error and cheat.reason in ("torch_compute", "nn_module_call"), cheat.message
    # The same cheat past the static gate: the runtime audit sees PyTorch compute operators.
    audited = evaluate(PROBLEMS / name / "torch_does_it.py", problem, CPU.model_copy(update={"disable": {"bans"}}))
    assert audited.status is Status.incorrect and audited.reason == "torch_compute", audited.message


def test_integer_bool_tuple_and_scalar_outputs_are_what_the_fixtures_exercise():
    import torch

    from evaluator.shared.inputs import make_inputs
    from evaluator.shared.problem import build_model, import_file

    kinds = {}
    for name in ("cross_entropy", "max_dim", "greater", "masked_cumsum", "silu_fp16", "rowsum_bf16"):
        p = load_problem(str(PROBLEMS / name))
        module = import_file(p.path, "ref")
        case = p.cases("all")[0]
        args = make_inputs(case, module, torch.device("cpu"))
        with torch.no_grad():
            out = build_model(module, case, torch.device("cpu"))(*args)
        kinds[name] = (
            [a.dtype for a in args if isinstance(a, torch.Tensor)],
            [o.dtype for o in (out if isinstance(out, tuple) else (out,))],
            out.dim() if isinstance(out, torch.Tensor) else None,
        )
    assert kinds["cross_entropy"][0][1] == torch.int64 and kinds["cross_entropy"][2] == 0  # int in, 0-dim out
    assert kinds["max_dim"][1] == [torch.float32, torch.int64]  # tuple out, int part exact
    assert kinds["greater"][1] == [torch.bool]
    assert kinds["masked_cumsum"][0][1] == torch.bool
    assert kinds["silu_fp16"][1] == [torch.float16] and kinds["rowsum_bf16"][1] == [torch.bfloat16]


def test_training_mode_buffers_must_be_updated_like_the_reference(tmp_path):
    problem = load_problem(str(PROBLEMS / "batchnorm_train"))
    assert problem.mode is None and "training mode" in problem.mode_text
    code = (PROBLEMS / "batchnorm_train" / "honest.py").read_text()
    stale = code.replace(
        "    tl.store(rm_ptr + c,", "    # no running mean update\n    tl.store(rm_ptr + c + 0 * C,", 1
    )
    stale = stale.replace("(1.0 - momentum) * tl.load(rm_ptr + c) + momentum * mean", "tl.load(rm_ptr + c)", 1)
    assert stale != code
    (tmp_path / "stale.py").write_text(stale)
    r = evaluate(tmp_path / "stale.py", problem, CPU)
    assert r.status is Status.incorrect and "buffer 'bn.running_mean'" in r.message, r.message
    assert "training mode" in r.message


def test_eval_mode_can_be_declared(tmp_path):
    folder = tmp_path / "bn_eval"
    shutil.copytree(PROBLEMS / "batchnorm_train", folder)
    (folder / "reference.py").write_text((folder / "reference.py").read_text() + '\nMODE = "eval"\n')
    problem = load_problem(str(folder))
    assert problem.mode == "eval"
    # The training-mode kernel asserts self.training: in eval mode it is not the right kernel.
    r = evaluate(folder / "honest.py", problem, CPU)
    assert r.status is not Status.correct and "training mode" in r.message


def test_nondeterministic_reference_is_a_problem_error_not_the_candidates(tmp_path):
    problem = load_problem(str(PROBLEMS / "dropout"))
    for cand in ("honest.py", "torch_does_it.py"):
        r = evaluate(PROBLEMS / "dropout" / cand, problem, CPU.model_copy(update={"disable": {"bans"}}))
        assert r.status is not Status.correct and r.gate == "reference", r.message
        assert "not the candidate's fault" in r.message and "not deterministic" in r.message
        assert 'MODE = "eval"' in r.message
    folder = tmp_path / "dropout_eval"
    shutil.copytree(PROBLEMS / "dropout", folder)
    (folder / "reference.py").write_text((folder / "reference.py").read_text() + '\nMODE = "eval"\n')
    r = evaluate(folder / "honest.py", load_problem(str(folder)), CPU)
    assert r.status is Status.correct, r.message
