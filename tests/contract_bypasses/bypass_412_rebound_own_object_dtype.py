# Session 30 red team (9c, host types, second round): passed the gate of a5b2e85.
# An own object joined with a tensor (`h = Holder() if c else x`, a list of both, a rebound name) is typed a
# tensor, and Operands._described_name_store skipped receivers typed a tensor: `h.shape = copy(x)` stored the
# output, and `.shape` of a tensor reads as a size, so `h.shape * 2` passed.
# Fixed: under a tensor description's name (shape, dtype, numel...) only immutable values are stored, whatever the
# receiver's kind (no such attribute but requires_grad can be set on a real tensor).
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

class Holder:
    def __init__(self):
        self.n = 0


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        h = x
        h = Holder()
        h.dtype = copy(x)
        return h.dtype * 2  # compute
