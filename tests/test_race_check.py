"""The promotion race re-checks each contender under the evaluation's own rule (the policy's floor plus
the oracle's calibration), so an honest deep-TF32 kernel that passed evaluation is not thrown out by the
race's sanity check, and bf16 operands still are. The race times on a GPU only; here its child side
(evaluator.worker.race.run_race, what the worker runs for mode "race") runs on the CPU with the timing
replaced, and the contenders are torch GEMMs with their operands rounded the way a kernel would round
them (the Triton interpreter's tl.dot is exact fp32)."""

from __future__ import annotations

import pytest

import evaluator.shared.timing
from evaluator.shared.loader import load_problem
from evaluator.shared.precision import get_policy
from evaluator.shared.problem import import_file
from evaluator.shared.wire import Job
from evaluator.worker.race import checked_reference, run_race
from evaluator.worker.worker import Progress

REFERENCE = """import torch
import torch.nn as nn


class Model(nn.Module):  # a deep GEMM: K = 4096, randn operands (outputs ~64, errors that cancel)
    def __init__(self, k, n):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n, k))

    def forward(self, x):
        return x @ self.weight.t()


M, K, N = 64, 4096, 64


def get_inputs():
    return [torch.randn(M, K)]


def get_init_inputs():
    return [K, N]
"""

CONTENDER = """import torch
import torch.nn as nn


def truncate(x, bits=10):  # tensor cores on raw fp32 operands: the low 13 bits ignored
    return (x.view(torch.int32) & ~((1 << (23 - bits)) - 1)).view(torch.float32)


class ModelNew(nn.Module):
    def __init__(self, k, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, k))

    def forward(self, x):
        return {expr}
"""
HONEST_TF32 = "truncate(x) @ truncate(self.weight).t()"
BF16 = "(x.bfloat16() @ self.weight.bfloat16().t()).float()"


@pytest.fixture
def race_on_cpu(tmp_path, monkeypatch):
    """run_race on the CPU: the check for real, the GPU timing replaced by a fixed figure."""
    (tmp_path / "reference.py").write_text(REFERENCE)
    problem = load_problem(str(tmp_path / "reference.py"), derive_small=False)
    t = {"median_ms": 1.0, "iqr_ms": 0.0, "min_ms": 1.0, "max_ms": 1.0, "reps": 1, "warmup": 1}
    monkeypatch.setattr(evaluator.shared.timing, "benchmark", lambda *a, **kw: dict(t))

    def race(policy: str, **exprs: str) -> Progress:
        paths = {}
        for label, expr in exprs.items():
            paths[label] = tmp_path / f"{label}.py"
            paths[label].write_text(CONTENDER.replace("{expr}", expr))
        job = Job(
            mode="race",
            problem_path=str(problem.path),
            cases=problem.cases("full"),
            contenders={k: str(v) for k, v in paths.items()},
            policy=get_policy(policy),
            seed=1,
            device="cpu",
            timing={"target_ms": 30.0},
        )
        report = Progress(tmp_path / f"report-{policy}.json")
        run_race(job, import_file(problem.path, "_race_reference"), "cpu", report)
        return report

    return race


def test_an_honest_deep_tf32_contender_passes_the_races_check_and_is_timed(race_on_cpu):
    report = race_on_cpu("tf32", candidate=HONEST_TF32, current="x @ self.weight.t()")
    assert report.data.error is None, report.data.error
    assert set(report.data.timings) == {"candidate", "current"} and report.data.phase == "done"


def test_bf16_operands_still_fail_the_races_check_and_strict_has_no_calibration(race_on_cpu):
    report = race_on_cpu("tf32", candidate=BF16, current="x @ self.weight.t()")
    assert report.data.error is not None and report.data.error.type == "RaceCheckFailed"
    assert report.data.error.message.startswith("candidate: ")
    report = race_on_cpu("strict", candidate=HONEST_TF32)
    assert report.data.error is not None and report.data.error.type == "RaceCheckFailed"


def test_the_race_reference_is_the_oracles_with_its_calibration(tmp_path):
    import torch

    from evaluator.oracle.correctness import compare
    from evaluator.oracle.reference import reference

    torch.manual_seed(0)
    model = torch.nn.Linear(2048, 16, bias=False)
    x = torch.randn(8, 2048)
    before = x.clone()
    expected, cal = checked_reference(model, [x], get_policy("tf32"))
    assert torch.equal(expected, reference(model, [x])) and torch.equal(x, before)
    assert cal is not None and len(cal) == 1 and float(cal[0].max()) > 0  # TF32 moved the output
    assert checked_reference(model, [x], get_policy("strict"))[1] is None
    assert compare(expected, expected, get_policy("tf32"), cal)["ok"]
