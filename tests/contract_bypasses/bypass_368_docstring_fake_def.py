# Session 29 third red team: passed at 522e2ce.
# The interpreter's FunctionRewriter._find_def takes the LAST source line of a jit function that starts with
# "def " and recompiles the source from there: a docstring holding a line "def _twice_kernel(...)" replaces the whole
# body the gate judged. The fake def annotates its pointers tl.constexpr (GridExecutor passes them unconverted: torch
# tensors) and computes with PyTorch; its own string opened by `"""` closes on the real body's last line `"""#"""`.
# Fixed: No string in a jit function holds a line starting with `def ` (Definitions._device_sources).
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
def _twice_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    '''
def _twice_kernel(x_ptr: tl.constexpr, y_ptr: tl.constexpr, n, BLOCK: tl.constexpr):
    y_ptr.copy_(x_ptr * 2)  # compute
    """
    '''
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)
    """#"""


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _twice_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        return y
