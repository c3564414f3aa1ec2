"""Problem loading: our shape sets as data, and any plain KernelBench file."""

from __future__ import annotations

import pytest

from evaluator.shared.loader import load_problem
from evaluator.shared.problem import ProblemError


def test_seed_problem_declares_small_odd_full():
    p = load_problem("conv2d_scale_min")
    assert p.set_names("all") == ["small", "odd", "full"]
    full = p.sets["full"][0]
    assert full.init == [64, 128, 3, 2.0] and full.inputs[0].shape == [64, 64, 256, 256]
    odd = p.sets["odd"][0]
    assert odd.init[1] == 61 and odd.inputs[0].shape[2:] == [37, 45]  # not multiples of block sizes
    assert p.seed_path.is_file()


def test_plain_kernelbench_file_gets_a_full_set_without_allocating(tmp_path):
    f = tmp_path / "gelu.py"
    f.write_text(
        "import torch\n"
        "class Model(torch.nn.Module):\n"
        "    def __init__(self, dim): super().__init__(); self.dim = dim\n"
        "    def forward(self, x, alpha): return torch.nn.functional.gelu(x) * alpha\n"
        "def get_inputs(): return [torch.randn(4096, 4096, 64), 0.5]\n"  # 4 GB if it were allocated
        "def get_init_inputs(): return [64]\n"
    )
    p = load_problem(str(f), derive_small=False)
    assert p.name == "gelu" and list(p.sets) == ["full"]
    case = p.sets["full"][0]
    assert case.init == [64]
    assert case.inputs[0].shape == [4096, 4096, 64] and case.inputs[0].dist == "get_inputs"
    assert case.inputs[1].shape is None and case.inputs[1].value == 0.5


def test_unknown_set_and_problem_are_user_errors():
    p = load_problem("conv2d_scale_min")
    with pytest.raises(ProblemError, match="no shape set 'huge'"):
        p.cases("huge")
    with pytest.raises(ProblemError, match="unknown problem 'nope'.*conv2d_scale_min"):
        load_problem("nope")
