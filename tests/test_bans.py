"""Static bans on snippets: honest host code passes, each banned construct is named with its line."""

from __future__ import annotations

import pytest

from evaluator.static import static_findings

HEAD = """import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import triton
import triton.language as tl
from torch import nn as tnn


@triton.autotune(configs=[triton.Config({"BLOCK": 64}, num_warps=4)], key=["n"])
@triton.jit
def k(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    v = tl.load(x_ptr + offs, mask=offs < n, other=0.0)
    m = tl.max(v, axis=0) + v.sum(axis=0) + tl.sum(v * v, axis=0)
    tl.store(y_ptr + offs, (v @ v) if False else v.to(tl.float32) * m, mask=offs < n)


def launch(x, y):
    k[(triton.cdiv(x.numel(), 64),)](x, y, x.numel())


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
        self.register_buffer("scale", torch.tensor(float(scale_factor)))

    def forward(self, input):
"""

BODY_LINE = HEAD.count("\n") + 1  # the first line of a snippet's body

HONEST_BODIES = [
    "        x = input.contiguous()\n        y = torch.empty_like(x)\n        k[(triton.cdiv(x.numel(), 64),)](x, y, x.numel())\n        return y",  # noqa: E501 - the candidate source, line for line
    "        y = torch.zeros((input.shape[0], 1), device=input.device, dtype=torch.float32)\n"
    "        k[lambda meta: (triton.cdiv(y.numel(), meta['BLOCK']),)](input, y, y.numel())\n        return y",
    "        sn, sc, sh, sw = input.stride()\n        w = self.conv.weight.contiguous()\n"
    "        props = torch.cuda.get_device_properties(0) if torch.cuda.is_available() else None\n"
    "        seen = set()\n        seen.add(1)\n        order = [3, 1]\n        order.sort()\n"
    "        x = F.pad(input, (1, 1)).to(torch.float32).view(-1)\n        y = input.new_empty(x.shape)\n"
    "        k[(1,)](x, y, x.numel())\n        return y.reshape(input.shape[0], -1)[:, :1]",
    "        assert input.dtype in (torch.float32, torch.float16) and input.is_contiguous()\n"
    "        y = torch.full_like(input, float('inf'))\n        k[(1,)](input, y, max(1, min(4, y.numel())))\n"
    "        return y",
]


@pytest.mark.parametrize("body", HONEST_BODIES)
def test_honest_host_code_is_not_flagged(body):
    found = static_findings(HEAD + body + "\n")
    assert found == [], [(f.rule, f.message) for f in found]


@pytest.mark.parametrize(
    "body, rule, words",
    [
        (
            "        return F.conv2d(input, self.conv.weight)",
            "torch_compute",
            [f"Line {BODY_LINE}:", "torch.nn.functional.conv2d"],
        ),
        ("        return torch.nn.functional.conv2d(input, self.weight)", "torch_compute", ["functional.conv2d"]),
        ("        return self.conv(input)", "nn_module_call", ["self.conv(...)"]),
        ("        return self.conv.forward(input)", "nn_module_call", ["self.conv.forward"]),
        ("        return nn.Conv2d(3, 5, 3)(input)", "nn_module_call", ["PyTorch layer"]),
        ("        return input @ self.weight", "torch_compute", ["`@` in host code"]),
        ("        return input.matmul(self.weight)", "torch_compute", ["`.matmul(...)`"]),
        ("        return torch.amin(input, dim=1, keepdim=True)", "torch_compute", ["torch.amin"]),
        ("        f = getattr(torch, 'conv' + '2d')\n        return f(input)", "harness_access", ["getattr"]),
        ("        f = getattr(torch, 'matmul')\n        return f(input)", "torch_compute", ["torch.matmul"]),
        ("        return torch.compile(lambda t: t)(input)", "torch_compute", ["torch.compile"]),
        ("        return torch._C._nn.linear(input, self.weight)", "torch_compute", ["internals"]),
        ("        torch.backends.cudnn.allow_tf32 = True\n        return input", "monkeypatch", ["torch.backends"]),
        ("        torch.save(input, 'x.pt')\n        return input", "file_write", ["torch.save"]),
        ("        input.numpy().tofile('x')\n        return input", "file_write", ["tofile"]),
        ("        return eval('input')", "harness_access", ["`eval`"]),
        ("        return ().__class__.__base__.__subclasses__()", "harness_access", ["__subclasses__"]),
        ("        import builtins\n        return input", "import", ["`import builtins`"]),
        ("        import requests\n        return input", "network", ["network access"]),
        ("        import numpy as np\n        return input", "import", ["another library"]),
        ("        from torch.nn.functional import conv2d\n        return input", "torch_compute", ["conv2d"]),
        ("        s = torch.cuda.Stream()\n        return input", "side_stream", ["torch.cuda.Stream"]),
        ("        g = torch.cuda.CUDAGraph()\n        return input", "side_stream", ["CUDAGraph"]),
        ("        torch.allclose = lambda *a, **k: True\n        return input", "monkeypatch", ["torch.allclose"]),
        ("        del F.conv2d\n        return input", "monkeypatch", ["F.conv2d"]),
    ],
)
def test_banned_construct_is_named(body, rule, words):
    found = static_findings(HEAD + body + "\n")
    assert rule in {f.rule for f in found}, [(f.rule, f.message) for f in found]
    text = " ".join(f.message for f in found)
    for w in words:
        assert w in text, (w, text)


def test_triton_code_is_not_host_code():
    # .sum()/.max() and `@` inside a @triton.jit body are Triton's; the same outside are PyTorch's.
    assert static_findings(HEAD + "        return input.sum(dim=1)\n")[0].rule == "torch_compute"
    assert static_findings(HEAD + "        return input\n") == []


def test_bans_can_be_switched_off_for_runtime_tests():
    code = HEAD + "        import os\n        return F.conv2d(input, self.weight)\n"
    assert static_findings(code, bans=False) == []
    assert {f.rule for f in static_findings(code)} == {"import", "torch_compute"}
