# A nested def anywhere in the module puts its name into contract.checker._Contract.defined (one module-wide set,
# "names bound to code the gate sees"), and calls._host_call lets host code call any Name in `defined`. But only a
# *module-level* def is protected from being bound again (definitions._rebound_definitions looks at tree.body); a
# nested def's name may be reassigned in its own function. Here `g` is rebound to the bound tensor method `x.mul`
# (an attribute read on a tensor that is not called is never judged: _attribute checks only dunder/private names and
# module paths, _method_call only calls). `g(2.0)` is then typed by the def's `return u` (its argument: a float) and
# passes; at runtime it is x.mul(2.0): aten.mul in forward. Any tensor method works (g = x.sum, g = x.item: value read).
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

    def forward(self, x):
        def g(u):
            return u

        g = x.mul
        s = g(2.0)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
