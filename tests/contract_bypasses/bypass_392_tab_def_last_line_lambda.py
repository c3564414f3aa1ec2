# Session 29 seventh red team: passed the gate of 99c9663.
# the jit function's def line is `def<TAB>_twice_kernel(`. Triton's interpreter
# (FunctionRewriter._find_def) looks for the last source line whose strip() starts with "def " (a space): none does,
# so def_lineno = 0 and it compiles lines[-1:], the function's LAST physical line, alone. That line is the tail of a
# ''' string in the body (gate: a harmless string expression); standalone, the closing ''' is in a comment, so it
# rebinds _twice_kernel to a lambda that doubles the loaded block with torch. source._definition_lines only refuses
# extra `\s*def\s` lines; it never checks that the real def line is one Triton finds.
# Fixed: a jit function's def line starts with `def ` (one space), the line the interpreter looks for
# (evaluator.static.source).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


@triton.jit
def	_twice_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)
    '''
_twice_kernel = lambda x_ptr, y_ptr, n, BLOCK: (lambda r: tl.store(y_ptr + r, (lambda b: (torch.from_numpy(b.handle.data).mul_(2), b)[1])(tl.load(x_ptr + r, mask=r < n)), mask=r < n))(tl.arange(0, 1024))  # compute '''


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _twice_kernel[(1,)](x, y, n, BLOCK=1024)
        return y
