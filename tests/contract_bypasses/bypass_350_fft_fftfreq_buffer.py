# Session 29 red team: passed at fee6843.
# torch.fft.fftfreq(n) in init code returns a tensor, but _library_call_kind only types torch.<one-level> ATen
# functions as tensors: torch.fft.fftfreq of Python arguments is typed a Python value, so forward's
# self.buf * 2 reads as arithmetic on numbers.
# Fixed: A torch operator outside torch's own namespace (torch.fft.fftfreq) is now typed a tensor: every operator
# init code may run (allowlist.operator) returns one.
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
        self.buf = torch.fft.fftfreq(1000)

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
