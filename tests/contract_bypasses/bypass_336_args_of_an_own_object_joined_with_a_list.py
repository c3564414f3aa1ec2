# Session 28 seventh red team: passed at d1d7204. `obj = self if x.dim() > 0 else [x]` joins an own object with a
# container (TCONT), and `obj.args` was an exception's args, a container, though self.args holds a tensor.
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


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        self.args = copy(x)
        obj = self if x.dim() > 0 else [x]
        y = obj.args * 2  # the own object's args, a tensor, read as an exception's  # compute
        return copy(y)
