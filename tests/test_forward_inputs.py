"""The contract types ModelNew.forward's inputs by the problem: a Python value the harness passes (fma3's
`alpha = 0.5`, a `dim=-1` no case fills) is a number the host code may do arithmetic on, while a tensor, or a
list holding tensors, stays one. Before, every forward input was a tensor, so `if dim < 0: dim += x.dim()` on an
honest wrapper of the user's own module was refused as PyTorch compute."""

from __future__ import annotations

import pytest

from evaluator.shared.problem import InputSpec, ShapeCase
from evaluator.static import forward_inputs, init_inputs, static_findings
from tests.conftest import FIXTURES, run_cli

FMA3 = FIXTURES / "problems" / "fma3"

WRAPPER = FMA3.joinpath("honest.py").read_text()


def case(*inputs: InputSpec) -> ShapeCase:
    return ShapeCase(set="small", index=0, init=[], inputs=list(inputs))


T = InputSpec(shape=[4, 4])


def test_inputs_are_typed_position_by_position_over_every_case():
    assert forward_inputs([case(T, InputSpec(value=0.5))]) == (True, False)
    assert forward_inputs([case(T, InputSpec(value=2)), case(T, T)]) == (True, True)  # any case's tensor counts
    assert forward_inputs([case(T), case(T, InputSpec(value=[1, 2]))]) == (True, False)
    # a list of tensors handed over as one input (get_inputs returning [[x, y]]) is not a Python value
    import torch

    assert forward_inputs([case(InputSpec(value=[torch.empty(2, device="meta")]))]) == (True,)


def _forward(body: str, params: str = "a, b, c, alpha") -> str:
    head, _, _ = WRAPPER.partition("class ModelNew")
    return head + (
        "class ModelNew(nn.Module):\n    def __init__(self):\n        super().__init__()\n\n"
        f"    def forward(self, {params}):\n" + "".join(f"        {line}\n" for line in body.splitlines())
    )


FMA3_INPUTS = (True, True, True, False)


def test_arithmetic_on_a_python_input_passes_and_on_a_tensor_input_is_refused():
    scaled = _forward("alpha2 = alpha * 2.0 if alpha > 0 else float(alpha)\nreturn fma3(a, b, c, alpha2 / 2.0)")
    assert static_findings(scaled, inputs=FMA3_INPUTS) == []
    assert {f.rule for f in static_findings(scaled)} == {"torch_compute"}  # no problem given: all tensors
    on_tensor = _forward("s = c * 2.0\nreturn fma3(a, b, s, alpha)")
    assert [f.line for f in static_findings(on_tensor, inputs=FMA3_INPUTS)], "c is a tensor in every case"


def test_a_default_the_harness_never_fills_is_the_default_and_one_it_fills_is_what_it_passes():
    unfilled = _forward("s = 1 if dim < 0 else dim\nreturn fma3(a, b, c, alpha)", "a, b, c, alpha, dim=-1")
    assert static_findings(unfilled, inputs=FMA3_INPUTS) == []
    # declaring `alpha: float = 1.0` where the problem passes a tensor does not make it a number
    lying = _forward("s = alpha * 2.0\nreturn fma3(a, b, c, s)", "a, b, c, alpha: float = 1.0")
    assert static_findings(lying, inputs=(True, True, True, True)), "alpha is a tensor in some case"
    # nor does forward calling itself with a tensor where the harness passes a number
    recursive = _forward(
        "if alpha is None:\n    return self.forward(a, b, c, c)\ns = alpha * 2.0\nreturn fma3(a, b, c, s)"
    )
    assert static_findings(recursive, inputs=FMA3_INPUTS), "forward's own call passes a tensor as alpha"


@pytest.mark.slow
def test_the_evaluator_types_forward_by_the_problem(tmp_path):
    """End to end: fma3 passes alpha = 0.5; host arithmetic on it is a size computation, and the verdict correct."""
    cand = tmp_path / "scaled.py"
    cand.write_text(_forward("half = alpha / 2.0\nreturn fma3(a, b, c, half * 2.0)"))
    p = run_cli("-m", "evaluator", str(cand), "--problem", str(FMA3 / "reference.py"), timeout=300)
    assert p.returncode == 0 and p.stdout.startswith("correct"), p.stdout + p.stderr


def test_constructor_arguments_are_typed_over_every_case():
    """init_inputs: "number" where every case passes a number (or str, bool, None), "numbers" where every case
    passes a list or tuple of them (a list of sizes), "plain" where every case passes a plain value (nested lists,
    dicts), "object" otherwise; a position only some cases fill is judged on those."""
    cases = [
        ShapeCase(set="small", index=0, init=[64, [32, 16], "relu", 0.5, [[1], {"k": 2}]], inputs=[T]),
        ShapeCase(set="full", index=0, init=[128, (64,), None, 1, [3]], inputs=[T]),
    ]
    assert init_inputs(cases) == ("number", "numbers", "number", "number", "plain")
    odd = [ShapeCase(set="small", index=0, init=[64, {"a": object()}], inputs=[T])]
    assert init_inputs(odd) == ("number", "object")
