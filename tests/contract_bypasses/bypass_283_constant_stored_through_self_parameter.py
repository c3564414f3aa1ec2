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


# _stored_attributes splits attribute stores by the receiver's *name*: `self.in_features = v` counts as "self's own
# state" whatever `self` is. In a module function whose first parameter is named self and is given the nn.Linear,
# the store overwrites the layer's __constants__ entry, yet in_features never enters stored_elsewhere, so
# `self.lin.in_features` stays typed a Python int: `* 2.0` and float() on the input it now holds pass.

def tweak(self, v):
    self.in_features = v


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        tweak(self.lin, x)
        out = torch.empty_like(x)
        out.copy_(self.lin.in_features * 2.0 + 1.0)  # compute
        s = float(self.lin.in_features[0, 0])  # read
        return launch_copy(out)
