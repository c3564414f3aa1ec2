# Session 28 ninth red team: passed at 0c046ce. A module dict read other than by key (`pd.training`, `pd.view`), or
# changed by `|=` / `|` (keys no check saw), named a key like an attribute. A module dict is now read by key, changed
# by update, setdefault or a key store, counted or iterated only; its keys are no nn.Module name (training).
# pd |= {'shape': Parameter(copy(x))}; that dict put in another ParameterDict; its item is typed a tensor, so
# p.shape is read as a size (META_ATTRS) and p.shape * 2 as Python arithmetic: it multiplies the input.
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
        self.inner = nn.ParameterDict()
        self.outer = nn.ParameterDict()

    def forward(self, x):
        self.inner |= {"shape": nn.Parameter(copy(x), requires_grad=False)}
        self.outer["k"] = self.inner
        p = self.outer["k"]
        y = p.shape * 2  # gate: a size; runs a tensor product  # compute
        return copy(y)
