"""The per-GPU-model winners are the evaluator's (evaluator/shared/best.py, read without importing the agent):
`python -m evaluator best --problem NAME` evaluates the winner for this machine's GPU model (else on a
GPU the most recent), and an evaluation prints that model's best beside the candidate's time. On this
CPU the GPU paths run on best.json fixtures with the local GPU replaced; the CPU path runs for real."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES, ROOT, run_cli

import agent.best
import evaluator
import evaluator.shared.best
from evaluator.__main__ import UsageError, best_line, resolve_best
from evaluator.shared.loader import load_problem
from evaluator.shared.result import CaseTiming, DeviceInfo, EvalResult, Status, Timing

H100, H200 = "NVIDIA H100 80GB HBM3", "NVIDIA H200"
CPU_DEVICE = "cpu (TRITON_INTERPRET=1)"
RUN = "20261124-110018-all-conv2d_scale_min/0003-1"  # the fixture's run/attempt


def test_the_winners_are_the_evaluators_and_the_agent_reuses_them():
    for name in ("BestBook", "Winner", "parse_best", "load_best", "device_key", "pick", "local_gpu", "CPU_KEY"):
        assert getattr(agent.best, name) is getattr(evaluator, name) is getattr(evaluator.shared.best, name), name
    imports = (ROOT / "evaluator" / "shared" / "best.py").read_text()
    assert "import torch" not in imports.split("def local_gpu")[0]  # stdlib + pydantic at import


@pytest.fixture
def h100_folder(tmp_path):
    """A problem folder whose best.json is the single-record file an H100 promoted (code in best.py)."""
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "best.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    shutil.copy(FIXTURES / "best_single_record.json", folder / "best.json")
    return folder


def test_best_is_this_models_winner_else_the_most_recent_and_never_a_gpu_one_on_the_cpu(h100_folder, monkeypatch):
    problem = load_problem(str(h100_folder))
    monkeypatch.setattr(evaluator.shared.best, "local_gpu", lambda: H100)
    path, said = resolve_best(problem, "auto")
    assert path == h100_folder / "best.py" and "this GPU model's winner" in said and RUN in said
    monkeypatch.setattr(evaluator.shared.best, "local_gpu", lambda: H200)
    path, said = resolve_best(problem, "auto")
    assert path == h100_folder / "best.py"
    assert f"the most recent (no winner for {H200} yet; measured on {H100})" in said
    with pytest.raises(UsageError, match="no winner measured on the CPU interpreter.*GPU winners: NVIDIA H100"):
        resolve_best(problem, "cpu")  # --device cpu, or no CUDA
    (h100_folder / "best.json").unlink()
    with pytest.raises(UsageError, match="has no promoted winner"):
        resolve_best(problem, "auto")


def _timed(gpu: str, ms: float, case: str = "full[0]") -> EvalResult:
    t = Timing(median_ms=ms, iqr_ms=0.01, min_ms=ms, max_ms=ms, reps=30, warmup=10)
    return EvalResult(
        status=Status.correct,
        gate="done",
        message="",
        problem="conv_min",
        candidate="c.py",
        code_hash="h",
        precision="tf32",
        shape_sets=["full"],
        timings=[CaseTiming(case=case, shapes="64x64x256x256", candidate=t)],
        device=DeviceInfo(name=gpu, cuda=True, capability="9.0", torch="2.13.0", triton="3.6.0"),
    )


def test_an_evaluation_says_this_models_best_beside_the_candidates_time(h100_folder):
    problem = load_problem(str(h100_folder))
    line = best_line(problem, _timed(H100, 2.5))
    assert line == f"best for {H100}: 2.608 ms ({RUN}); this candidate 2.5 ms (1.04x the best)"
    assert best_line(problem, _timed(H100, 2.5, case="small[0]")) == f"best for {H100}: 2.608 ms ({RUN})"
    assert best_line(problem, _timed(H200, 2.5)) is None  # another model's time is no yardstick here
    (h100_folder / "best.json").write_text("{not json")
    assert best_line(problem, _timed(H100, 2.5)) is None  # the evaluation stands; promote reports the file


def test_evaluator_best_on_the_cpu_runs_the_interpreters_winner(tmp_path):
    folder = tmp_path / "kernels" / "relu"
    (folder / "best").mkdir(parents=True)
    shutil.copy(ROOT / "suites" / "kernelbench8" / "problems" / "19_ReLU.py", folder / "reference.py")
    p = run_cli("-m", "evaluator", "best", "--problem", str(folder), "--trials", "1")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "has no promoted winner" in p.stderr, p.stderr
    shutil.copy(FIXTURES / "kernelbench" / "relu_triton.py", folder / "best" / "cpu.py")
    cpu = {"file": "best/cpu.py", "measure": "cpu-interpreter", "interpreter_ms": 12.5, "device": CPU_DEVICE}
    book = {"format": 2, "latest": "cpu", "models": {"cpu": {**cpu, "run": "r1", "attempt": "0001-1"}}}
    (folder / "best.json").write_text(json.dumps(book))
    p = run_cli("-m", "evaluator", "best", "--problem", str(folder), "--trials", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    out = " ".join(p.stdout.split())
    assert f"best: {folder / 'best' / 'cpu.py'} is the CPU interpreter's winner" in out
    assert f"correct relu <- {folder / 'best' / 'cpu.py'}" in out
    assert f"best for {CPU_DEVICE}: 12.5 ms under the interpreter (never compared) (r1/0001-1)" in out
