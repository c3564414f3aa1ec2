# attack_30_memory_format_type_called
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

# R2: torch.memory_format / torch.layout are now allowed names (bans.ALLOWED_TORCH checks only the head);
# calling the types, or reaching a type method (mro) off them, as host code.

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        chain = torch.layout.mro()
        fmt = torch.memory_format(x)  # a type called with a tensor
        return launch_copy(x)
