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


# nn.Module.get_buffer (an INIT_MODULE_METHOD) returns the registered tensor, but _call_kind types a method of
# SELF by the module's own returns: UNKNOWN. self.stash is then UNKNOWN, so forward's `self.stash * 2.0` passes.

class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("w", torch.zeros(4, 8))
        self.stash = self.get_buffer("w")

    def forward(self, x):
        self.stash.copy_(x)
        y = self.stash * 2.0 + 1.0  # compute
        s = float(self.stash[0, 0])  # read
        return launch_copy(y)
