# attack_28_swap_cycle_alias
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

# R3: tuple-assignment pairing (syntax._paired) with a swap in a loop: ln and h trade values, so ln may be the
# Holder. Expected: refused (Holder is a class of this module; a cycle is unknown).

class Holder(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.eps = v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(8)

    def forward(self, x):
        ln, h = self.ln, Holder(x)
        for _ in range(1):
            ln, h = h, ln
        s = ln.eps * 2  # compute
        return launch_copy(x)
