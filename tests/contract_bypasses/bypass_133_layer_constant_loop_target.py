# syntax._stored_attributes (through _store_targets) collects the attributes stored on something other than self
# from Assign, AugAssign and AnnAssign targets only; a `for` target (also a comprehension's or `with ... as`) is a
# store too. `for self.ln.eps in [x]` sets LayerNorm's eps to the input tensor, but `eps` is not in
# stored_elsewhere, so Kinds._constants_of still types self.ln.eps as LayerNorm's Python constant (PY).
# `self.ln.eps * 2` runs aten mul; float(...) reads a value. (bypass_119 stored with `=`, which is caught now.)
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
        self.ln = nn.LayerNorm(8)

    def forward(self, x):
        for self.ln.eps in [x]:
            pass
        s = self.ln.eps * 2
        v = float(self.ln.eps.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
