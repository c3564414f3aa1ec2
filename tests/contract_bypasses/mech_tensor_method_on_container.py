# Session 29: a method only torch.Tensor has (view, reshape, mul...), called on what the gate typed as a container,
# can only have run on a tensor the gate mistyped (as torch.stack([t]) once was), so it gives a tensor: the
# arithmetic on its result is refused, not taken for list arithmetic.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [x]
        flat = box.view(-1)
        s = flat + flat
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
