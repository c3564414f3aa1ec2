# Session 30 red team (9b): passed the gate of 193c55d.
# bypass_393 with `@\` (a backslash-joined decorator line) instead of `@(`.
# Fixed as bypass_393 (evaluator.static.source._decorator_lines).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@\
triton.heuristics(values={"BLOCK": lambda args: 1024 if args else """
def
_unused(
_copy_kernel = lambda x_ptr, y_ptr, n: (lambda r: tl.store(y_ptr + r, (lambda b: (torch.from_numpy(b.handle.data).mul_(2), b)[1])(tl.load(x_ptr + r, mask=r < n)), mask=r < n))(tl.arange(0, 1024))  # """})
@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 1024),)](x, y, n)
        return y
