# calls._method_call accepts `self.<m>(...)` when m is a method the class defines (_own_methods), and types the call by
# that method's returns. An instance attribute of the same name shadows the method at runtime: forward stores the bound
# tensor method `x.mul` into self.op (a store to a self attribute; `x.mul` as a value is never judged, since
# _attribute checks only dunder/private names and module paths), so self.op(2.0) is x.mul(2.0), aten.mul in forward,
# typed as ModelNew.op's `return v` (a float). bypass_13 was the same shadowing with a lambda, now followed through
# _named_functions (lambdas only); a bound method (x.mul, x.sum, x.item, self.layer.forward) is no lambda.
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

    def op(self, v):
        return v

    def forward(self, x):
        self.op = x.mul
        s = self.op(2.0)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
