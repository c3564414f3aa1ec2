"""Too-good-to-be-true flags: the problem's FLOP/byte floors on the GPU's peak, and > 10x torch.compile."""

from __future__ import annotations

import pytest

from evaluator.parent.roofline import DEFAULT, floors, peaks, too_good
from evaluator.shared.loader import load_problem
from evaluator.shared.result import CaseTiming, DeviceInfo, EvalResult, Status, Timing

PROBLEM = load_problem("conv2d_scale_min")
CASES = {c.label: c for c in PROBLEM.cases("all")}
H100 = "NVIDIA H100 80GB HBM3"


def _result(device: str, precision: str, *rows: tuple[str, float, float | None]) -> EvalResult:
    def t(ms):
        return Timing(median_ms=ms, iqr_ms=0.0, min_ms=ms, max_ms=ms, reps=10, warmup=1)

    timings = [
        CaseTiming(
            case=case,
            shapes="",
            candidate=t(ms),
            compiled=t(c) if c else None,
            speedup_vs_compile=c / ms if c else None,
        )
        for case, ms, c in rows
    ]
    return EvalResult(
        status=Status.correct,
        gate="done",
        message="",
        problem=PROBLEM.name,
        candidate="x.py",
        code_hash="0",
        precision=precision,
        shape_sets=["full"],
        timings=timings,
        device=DeviceInfo(name=device, cuda=True, torch="2", triton="3"),
    )


def test_floors_of_the_seed_problem_match_the_design_numbers():
    flops, nbytes = floors(PROBLEM, CASES["full[0]"])
    assert flops == pytest.approx(609e9, rel=1e-3)  # design.md: 609 GFLOP
    assert nbytes == pytest.approx(1.09e9, rel=1e-2)  # input 1.07 GB + weights + output, fp32
    assert flops / (peaks(H100).tf32_tflops * 1e12) * 1e3 == pytest.approx(1.23, rel=1e-2)  # ms


def test_faster_than_the_arithmetic_floor_is_flagged():
    flags = too_good(_result(H100, "tf32", ("full[0]", 0.5, 3.18)), PROBLEM, CASES)
    assert any("below the arithmetic floor 1.231 ms" in f and "H100" in f for f in flags), flags


def test_more_than_10x_over_torch_compile_is_flagged():
    flags = too_good(_result(H100, "tf32", ("odd[0]", 0.01, 0.2)), PROBLEM, CASES)
    assert flags == ["odd[0]: 20.0x faster than torch.compile (more than 10x)"]


def test_plausible_results_are_not_flagged():
    assert too_good(_result(H100, "tf32", ("full[0]", 2.0, 3.18), ("odd[0]", 0.05, 0.1)), PROBLEM, CASES) == []


def test_loose_policy_uses_the_bf16_peak():
    # 1.0 ms beats the TF32 floor (1.23 ms) but not the BF16 one (0.62 ms) that `loose` admits.
    assert too_good(_result(H100, "loose", ("full[0]", 1.0, 3.18)), PROBLEM, CASES) == []
    assert too_good(_result(H100, "tf32", ("full[0]", 1.0, 3.18)), PROBLEM, CASES)


def test_peaks_come_from_the_gpu_cards():
    assert peaks("NVIDIA H100 80GB HBM3") == ("H100 SXM", 494.7, 989.4, 3.35)
    assert peaks("NVIDIA H100 PCIe").tb_s == 2.0 and peaks("NVIDIA H100 PCIe").tf32_tflops == 378  # not the SXM's
    assert peaks("NVIDIA H200").tb_s == 4.8 and peaks("NVIDIA L40S").name == "L40S"
    assert peaks("Some Future GPU") is DEFAULT and DEFAULT.tf32_tflops >= 2000
    assert peaks("") is DEFAULT  # a CPU result has no device name


def test_every_shipped_card_has_the_roofline_numbers_the_prompt_shows():
    from agent.prompt import render
    from evaluator import get_policy
    from evaluator.shared.card import BANDWIDTH, TF32, card_keys, load_card

    for key in card_keys():
        card = load_card(key)
        peak = card.peak()
        assert peak is not None and peak.tf32_tflops > 0 and peak.bf16_tflops >= peak.tf32_tflops, key
        text = render("fusion", gpu=card, code="x = 1", ncu=None, precision=get_policy("tf32"))
        assert f"{TF32}: {card.facts[TF32]}" in text and f"{BANDWIDTH}: {card.facts[BANDWIDTH]}" in text


def test_a_card_without_dense_figures_has_no_peak():
    from evaluator.shared.card import GpuCard

    facts = {"Memory Bandwidth": "3350 GB/s", "TF32 Tensor Core TFLOPS": "989 with sparsity"}
    card = GpuCard(key="x", name="x", architecture="Hopper", source="test", facts=facts)
    assert card.peak() is None  # sparse figures are not a dense peak
    facts = {"Memory Bandwidth": "3,350 GB/s", "TF32 Tensor Core TFLOPS": "494.7", "BFLOAT16 Tensor Core TFLOPS": "989"}
    assert GpuCard(key="x", name="x", architecture="Hopper", source="test", facts=facts).peak().tb_s == 3.35
