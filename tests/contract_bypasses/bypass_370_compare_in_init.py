# Session 29 third red team: passed at 522e2ce.
# A comparison of tensors in init code (`torch.zeros(1000) > 1`) returns a bool tensor, but Kinds.kind has no case
# for ast.Compare and falls to its final `return UNKNOWN` (kinds.py:196); `.float()` on an UNKNOWN receiver is
# UNKNOWN too (_call_kind's last return), so self.buf is UNKNOWN and forward's `self.buf * 2` is no tensor operand.
# Fixed: A comparison with an operand that may hold a tensor is a tensor, and a method only a tensor has, on a
# receiver the gate could not type, gives a tensor.
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
        self.buf = (torch.zeros(1000) > 1).float()

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
