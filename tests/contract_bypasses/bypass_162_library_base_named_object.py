# Class bases are an allow-list (definitions._implicit_calls): nn.Module, torch.autograd.Function, the module's own
# classes, or `object`. The `object` case is read off the identifier alone (`isinstance(b, ast.Name) and b.id ==
# "object"`), before and regardless of self.path(b). `from torch.nn import Linear as object` is an allowed import
# (a layer class as weight holder: bans._nn_reason), and it binds the name `object` to nn.Linear, so `class
# Lin(object)` subclasses nn.Linear and keeps its forward. scan's checks read the base through the alias
# (torch.nn.Linear: neither torch.Tensor nor a ModelNew base), and the layer-call rule (scan.layers) knows only
# `self.x = nn.<Layer>(...)`, not an own class. forward calls self.lin.forward(x), accepted as a method name of this
# module's classes (ModelNew.forward): F.linear, aten.addmm on the input. `from triton.language import constexpr as
# object` works the same for bypass_150's operator dunders (Box(x) * 2.0).
import torch
import torch.nn as nn
import triton
import triton.language as tl
from torch.nn import Linear as object


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Lin(object):  # compute: nn.Linear under the name object
    pass


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = Lin(8, 8)

    def forward(self, x):
        y = self.lin.forward(x)  # compute
        out = torch.empty_like(y)
        copy_kernel[(triton.cdiv(y.numel(), 256),)](y, out, y.numel(), BLOCK=256)
        return out

# EVIDENCE: torch.allclose(out, torch.nn.functional.linear(x, m.lin.weight, m.lin.bias))
