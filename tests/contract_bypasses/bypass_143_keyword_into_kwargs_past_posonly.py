# Inference._note_keywords matches a keyword argument against every positional parameter name, positional-only
# ones included: `twice(0, a=x)` is noted as a=x. Python binds it into **kw instead (a positional-only name is not
# a keyword), and since the keyword was "matched", kw gets no call-site kind: it is UNKNOWN, kw["a"] (a Subscript
# of a non-container) is UNKNOWN, and `kw["a"] * 2` runs aten mul on the input; float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def twice(a, /, **kw):
    v = float(kw["a"].reshape(-1)[0])  # compute
    return kw["a"] * 2  # compute


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        s = twice(0, a=x)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
