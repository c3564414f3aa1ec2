# attack_18_helper_param_shift_layer_constant
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

# R3: the same unbound shift (attack_17) makes the gate pair run's parameter `ln` with nn.LayerNorm(8) while it
# receives a Holder module whose eps is the input: ln.eps is typed LayerNorm's constant (a Python value), so
# `ln.eps * 2` and float() pass.

class Holder(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.eps = v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def run(self, ln, x):
        s = ln.eps * 2  # compute
        v = float(ln.eps.reshape(-1)[0])
        return launch_copy(x)

    def hop(self, h, x):
        return self.run(nn.LayerNorm(8), h, x)

    @classmethod
    def go(cls, h, x):
        return cls.hop(cls, h, x)

    def forward(self, x):
        return self.go(Holder(x), x)
