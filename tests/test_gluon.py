"""Gluon candidates on a machine without a GPU, and the hopper stage (CPU: static gate, status, prompt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import has_cuda

from agent.archive import is_better
from agent.extract import extract
from agent.gpu import select_card
from agent.history import Record
from agent.prompt import capability_skip, get_stage, render
from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.loader import load_problem
from evaluator.shared.precision import get_policy
from evaluator.shared.result import Status
from evaluator.static import is_triton_jit, static_findings, uses_gluon

ROOT = Path(__file__).resolve().parent.parent
REPLY = (
    ROOT
    / "studies"
    / "conv2d_scale_min"
    / "runs"
    / "20261125-223935-hopper-conv2d_scale_min"
    / "replies"
    / "01_hopper.md"
)


def gluon_code() -> str:
    code, problems = extract(REPLY.read_text(encoding="utf-8"))
    assert code is not None and problems == []
    return code


def test_gluon_jit_counts_as_triton_in_the_static_gate():
    code = gluon_code()
    assert uses_gluon(code)
    assert static_findings(code) == []
    assert is_triton_jit("gluon.jit") and is_triton_jit("triton.jit") and not is_triton_jit("torch.jit.script")


def test_a_gluon_kernel_that_is_never_launched_is_still_refused():
    code = gluon_code().replace("_conv_scale_min_ws_kernel[grid](", "print(grid, ")
    rules = [f.rule for f in static_findings(code)]
    assert "kernel_not_launched" in rules


@pytest.mark.skipif(has_cuda(), reason="the needs_gpu status is for machines without CUDA")
def test_gluon_candidate_without_gpu_is_needs_gpu_and_never_correct(tmp_path):
    path = tmp_path / "cand.py"
    path.write_text(gluon_code(), encoding="utf-8")
    r = evaluate(path, load_problem("conv2d_scale_min"), EvalConfig(shapes="small"))
    assert r.status is Status.needs_gpu and r.gate == "device"
    assert "GPU" in r.message
    assert Status.needs_gpu < Status.incorrect < Status.correct
    rec = Record(id="0001-1", stage="hopper", status=r.status.value)
    assert not is_better(rec, None)


def test_hopper_stage_is_offered_from_capability_9_and_skipped_below():
    stage = get_stage("hopper")
    skip, why = capability_skip(stage, select_card("h100_sxm")[0])
    assert not skip and "offered" in why
    skip, why = capability_skip(stage, select_card("a100_80gb")[0])
    assert skip and ">= 9.0" in why and "has 8.0" in why
    assert capability_skip(get_stage("memory"), select_card("a100_80gb")[0]) == (False, "")


def test_hopper_prompt_teaches_gluon_and_embeds_the_tested_example():
    text = render("hopper", gpu=select_card("h100_sxm")[0], code="pass", ncu=None, precision=get_policy("tf32"))
    example = (ROOT / "prompts" / "hopper_gemm_example.py").read_text(encoding="utf-8")
    assert example.strip() in text
    for fact in (
        "warp_specialize",
        "warpgroup_mma_wait",
        "K-major",
        "mbarrier.expect",
        "NVMMASharedLayout",
        "16-byte aligned",
    ):
        assert fact in text
