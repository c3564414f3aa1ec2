# Definitions._implicit_calls accepts any dotted decorator and _rebound_definitions only refuses decorators that are
# functions of this module; torch_reason allows nn layer classes (weight holders). `@nn.ReLU` on a method makes the
# class attribute `act` an nn.ReLU built as ReLU(inplace=<function act>) (truthy). The gate reads self.act(y) as a
# call of the method act (host body: `return x`); at run time it is nn.ReLU.forward -> F.relu(y, inplace=True):
# aten relu_ on a copy of the input. scan's layer check only knows `self.<attr> = nn.X(...)` assignments.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    @nn.ReLU
    def act(self, x):
        return x

    def forward(self, x):
        y = x.clone()
        self.act(y)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
