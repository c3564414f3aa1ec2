# Session 28 eighth red team: passed at 17254a6. A ParameterDict key named args makes pd.args the input's copy, and
# .args on anything typed a container was read as an exception's args (now only on a name only `except ... as` binds).
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
        self.pd = nn.ParameterDict()

    def forward(self, x):
        self.pd.setdefault("args", nn.Parameter(copy(x), requires_grad=False))
        y = self.pd.args * 2  # compute
        return copy(y)
