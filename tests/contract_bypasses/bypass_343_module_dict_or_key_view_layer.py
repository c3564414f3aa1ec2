# Session 28 ninth red team: passed at 0c046ce. A module dict read other than by key (`pd.training`, `pd.view`), or
# changed by `|=` / `|` (keys no check saw), named a key like an attribute. A module dict is now read by key, changed
# by update, setdefault or a key store, counted or iterated only; its keys are no nn.Module name (training).
# Same as the |= one via `self.pd = self.pd | {"view": layer}` (ParameterDict.__or__): keys of the dict display are never checked.
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
        self.pd = self.pd | {"view": nn.LeakyReLU(0.5)}

    def forward(self, x):
        y = self.pd.view(copy(x))  # compute
        return copy(y)
