# attack_33_staticmethod_first_param_private
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# R1: `t._addmm_activation(...)` where t is the first parameter of a staticmethod of a class that defines a
# member `_addmm_activation` (operands._own_private takes any method's first parameter for the class).
# Expected: refused by the method-call rule (t is typed a tensor from its call site).

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(8, 8))

    def _addmm_activation(self, a, b):
        return a

    @staticmethod
    def mix(t, w):
        return t._addmm_activation(w, w)

    def forward(self, x):
        y = self.mix(x, self.w)  # compute
        return launch_copy(y)
