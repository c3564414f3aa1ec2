# Session 29 second red team: passed at 6811eae.
# a launcher's parameter is typed from its call sites, but `launch(*(box,))`
# is no positional argument the inference reads, so `box` inside launch stays UNKNOWN and Calls._launchable accepts
# it (`return kind != TCONT or ...` lets UNKNOWN through). The interpreter hands the list to the kernel unconverted;
# the jit body appends box[0].mul(2) (a method call, no item store), which forward reads back as box[1].
# Fixed: A launched kernel's non-constexpr parameter (and a jit helper's it is handed to) is never subscripted,
# iterated, unpacked or starred (Definitions._device_parameters); list methods are refused in a jit body.
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


def launch(box):
    _box_kernel[(1,)](box)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [x]
        launch(*(box,))
        return copy(box[1])
