# ModelNew.__init__ is the init region (any PyTorch compute), on the promise that only the evaluator builds ModelNew,
# once, from weights: `ModelNew(...)` is refused anywhere in the module (calls._call). But a subclass of ModelNew that
# adds nothing runs the same __init__: Again(x) in forward. region._init_roots drops a class from the init classes
# when it is built outside __init__ (and, since bypass_120, the bases of such a class) but keeps "ModelNew" always
# (`kept = {c ... if c == "ModelNew" or c not in elsewhere}`), and nothing refuses a subclass of ModelNew
# (scan's model_subclass looks only at the class named ModelNew). So Again(x) runs `v * 2.0` (aten.mul) on the input.
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
    def __init__(self, v=None):
        super().__init__()
        self.r = torch.zeros(1)
        if v is not None:
            self.r = v * 2.0  # compute

    def forward(self, x):
        y = Again(x).r
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out


class Again(ModelNew):
    pass
