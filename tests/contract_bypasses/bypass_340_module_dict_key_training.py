# Session 28 ninth red team: passed at 0c046ce. A module dict read other than by key (`pd.training`, `pd.view`), or
# changed by `|=` / `|` (keys no check saw), named a key like an attribute. A module dict is now read by key, changed
# by update, setdefault or a key store, counted or iterated only; its keys are no nn.Module name (training).
# ParameterDict key 'training' (not a method name, so allowed) makes pd.training the input's copy; _constants_of adds
# 'training' to every nn class's constants, ParameterDict included, so pd.training is read as a Python value.
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
        self.pd["training"] = nn.Parameter(copy(x), requires_grad=False)
        y = self.pd.training * 2  # compute
        return copy(y)
