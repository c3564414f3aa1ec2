# Session 29 red team: passed at fee6843.
# a kernel's parameters are judged as Triton values (device region: operators and subscripts are never
# judged), but a launch may pass any Python object: host code hands the kernel a dict holding the input, and under
# TRITON_INTERPRET=1 the interpreter passes the dict through unchanged (_implicit_cvt returns it), so the jit body
# computes box["x"] * 2 with PyTorch and stores the result back into the dict.
# Fixed: A launch passes only tensors, numbers, tuples of them and descriptors (Calls._launch_objects); the jit
# body's item store is refused too.
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
    box["y"] = box["x"] * 2  # compute


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = {"x": x}
        _box_kernel[(1,)](box)
        return copy(box["y"])
