"""GPU-only checks (skipped without CUDA): real timings, baselines, and the cache."""

from __future__ import annotations

import pytest
from conftest import SEED, seed_variant

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

pytestmark = pytest.mark.gpu
PROBLEM = load_problem("conv2d_scale_min")


def test_seed_on_odd_shapes_is_timed_against_both_baselines(tmp_path):
    cfg = EvalConfig(shapes="odd", cache_dir=tmp_path, target_ms=20)
    r = evaluate(SEED, PROBLEM, cfg)
    assert r.status is Status.correct, r.message
    assert r.device.cuda and r.timing_unavailable is None
    assert {t.case for t in r.timings} == {"odd[0]", "odd[1]"}
    for t in r.timings:
        assert t.candidate.median_ms > 0 and t.candidate.reps >= 10
        assert t.eager.median_ms > 0 and t.compiled.median_ms > 0
        assert t.speedup_vs_eager == pytest.approx(t.eager.median_ms / t.candidate.median_ms)
        assert not t.baseline_cached
    again = evaluate(SEED, PROBLEM, cfg)
    assert all(t.baseline_cached for t in again.timings)
    assert "baselines" in r.gate_seconds and r.gate_seconds["baselines"] > again.gate_seconds["baselines"]


def test_bf16_operands_rejected_on_gpu(tmp_path):
    path = seed_variant(
        tmp_path,
        "bf16_operands",
        [
            (
                "                acc += x_vals[:, None] * w_vals[None, :]",
                "                acc += (x_vals.to(tl.bfloat16).to(tl.float32)[:, None]"
                " * w_vals.to(tl.bfloat16).to(tl.float32)[None, :])",
            )
        ],
    )
    r = evaluate(path, PROBLEM, EvalConfig(shapes="odd", time=False))
    assert r.status is Status.incorrect, r.message


def test_illegal_memory_access_is_contained(tmp_path):
    bad = seed_variant(
        tmp_path,
        "oob",
        [
            (
                "                x_vals = tl.load(x_ptrs, mask=mask_m, other=0.0)",
                "                x_vals = tl.load(x_ptrs + (1 << 40), mask=mask_m, other=0.0)",
            )
        ],
    )
    r = evaluate(bad, PROBLEM, EvalConfig(shapes="small", time=False))
    assert r.status in (Status.runtime_error, Status.crashed), r.message
    ok = evaluate(SEED, PROBLEM, EvalConfig(shapes="small", time=False))  # the GPU is still usable
    assert ok.status is Status.correct, ok.message


def test_race_times_contenders_side_by_side(tmp_path):
    from evaluator.parent.racing import ROUNDS, race

    fused = tmp_path / "fused.py"
    from conftest import FIXTURES

    from agent.extract import extract

    fused.write_text(extract((FIXTURES / "replies" / "01_fused_correct.md").read_text())[0])
    out = race({"seed": SEED, "fused": fused}, PROBLEM, EvalConfig(target_ms=20), shape_set="odd")
    assert set(out) == {"seed", "fused"} and set(out["seed"]) == {"odd[0]", "odd[1]"}
    for label in out:
        for t in out[label].values():
            assert t["median_ms"] > 0 and t["reps"] >= 10 * ROUNDS and len(t["rounds_ms"]) == ROUNDS
