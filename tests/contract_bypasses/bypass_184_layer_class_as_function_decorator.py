# Sibling of bypass_06 on a module-level function: `@nn.ReLU6` makes clamp_copy an nn.ReLU6(inplace=<function>)
# instance. The gate follows clamp_copy(y) into its def (return v); at run time it runs F.hardtanh(y, 0, 6,
# inplace=True): aten hardtanh_ on a copy of the input. Also @nn.SiLU, @nn.Hardswish, @nn.Mish, @nn.SELU, @nn.ReLU
# (every activation whose first parameter is `inplace`).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

@nn.ReLU6
def clamp_copy(v):
    return v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        y = x.clone()
        clamp_copy(y)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
