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


# _bindings(fn, name) keeps only the bindings whose scope is fn, so a nested def's `nonlocal slot; slot = []` (which
# rebinds fn's own slot) is not among them: slot is judged an immutable scalar (`slot = 0`), `alias = slot` shares
# no object, and `alias.append(x)` never marks slot. slot's list then holds x while slot is typed PY:
# `slot[-1] * 2.0` and float() pass.

def scaled(x):
    slot = 0

    def make():
        nonlocal slot
        slot = []

    make()
    alias = slot
    alias.append(x)
    s = float(slot[-1][0, 0])  # read
    return slot[-1] * 2.0 + s  # compute


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        y = scaled(x)
        return launch_copy(y)
