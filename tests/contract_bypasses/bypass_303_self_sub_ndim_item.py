import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# Idea (taken as a list item, typed TENSOR, so .ndim is a Python value): self.sub (an nn.Module()) gets .ndim = Parameter(x); self.sub.ndim read as a size


class ModelNew(nn.Module):
    def __init__(self, n, sizes, m):
        super().__init__()
        self.sub = nn.Module()

    def forward(self, x):
        self.sub.ndim = nn.Parameter(x, requires_grad=False)
        for d in [self.sub]:
            v = d.ndim
        out = torch.empty_like(x)
        out.copy_(v * 2.0 + 1.0)  # compute
        s = float(v[0, 0])
        return launch_copy(out)
