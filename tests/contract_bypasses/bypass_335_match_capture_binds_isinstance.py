# Session 28 sixth red team: passed at 4ae3470. `case [isinstance]:` binds a function answering True, so an isinstance test narrowed a LeakyReLU item away.
# Match captures (and `except ... as`) now count among the names the module binds, and no allowed builtin's name is bound.
# Session 28 fifth red team: passed at dd4a6b8 (bypass_331 without the handed container: self.head).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


def _yes(a, b):
    return True



class Tri(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return copy(x)


class ModelNew(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.Sequential(Tri(), nn.LeakyReLU(0.5))

    def forward(self, x):
        match [_yes]:
            case [isinstance]:
                pass
        for m in self.layers:
            if isinstance(m, nn.Linear):
                x = m(x)
        return x
