# definitions._implicit_calls refuses a class whose base is a torch path outside CLASS_BASES (bypass_09: `class
# Lin(nn.Linear)` keeps nn.Linear's forward), but resolves bases with self.path(), which knows only import aliases.
# `Layer = nn.Linear` at module level is an allowed assignment (a layer class name, as a weight holder) and `Layer` is
# no import, so `class Lin(Layer)` is not judged; scan's tensor_subclass / layer checks read the base by import alias
# too. self.lin.forward(x) is accepted (forward is a method of this module's classes) and runs F.linear: aten.addmm.
# The same alias subclasses torch.Tensor (`T = torch.Tensor; class S(T)`) or torch.no_grad.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


Layer = nn.Linear


class Lin(Layer):
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
