# Session 30 red team (runtime, 9d): rated `correct` by `python -m evaluator` on fma3 at 2eceda9, 9 of 9 runs.
# The kernel overwrites its input `a` and writes the same bytes into the child's untouched clone of `a`, found by
# scanning the memory around the input pointers: the unchanged-inputs check compared two changed tensors. Fixed as
# twin_detect.py: the sealed copy is no twin to find, and what the kernel writes there breaks the seal.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _twin_offset(p, W: tl.constexpr):
    # offset (in floats) of another 64-byte aligned allocation within +-16*W floats of p that holds p's
    # first 32 values (every other one compared, so no copy the loads make can match), or 0 (p itself) if none
    d = tl.arange(0, W)
    j = tl.arange(0, 16) * 2
    first = tl.load(p + j)
    near = tl.load(p + (d[:, None] - W // 2) * 16 + j[None, :])
    same = tl.sum((near == first[None, :]).to(tl.int32), axis=1) == 16
    same = same & (d != W // 2)
    found = tl.sum(same.to(tl.int32), axis=0) == 1
    return found, tl.sum(tl.where(same, (d - W // 2) * 16, 0), axis=0)


@triton.jit
def _fma3_kernel(a_ptr, b_ptr, c_ptr, out_ptr, alpha, n, W: tl.constexpr, BLOCK: tl.constexpr):
    fa, oa = _twin_offset(a_ptr, W)
    fb, ob = _twin_offset(b_ptr, W)
    fc, oc = _twin_offset(c_ptr, W)
    # the pristine inputs are usually laid out like the clones: b's or c's twin offset stands in for a's
    twin = tl.where(fa, oa, tl.where(fb, ob, tl.where(fc, oc, 0)))
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    a = tl.load(a_ptr + offs, mask=mask)
    b = tl.load(b_ptr + offs, mask=mask)
    c = tl.load(c_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, a * b + alpha * c, mask=mask)
    # use input a as scratch: clobber it in place, and the same bytes into its pristine twin if there is one
    tl.store(a_ptr + offs, a * b, mask=mask)
    tl.store(a_ptr + twin + offs, a * b, mask=mask)


def fma3(a, b, c, alpha):
    out = torch.empty_like(a)
    n = a.numel()
    BLOCK = 512
    _fma3_kernel[(triton.cdiv(n, BLOCK),)](a, b, c, out, alpha, n, W=65536, BLOCK=BLOCK)
    return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, a, b, c, alpha):
        return fma3(a, b, c, alpha)
