# Session 29 second red team: passed at 6811eae.
# as 01 with a module-level dict: the jit body calls
# BOX.update(y=BOX.get("x").mul(2)) (no item store), forward pops "y".
# Fixed: As 360, with a dict's update and get.
import torch
import torch.nn as nn
import triton
import triton.language as tl

BOX = {}


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


@triton.jit
def _box_kernel(n):
    BOX.update(y=BOX.get("x").mul(2))  # compute


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        BOX.update(x=x)
        _box_kernel[(1,)](1)
        return copy(BOX.pop("y"))
