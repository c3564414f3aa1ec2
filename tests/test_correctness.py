"""compare(): tolerances per policy, NaN handling, and the checks that come before any arithmetic."""

from __future__ import annotations

import torch

from evaluator.oracle.correctness import compare
from evaluator.shared.precision import POLICIES

TF32 = POLICIES["tf32"]


def test_within_tolerance_passes_and_reports_errors():
    ref = torch.linspace(-3, 3, 100)
    v = compare(ref, ref + 5e-4, TF32)
    assert v["ok"] and abs(v["max_abs_err"] - 5e-4) < 1e-6


def test_policy_thresholds_are_allclose_semantics():
    ref = torch.full((10,), 2.0)
    off = ref + 2.5e-3  # allowed under tf32: 1e-3 + 1e-3 * 2 = 3e-3
    assert compare(ref, off, TF32)["ok"]
    assert not compare(ref, off, POLICIES["strict"])["ok"]
    assert not compare(ref, ref + 4e-3, TF32)["ok"]
    assert compare(ref, ref + 4e-3, POLICIES["loose"])["ok"]


def test_nan_where_reference_is_finite_always_fails():
    ref = torch.zeros(4, 4)
    out = ref.clone()
    out[1, 2] = float("nan")
    v = compare(ref, out, POLICIES["loose"])
    assert not v["ok"] and v["n_bad"] == 1
    assert v["mismatches"][0]["index"] == [1, 2] and "NaN/Inf" in v["message"]


def test_matching_inf_in_reference_is_accepted():
    ref = torch.tensor([1.0, float("inf"), float("-inf")])
    assert compare(ref, ref.clone(), TF32)["ok"]
    assert not compare(ref, torch.tensor([1.0, 5.0, float("-inf")]), TF32)["ok"]


def test_type_shape_dtype_checked_first():
    ref = torch.zeros(2, 3)

    class Lazy(torch.Tensor):
        pass

    assert "not a plain torch.Tensor" in compare(ref, ref.clone().as_subclass(Lazy), TF32)["message"]
    assert "shape (3, 2)" in compare(ref, torch.zeros(3, 2), TF32)["message"]
    assert "dtype torch.float64" in compare(ref, ref.double(), TF32)["message"]
    assert "returned 2 value(s)" in compare(ref, (ref, ref), TF32)["message"]


def test_result_with_inf_and_nan_survives_a_json_round_trip():
    from evaluator.shared.result import Check, EvalResult, Mismatch, Status

    check = Check(
        case="odd[0]",
        shapes="3x5x37x45",
        trial=1,
        ok=False,
        max_abs_err=float("inf"),
        max_rel_err=float("nan"),
        mismatches=[Mismatch(index=[0, 0], expected=1.0, got=float("-inf"))],
    )
    r = EvalResult(
        status=Status.incorrect,
        gate="correctness",
        message="m",
        problem="p",
        candidate="c",
        code_hash="h",
        precision="tf32",
        shape_sets=["odd"],
        checks=[check],
        max_abs_err=float("inf"),
    )
    back = EvalResult.model_validate_json(r.model_dump_json())
    assert back.checks[0].mismatches[0].got == float("-inf") and back.max_abs_err == float("inf")
    assert back.checks[0].max_rel_err != back.checks[0].max_rel_err  # NaN stays NaN


def test_scalar_int_bool_and_tuple_outputs():
    from evaluator.oracle.correctness import digest

    loss = torch.tensor(1.25)
    assert compare(loss, torch.tensor(1.2505), TF32)["ok"]
    assert not compare(loss, torch.tensor(1.3), TF32)["ok"]
    assert "0-dim" in compare(loss, torch.tensor([1.25]), TF32)["message"]
    assert digest(loss) != digest(torch.tensor(1.5)) and digest((loss, torch.tensor(3))) != digest(loss)
    idx = torch.tensor([3, 1, 4])
    v = compare(idx, torch.tensor([3, 2, 4]), POLICIES["loose"])  # an index off by one is wrong, whatever the policy
    assert not v["ok"] and "must be equal exactly" in v["message"]
    mask = torch.tensor([True, False])
    assert compare(mask, mask.clone(), TF32)["ok"] and not compare(mask, ~mask, TF32)["ok"]
    values = torch.randn(3)
    assert compare((values, idx), (values.clone(), idx.clone()), TF32)["ok"]
    assert "output #1" in compare((values, idx), (values.clone(), idx + 1), TF32)["message"]


def test_half_precision_tolerance_follows_the_output_dtype():
    from evaluator.oracle.correctness import tolerance

    assert tolerance(TF32, torch.float32) == (1e-3, 1e-3)
    assert tolerance(TF32, torch.float16) == (5e-3, 5e-3) and tolerance(TF32, torch.bfloat16) == (3e-2, 3e-2)
    ref = torch.full((4,), 3.0, dtype=torch.bfloat16)
    one_ulp = ref + 0.015625  # bf16 spacing at 3.0 is 2**-6
    assert compare(ref, one_ulp, TF32)["ok"]
    assert not compare(ref.float(), one_ulp.float(), TF32)["ok"]  # in fp32 the same difference fails
    assert not compare(ref, ref * 1.25, TF32)["ok"]
