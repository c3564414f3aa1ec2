# A generator expression written in __init__ belongs to the init region (contract.owner() stops at the enclosing
# def; only lambdas and nested defs are their own host-code functions), where PyTorch compute, float() and .item()
# are allowed. But its element expression runs lazily, each time forward pulls an item: forward stores the input
# into self.box (a plain list store) and iterates self.gen / self.vals (iterating a container is allowed), so
# `self.box[0] * 2` (aten mul on the input) and float(...) (a value read) run inside forward while the gate judged
# them as weight preprocessing. Checked on CPU (TRITON_INTERPRET=1): aten.mul and _local_scalar_dense in forward.
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
        self.box = [None]
        self.gen = (self.box[0] * 2 for _ in range(1 << 60))  # compute
        self.vals = (float(self.box[0].reshape(-1)[0]) for _ in range(1 << 60))

    def forward(self, x):
        self.box[0] = x
        for y in self.gen:
            break
        for s in self.vals:
            break
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
