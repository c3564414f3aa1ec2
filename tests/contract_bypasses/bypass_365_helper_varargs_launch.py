# Session 29 second red team: passed at 6811eae.
# as 11 with a `*bs` launcher parameter: `bs[0]` is UNKNOWN (the
# inference types no `*args` parameter from its call sites), so Calls._launchable passes the list to the kernel.
# Fixed: As 363.
import torch
import torch.nn as nn
import triton
import triton.language as tl



@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


@triton.jit
def _box_kernel(box):
    box.append(box[0].mul(2))  # compute


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


def launch(*bs):
    _box_kernel[(1,)](bs[0])


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [x]
        launch(box)
        return copy(box[1])
