# Session 29 second red team: passed at 6811eae.
# a @triton.jit body reads a module-level list: Operands._device_name refuses
# only module-level defs and classes, and Calls._device_call only dotted library paths, so `BOX.pop().mul(2)` and
# `BOX.append(...)` (method calls, no item store for Definitions._device_statements) run as PyTorch under
# TRITON_INTERPRET=1. forward appends the input to BOX, launches, and pops the result; no container crosses a launch.
# Fixed: A jit body reads only constants and jit functions at module level, and calls only methods of Triton's
# values (allowlist.device_methods).
import torch
import torch.nn as nn
import triton
import triton.language as tl

BOX = []


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


@triton.jit
def _box_kernel(n):
    BOX.append(BOX.pop().mul(2))  # compute


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        BOX.append(x)
        _box_kernel[(1,)](1)
        return copy(BOX.pop())
