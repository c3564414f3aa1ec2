"""Shape sets derived from real KernelBench files, whatever idiom sizes them (issue 25, item 3), and a
reference that raises reported as such (item 4). The files are verbatim copies in
tests/fixtures/kernelbench_sample/ (its README says which idiom each holds); benchmarks/derive_kernelbench.py
measures all of KernelBench levels 1-3."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from agent.problem import main as problem_main
from evaluator.shared.derive import cannot_derive, derive_sets
from evaluator.shared.loader import load_problem
from evaluator.shared.problem import ProblemError, rebind_source, size_sites

SAMPLE = FIXTURES / "kernelbench_sample"

# file -> a size site the derivation must move (it was invisible before: nothing could be re-bound)
IDIOMS = {
    "1_Square_matrix_multiplication_.py": "N",  # N = 2048 * 2
    "100_HingeLoss.py": "input_shape[0]",  # input_shape = (32768,)
    "50_conv_standard_2D__square_input__square_kernel.py": "get_inputs[1]",  # torch.rand(batch_size, 3, 224, 224)
    "11_ConvTranspose2d_BatchNorm_Tanh_MaxPool_GroupNorm.py": "height",  # height, width = 32, 32
    "32_ConvolutionalVisionTransformer.py": "embed_dim",  # through get_init_inputs; Model.__init__ defaults
}


@pytest.mark.parametrize("name", sorted(IDIOMS))
def test_real_kernelbench_files_get_small_sets_within_the_budget(name):
    d = derive_sets(SAMPLE / name)
    assert d.small is not None, d.tried
    assert IDIOMS[name] in d.small and d.small[IDIOMS[name]] < d.constants[IDIOMS[name]], d.log
    assert "input+output elements" in d.log[0]  # within SMALL_BUDGET: try_case ran it and counted
    if name.startswith("32_"):  # image_size=32 in Model.__init__ serves: get_init_inputs passes 3 of 8 arguments
        assert d.constants["Model.__init__.image_size"] == 32 and "Model.__init__.embed_dim" not in d.constants


def test_size_sites_and_rebinding_cover_every_idiom():
    src = (
        "a = b = 256\nd, h, w = 24, 48, 48\nshape = (32768,)\nN = 2048 * 2\nx = foo(300)\n"
        "def get_inputs():\n    return [torch.rand(N, 224)]\n"
        "class Model:\n    def __init__(self, k=1000, *, m=64):\n        pass\n"
    )
    assert size_sites(src) == {
        "a": 256,
        "b": 256,
        "d": 24,
        "h": 48,
        "w": 48,
        "shape[0]": 32768,
        "N": 4096,
        "get_inputs[0]": 224,
        "Model.__init__.k": 1000,
        "Model.__init__.m": 64,
    }
    values = {"b": 5, "h": 7, "shape[0]": 9, "N": 11, "get_inputs[0]": 13}
    values |= {"Model.__init__.k": 15, "Model.__init__.m": 17}
    assert size_sites(rebind_source(src, values)) == {**size_sites(src), **values}
    with pytest.raises(ProblemError, match="no module-level integer constant named x"):
        rebind_source(src, {"x": 3})


def test_add_writes_sets_that_name_tuple_elements_and_loads_them(tmp_path, capsys):
    kernels = tmp_path / "kernels"
    assert problem_main(["add", str(SAMPLE / "100_HingeLoss.py"), "--kernels-dir", str(kernels)]) == 0
    out = capsys.readouterr().out
    assert "small (cap 32): batch_size=32, input_shape[0]=32" in out
    problem = load_problem(str(kernels / "100_HingeLoss"), derive_small=False)
    assert [i.shape for i in problem.sets["small"][0].inputs] == [[32, 32], [32]]


MISMATCH = """import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x[:, 1:])  # a bug: one feature short of the layer


batch_size = BATCH
in_features = 16
out_features = 8


def get_inputs():
    return [torch.rand(batch_size, in_features)]


def get_init_inputs():
    return [in_features, out_features]
"""


def test_a_reference_that_raises_is_reported_as_such_with_its_exception_and_case(tmp_path):
    small = tmp_path / "mm.py"
    small.write_text(MISMATCH.replace("BATCH", "4"))
    with pytest.raises(ProblemError) as e:  # its own shapes fit the CPU: the reference ran on them and raised
        load_problem(str(small), derive_small=True)
    assert str(e.value).startswith("problem mm: the reference raised on full[0]: RuntimeError: mat1 and mat2"), e.value
    big = tmp_path / "big.py"
    big.write_text(MISMATCH.replace("BATCH", "1 << 24"))
    with pytest.raises(ProblemError) as e:  # too big to run here: every smaller size raised the same way
        load_problem(str(big), derive_small=True)
    assert str(e.value).startswith(
        "problem big: the reference raised on every size tried that fit the budget (first: cap 32, batch_size=32, "
        "in_features=16): RuntimeError: mat1 and mat2"
    ), e.value
    assert "do not fit this CPU-only machine" not in str(e.value)


def test_a_batch_shrinks_alone_when_the_spatial_size_is_fixed():
    # LeNet5: view(-1, 400) fixes the 32x32 input; cap 32 (batch 32) is just over 32k elements
    d = derive_sets(SAMPLE / "4_LeNet5.py")
    assert d.small == {"batch_size": 16, "num_classes": 20, "get_inputs[1]": 32, "get_inputs[2]": 32}, d.tried
    assert d.log[0].startswith("small (shrink alone): batch_size=16"), d.log
    assert any(t.startswith("cap 32 (") and "input+output elements (budget 32768)" in t for t in d.tried)


def test_channel_counts_keep_the_divisibility_the_model_asserts():
    # ShuffleNetUnit: groups=3 divides in_channels and out_channels // 4; caps (32, 16) break it, so the
    # shrink starts from "divide by 8" (30, 60: ratios kept) and halves the spatial sizes alone
    d = derive_sets(SAMPLE / "25_ShuffleNetUnit.py")
    assert d.small is not None, d.tried
    c_in, c_out = d.small["input_channels"], d.small["out_channels"]
    assert c_in % 3 == 0 and (c_out // 4) % 3 == 0 and c_out % 4 == 0 and c_out == 2 * c_in, d.small
    assert "shrink alone" in d.log[0] and d.odd is not None


def test_a_net_whose_input_cannot_shrink_is_refused_over_the_fallback_flops():
    # AlexNet at batch 1 still needs its 224x224 input: 2.3 GFLOP, minutes a call under the interpreter
    d = derive_sets(SAMPLE / "5_AlexNet.py")
    assert d.small is None
    last = d.tried[-1]
    assert last.startswith("shrink alone, fallback budget (batch_size=1,") and "GFLOP (budget 0.25)" in last, last
    assert cannot_derive(d).startswith(last + "; tried constants"), cannot_derive(d)


@pytest.mark.slow
def test_tied_sizes_stay_and_the_rest_shrink_under_the_fallback_budget():
    # SwinMLP: windows of 7 must tile 224 / 4 / 2^3, so image_size stays 224; batch goes to 1 (one image
    # is over 32k elements: the fallback budget) and embed_dim shrinks until the FLOPs fit
    d = derive_sets(SAMPLE / "29_SwinMLP.py")
    assert d.small is not None, d.tried
    assert d.small["image_size"] == d.small["Model.__init__.img_size"] == 224 and d.small["batch_size"] == 1
    assert d.small["Model.__init__.embed_dim"] < 96 and d.small["Model.__init__.embed_dim"] % 3 == 0
    assert d.log[0].startswith("small (shrink alone, fallback budget)") and "GFLOP" in d.log[0], d.log
