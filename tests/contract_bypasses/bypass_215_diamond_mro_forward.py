# attack_20_diamond_mro_forward
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

# R4: Calls._own_method finds the forward a block runs depth-first over its bases (Block -> A -> Base), but Python's
# C3 MRO for `class Block(A, B)` with A(Base), B(Base) is Block, A, B, Base: nn.Module's __call__ runs B.forward.
# The gate follows `self.block(x, s=x)` only into Base.forward (Inference._callees returns that one), so
# B.forward's keyword-only parameter s gets no kind from any call (UNKNOWN): `s * 2` and float(s...) pass,
# while s is the input tensor.

class Base(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, *, s):
        return launch_copy(x)


class A(Base):
    def tag(self):
        return 0


class B(Base):
    def forward(self, x, *, s):
        t = s * 2  # compute
        v = float(s.reshape(-1)[0])
        return launch_copy(t)


class Block(A, B):
    def tag2(self):
        return 1


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        y = self.block(x, s=x)
        return launch_copy(y)
