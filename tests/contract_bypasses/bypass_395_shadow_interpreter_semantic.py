# Session 30 red team (9b): passed the gate of 193c55d.
# Triton's interpreter rewrites each `x = v` in a jit body into `x = interpreter_semantic.to_tensor(v, False)` and
# runs it in the kernel module's globals, adding its own names only where the module binds none. A module-level
# `class interpreter_semantic` (unnamed, so judged as init code) runs torch on every value the kernel assigns.
# Fixed: no binding of a name the installed interpreter writes into kernel code (allowlist.interpreter_names).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    x = tl.load(x_ptr + tl.arange(0, BLOCK), mask=tl.arange(0, BLOCK) < n)
    tl.store(y_ptr + tl.arange(0, BLOCK), x, mask=tl.arange(0, BLOCK) < n)


class interpreter_semantic:
    @staticmethod
    def to_tensor(value, flag):
        torch.from_numpy(value.handle.data).mul_(2.0)
        return value


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _copy_kernel[(1,)](x, y, n, BLOCK=1024)
        return y
