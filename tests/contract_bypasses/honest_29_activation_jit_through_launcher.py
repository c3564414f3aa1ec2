# Session 25: a red team found the first version of a rule below refused this honest pattern; it passes since the fix.
# Honest: a launcher helper that takes the activation as a @triton.jit function and passes it to the kernel as a
# constexpr (a common way to share one fused kernel between activations). operands._name allows a jit function name
# in host code only where _launched_names finds it: as a launch's own argument. `launch(x, out, relu_jit)` names it
# as an argument of the helper, so it is refused, though the helper passes it straight to the launch (passed at
# 6a8f17b).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def relu_jit(v):
    return tl.maximum(v, 0.0)


@triton.jit
def gelu_jit(v):
    return 0.5 * v * (1.0 + tl.erf(v * 0.7071067811865476))


@triton.jit
def act_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr, ACT: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, ACT(tl.load(src_ptr + offs, mask=mask)), mask=mask)


def launch(x, act):
    out = torch.empty_like(x)
    act_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256, ACT=act)
    return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch(launch(x, relu_jit), gelu_jit)
