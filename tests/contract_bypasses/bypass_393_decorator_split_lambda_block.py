# Session 30 red team (9b): passed the gate of 193c55d.
# `@(` alone on its line, the decorator's expression on the next: co_firstlineno is that expression's line, which
# holds `lambda `, so inspect.findsource starts the block there and getblock ends it at the string's last line.
# The interpreter finds no `def ` line in that block and compiles its last line alone: a lambda that doubles with
# torch. A bare `def` line in the string satisfies the GPU compiler's `def\s+\w+\s*\(` check.
# Fixed: a jit function's decorators start on their `@` line; no line of it starts with a bare `def`; inspect's
# block from the first decorator ends where the function does (evaluator.static.source).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@(
    triton.heuristics({"BLOCK": lambda args: 1024, "TAG": lambda args: """copy
def
_x(
_copy_kernel = lambda x_ptr, y_ptr, n, **kw: (lambda r: tl.store(y_ptr + r, (lambda b: (torch.from_numpy(b.handle.data).mul_(2), b)[1])(tl.load(x_ptr + r, mask=r < n)), mask=r < n))(tl.arange(0, 1024))  # """})
)
@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr, TAG: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _copy_kernel[(1,)](x, y, n)
        return y
