# Calls._instance_class (new today) takes `self.h` to be a Helper when every store into an attribute `h` is a plain
# `obj.h = Helper()`, and then allows any method Helper defines, nn.Module's names included (forward). It reads
# checker.self_values, built from attribute store nodes only: `self.add_module("h", nn.Linear(8, 8))` in __init__
# (an allowed register call, "h" being no method's name) replaces the submodule without an attribute store. So
# `self.h.forward(x)` passes as Helper.forward (honest_34's pattern) but runs nn.Linear: aten addmm/mm on the input.
# register_module("h", ...) does the same.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Helper(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = Helper()
        self.add_module("h", nn.Linear(8, 8))

    def forward(self, x):
        s = self.h.forward(x)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
