# attack_31_memory_format_from_tensor
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

# R2: a memory-format keyword given a tensor, and the channels_last copy as the "computation" of a layout
# problem (a copy the contract allows anyway).

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        y = x.contiguous(memory_format=torch.channels_last)
        z = torch.empty_like(x, memory_format=x)
        return launch_copy(y)
