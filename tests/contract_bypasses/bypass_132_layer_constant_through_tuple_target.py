# Kinds._constants_of types an attribute of a layer as a Python value when every value assigned to self.ln is a
# layer whose __constants__ lists it (LayerNorm: eps). The values come from checker.self_values, which records
# only assignments whose target is `self.ln` itself; a tuple target (`self.ln, n = Holder(x), 0`) is not recorded
# (nor an AnnAssign or a loop target). So self.ln is still "only a LayerNorm" and self.ln.eps is PY, while at run
# time self.ln is a Holder module whose eps attribute is the input tensor (bypass_119 stored into self.ln.eps
# directly, which stored_elsewhere now catches; here eps is stored on Holder's own self). `* 2` runs aten mul and
# float(...) reads a value. A walrus or a parameter bound to the holder beside `ln = nn.LayerNorm(8)` does the same.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Holder(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.eps = v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(8)

    def forward(self, x):
        self.ln, n = Holder(x), 0
        s = self.ln.eps * 2
        v = float(self.ln.eps.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
