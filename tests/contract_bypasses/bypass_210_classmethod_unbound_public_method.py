# attack_15_classmethod_unbound_public_method
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

# control for attack_14 (not a relaxation): the same unbound call with a public own method name `mul`.

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def mul(self, a):
        return launch_copy(a)

    def run(self, a):
        return self.mul(a)

    @classmethod
    def go(cls, x):
        return cls.run(x, 2.0)

    def forward(self, x):
        y = self.go(x)  # compute: aten.mul
        return launch_copy(y)
