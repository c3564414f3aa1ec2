# attack_35_class_tensor_shadows_block_methods
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

# R4: Calls._method_call allows any method of the class `_instance_class` resolves the receiver to. self.h is
# resolved from attribute stores only (Block()), but a class-body constant `h` (a tensor) is what attribute
# lookup finds at run time (nn.Module keeps the Block in _modules). Block defines methods named `copy_` and `mul`,
# so `self.h.copy_(...)` / `self.h.mul(2.0)` pass as Block's methods and run the tensor's (aten copy_, mul).

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def copy_(self, v):
        return v

    def mul(self, v):
        return v

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    h = torch.zeros(8)

    def __init__(self):
        super().__init__()
        self.h = Block()

    def forward(self, x):
        self.h.copy_(x[0])
        y = self.h.mul(2.0)  # compute
        return launch_copy(x)
