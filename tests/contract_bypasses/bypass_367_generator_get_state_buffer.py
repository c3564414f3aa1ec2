# Session 29 second red team: passed at 6811eae.
# torch.Generator() in init code is a library call with no tensor argument, typed a Python value (_library_call_kind);
# its .get_state() (a ByteTensor) is a method of a PY object, typed UNKNOWN (_call_kind's final return UNKNOWN);
# .new_zeros(...) on it stays UNKNOWN, so self.buf is UNKNOWN and forward's self.buf * 2 passes as no tensor operand.
# Fixed: A torch class other than the descriptions of a tensor (device, dtype, Size, finfo...) builds an object that
# may hold tensors (kinds._torch_object): get_state on it, and new_zeros on that, give tensors.
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
        s = torch.Generator().get_state()
        self.buf = s.new_zeros(1000, dtype=torch.float32)

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
