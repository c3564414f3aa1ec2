# Session 29 fifth red team: passed the gate of 522e2ce with the fixes of bypass_368..385.
# torch.manual_seed(0) returns the default torch.Generator, but it is a function (not a class: kinds._torch_object
# false, no operator): _library_call_kind types it PY; .get_state() on a PY receiver is no tensor-only method, so
# _method_call_kind's last line types the ByteTensor UNKNOWN; [:1000] * 0.0 keeps UNKNOWN (a float32 tensor), and
# forward's self.buf * 2 is no TENSOR operand.
# Fixed: On a receiver typed a Python value or not at all, a method no Python value or tensor description has
# (get_state, float, new_zeros) is typed a tensor.
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
        g = torch.manual_seed(0)
        s = g.get_state()
        self.buf = s[:1000] * 0.0

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
