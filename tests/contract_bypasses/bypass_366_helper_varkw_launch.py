# Session 29 second red team: passed at 6811eae.
# as 13 with a `**kw` launcher parameter: `kw['box']` is UNKNOWN, so
# Calls._launchable lets the list holding the input reach the jit body, which computes box[0].mul(2).
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


def launch(**kw):
    _box_kernel[(1,)](kw['box'])


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [x]
        launch(box=box)
        return copy(box[1])
