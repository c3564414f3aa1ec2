# contract._attribute_kind types an attribute of a layer as a Python value when the layer's class lists it in
# __constants__ (LayerNorm: eps, normalized_shape, elementwise_affine), whatever was stored there. Storing the input
# tensor into self.ln.eps (a plain nn.Module attribute store) and reading it back gives the tensor itself typed PY:
# `* 2` runs aten mul and float(...) reads a value into Python (checked on CPU). _constants_of looks only at which
# layer class was assigned to self.ln, never at stores into its attributes.
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
        self.ln = nn.LayerNorm(4)

    def forward(self, x):
        self.ln.eps = x
        y = self.ln.eps * 2  # compute
        s = float(self.ln.eps.reshape(-1)[0])
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
