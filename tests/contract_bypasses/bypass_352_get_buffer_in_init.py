# Session 29 red team: passed at fee6843.
# self.get_buffer("b") in init returns the buffer itself, but nn.Module's methods are typed a container (TCONT,
# _self_call_kind); a BinOp refuses only TENSOR operands, so forward's self.buf * 2 multiplies the tensor.
# Fixed: self.get_buffer / get_parameter now give a tensor, not a container.
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
        self.register_buffer("b", torch.zeros(1000))
        self.buf = self.get_buffer("b")

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        out = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 256),)](y, out, n, BLOCK=256)
        return out
