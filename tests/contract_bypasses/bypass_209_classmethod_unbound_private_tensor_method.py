# attack_14_classmethod_unbound_private_tensor_method
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

# R1: `self._addmm_activation(...)` passes as this class's own private method (operands._own_private,
# _class_members). `cls.run(x, w, w)` in a classmethod calls run unbound with the input as `self`, but
# Inference._callees fills `self` implicitly (cls is not a class name), so run's self stays SELF. At run time
# self is the tensor x: Tensor._addmm_activation runs (aten _addmm_activation: x + w @ w).

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(8, 8))

    def _addmm_activation(self, a, b):
        return launch_copy(a)

    def run(self, a, b):
        return self._addmm_activation(a, b)

    @classmethod
    def go(cls, x, w):
        return cls.run(x, w, w)

    def forward(self, x):
        y = self.go(x, self.w)  # compute: aten._addmm_activation
        return launch_copy(y)
