import torch
import torch.nn as nn
import triton
import triton.language as tl
from triton.tools.tensor_descriptor import TensorDescriptor


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# Variant of attack_01: a loop over [desc] binds d as a TENSOR (an item of a container), so `d.shape` is typed a
# tensor's torch.Size; it is the descriptor's shape list holding x.


class ModelNew(nn.Module):
    def __init__(self, n, sizes, m):
        super().__init__()

    def forward(self, x):
        desc = TensorDescriptor(x, [4, 4], [4, 1], [4, 4])
        desc.shape[0] = x
        out = torch.empty_like(x)
        for d in [desc]:
            b, e = d.shape
            out.copy_(b * 2.0 + 1.0)  # compute
            s = float(b[0, 0])
        return launch_copy(out)
