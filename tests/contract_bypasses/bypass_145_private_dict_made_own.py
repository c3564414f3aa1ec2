# (A name rule more than a kind: reported for the colleague's side too.) bypass_127 read nn.Module's self._buffers;
# Operands._own_private now allows a private attribute on self only when the module stores it (self_set). Storing
# it to itself in __init__ (`self._buffers = self._buffers`, a no-op) puts `_buffers` in self_set, so the read is
# allowed again, and its kind is what was stored: self._buffers itself, UNKNOWN. self._buffers["b"] is the input
# tensor register_buffer stored, typed UNKNOWN: `* 2` runs aten mul, float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self._buffers = self._buffers

    def forward(self, x):
        self.register_buffer("b", x)
        s = self._buffers["b"] * 2
        v = float(self._buffers["b"].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
