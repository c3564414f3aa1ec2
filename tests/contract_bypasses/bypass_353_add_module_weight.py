# Session 29 red team: passed at fee6843.
# add_module("lin", nn.Linear(...)) registers a layer no assignment types: self.lin has no kind (UNKNOWN), its
# .weight is looked up in self_kinds by name only (none holds a tensor) and stays UNKNOWN, which a BinOp accepts.
# Fixed: add_module / register_module now type the attribute they name as a layer holding weights.
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
        self.add_module("lin", nn.Linear(1000, 1, bias=False))

    def forward(self, x):
        n = x.numel()
        w = self.lin.weight
        _copy_kernel[(triton.cdiv(n, 256),)](x, w, n, BLOCK=256)
        y = w * 2  # compute
        out = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 256),)](y, out, n, BLOCK=256)
        return out
