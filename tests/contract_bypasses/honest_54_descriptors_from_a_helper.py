# Session 27: a tensor descriptor may be built only for launches; this helper builds two and returns them beside a
# scratch tensor, and the launcher unpacks them into names it only passes to the launch (gluon_conv's shape).
import torch
import torch.nn as nn
import triton
import triton.language as tl
from triton.tools.tensor_descriptor import TensorDescriptor


@triton.jit
def _copy_kernel(x_desc, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tile = x_desc.load([tl.program_id(0) * BLOCK])
    tl.store(y_ptr + offs, tile, mask=offs < n)


def prepare(x, block):
    flat = x.reshape(-1)
    x_desc = TensorDescriptor.from_tensor(flat, [block])
    spare = TensorDescriptor(flat, list(flat.shape), list(flat.stride()), [block])
    return flat, x_desc, spare


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        flat, x_desc, spare = prepare(x.contiguous(), 64)
        out = torch.empty_like(flat)
        _copy_kernel[(triton.cdiv(flat.numel(), 64),)](x_desc, out, flat.numel(), BLOCK=64)
        _copy_kernel[(triton.cdiv(flat.numel(), 64),)](spare, out, flat.numel(), BLOCK=64)
        return out.view_as(x)
