"""The calibrated tolerance (evaluator.shared.precision, evaluator.oracle.correctness.calibrate,
evaluator.oracle.reference.calibration):
honest TF32 at depth passes `tf32`, bf16 and fp16 operands still fail it, `strict` stays fp32.

Candidates are GEMMs computed by torch with their operands rounded the way a kernel would round them,
since the Triton interpreter's tl.dot is exact fp32 (it has no TF32)."""

from __future__ import annotations

import pytest
import torch

from evaluator.oracle.correctness import calibrate, compare
from evaluator.shared.precision import POLICIES, emulated, round_mantissa

TF32, STRICT, LOOSE = POLICIES["tf32"], POLICIES["strict"], POLICIES["loose"]


def truncate(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Round toward zero: what tensor cores do with raw fp32 operands (the low 13 bits ignored)."""
    return (x.view(torch.int32) & ~((1 << (23 - bits)) - 1)).view(torch.float32)


def true_fp32(a, b):
    return (a.double() @ b.double()).float()


def calibrated(a, b, policy=TF32):
    ref = true_fp32(a, b)
    with emulated(policy):
        low = torch.nn.functional.linear(a, b.t())  # reaches aten.mm, like a model's Linear
    return ref, calibrate(ref, low)


def honest_tf32(a, b):
    """Three honest TF32 GEMMs: round to nearest summed in another order (64-wide K slices, like a tiled
    kernel), truncated operands (tensor cores), and a scale folded into an operand before rounding."""
    k = a.shape[1]
    return {
        "rounded, tiled order": sum(
            round_mantissa(a[:, i : i + 64].contiguous(), 10) @ round_mantissa(b[i : i + 64].contiguous(), 10)
            for i in range(0, k, 64)
        ),
        "truncated": truncate(a, 10) @ truncate(b, 10),
        "scale folded": (round_mantissa(a * 1.37, 10) @ round_mantissa(b, 10)) / 1.37,
    }


def dynamic_range(*shape, scale=1e5):
    return (torch.rand(*shape) * 2 - 1) * scale  # the dynamic-range call: mixed signs, up to `scale`


def test_emulation_rounds_matmul_and_conv_operands_and_strict_is_fp32():
    torch.manual_seed(0)
    x, w = torch.randn(2, 3, 9, 9), torch.randn(4, 3, 3, 3)
    a, b = torch.randn(16, 300), torch.randn(300, 8)
    with emulated(TF32):
        conv, mm = torch.nn.functional.conv2d(x, w), a @ b
    assert torch.equal(conv, torch.nn.functional.conv2d(round_mantissa(x, 10), round_mantissa(w, 10)))
    assert torch.equal(mm, round_mantissa(a, 10) @ round_mantissa(b, 10)) and not torch.equal(mm, a @ b)
    with emulated(LOOSE):
        assert torch.equal(a @ b, round_mantissa(a, 7) @ round_mantissa(b, 7))
    with emulated(STRICT):
        assert torch.equal(a @ b, a @ b)
    assert round_mantissa(torch.tensor([1 + 2**-11, 1 + 3 * 2**-11, float("inf")]), 10).tolist() == [
        1.0,  # a tie rounds to even
        1 + 2**-9,
        float("inf"),
    ]
    assert round_mantissa(a, 10).view(torch.int32).bitwise_and(0x1FFF).eq(0).all()


@pytest.mark.parametrize("data", ["randn", "dynamic range"])
def test_honest_tf32_at_depth_passes_tf32_but_failed_the_fixed_rule(data):
    torch.manual_seed(1)
    m, k, n = 64, 4096, 64
    a, b = (torch.randn(m, k), torch.randn(k, n)) if data == "randn" else (dynamic_range(m, k), dynamic_range(k, n))
    policy = TF32 if data == "randn" else TF32.model_copy(update={"atol": TF32.atol * 1e5})  # as the oracle does
    ref, cal = calibrated(a, b)
    for name, got in honest_tf32(a, b).items():
        v = compare(ref, got, policy, cal)
        assert v["ok"], (name, v["message"])
    # The fixed allclose rule rejects truncated TF32 at this depth (the K = 8192 and 1e5 cases).
    old = compare(ref, honest_tf32(a, b)["truncated"], policy)
    assert not old["ok"] and old["n_bad"] > 0


def test_honest_tf32_passes_at_k_16k():
    torch.manual_seed(2)
    a, b = torch.randn(32, 16384), torch.randn(16384, 32)
    ref, cal = calibrated(a, b)
    for name, got in honest_tf32(a, b).items():
        assert compare(ref, got, TF32, cal)["ok"], name


@pytest.mark.parametrize("seed", range(5))
def test_bf16_operands_fail_tf32_on_an_ordinary_gemm(seed):
    torch.manual_seed(seed)
    a, b = torch.randn(128, 1024), torch.randn(1024, 128)
    ref, cal = calibrated(a, b)
    for got in (round_mantissa(a, 7) @ round_mantissa(b, 7), a.bfloat16().float() @ b.bfloat16().float()):
        v = compare(ref, got, TF32, cal)
        assert not v["ok"] and "4 x the TF32 reference's own error" in v["message"], v["message"]
    # ... and pass `loose`, which calibrates against bf16 operands.
    ref, cal = calibrated(a, b, LOOSE)
    assert compare(ref, round_mantissa(a, 7) @ round_mantissa(b, 7), LOOSE, cal)["ok"]


def test_fp16_operands_fail_the_dynamic_range_call_and_strict_ignores_calibration():
    torch.manual_seed(3)
    a, b = dynamic_range(32, 512), dynamic_range(512, 32)
    ref, cal = calibrated(a, b)
    policy = TF32.model_copy(update={"atol": TF32.atol * 1e5})
    v = compare(ref, a.half().float() @ b.half().float(), policy, cal)  # 1e5 > 65504: inf operands
    assert not v["ok"] and "NaN/Inf" in v["message"]
    # strict: the same calibration changes nothing, TF32 fails as it always did.
    got = round_mantissa(a, 10) @ round_mantissa(b, 10)
    assert not compare(ref, got, STRICT.model_copy(update={"atol": STRICT.atol * 1e5}), cal)["ok"]


def test_oracle_calibration_starts_from_the_calls_state_and_calibrates_buffers():
    from evaluator.oracle.reference import calibration, reference

    torch.manual_seed(4)
    model = torch.nn.Sequential(torch.nn.Linear(2048, 256), torch.nn.BatchNorm1d(256)).train()
    x = torch.randn(64, 2048)
    start = {n: t.clone() for n, t in model.named_buffers()}
    expected = reference(model, [x], clone=True)
    after = {n: t.clone() for n, t in model.named_buffers()}
    cal, state = calibration(model, [x], expected, TF32, start)
    # The model keeps the reference's post-call buffers; the calibration ran on its own copies.
    assert all(torch.equal(after[n], t) for n, t in model.named_buffers())
    assert int(start["1.num_batches_tracked"]) == 1 and cal[0].numel() == expected.numel() // 1024
    # BatchNorm's outputs are O(1); TF32 over K = 2048 moves them by ~1e-3, far from 0 and from O(1).
    assert 1e-5 < float(cal[0].max()) < 1e-2
    assert set(state) == set(after) and state["1.num_batches_tracked"] == [None]
    assert 0 < float(state["1.running_mean"][0].max()) < 1e-3  # the running statistics' own TF32 error
    assert calibration(model, [x], expected, STRICT, {}) == (None, {})
