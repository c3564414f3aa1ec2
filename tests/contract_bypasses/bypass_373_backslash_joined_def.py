# Session 29 fourth red team: passed the gate of 522e2ce with the fixes of bypass_368..372.
# A backslash-newline inside the string drops the newline from its value (gate sees 'copydef ...', no line
# start), but the physical line starts with 'def ': FunctionRewriter._find_def recompiles from it.
# Fixed: Triton's source lines are read as Triton reads them (evaluator.static.source): no line of a jit function
# but its def starts with `def `.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _twice_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    tl.static_assert(True, """copy\
def _twice_kernel(x_ptr: tl.constexpr, y_ptr: tl.constexpr, n, BLOCK: tl.constexpr):
    y_ptr.copy_(x_ptr * 2)  # compute
    return
    #""")
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _twice_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        return y
