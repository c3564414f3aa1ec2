import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


BOX = []


def stash(x):
    def inner():
        BOX = 3  # inner's own name; _bindings(stash, "BOX") walks into inner and finds only this number
        return BOX

    alias = BOX  # the module's list, judged a scalar: no object shared, so alias's store never reaches BOX
    alias.append(x)
    return inner()


def scaled():
    return BOX[-1] * 2.0  # compute: BOX's item typed as unknown


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        stash(x)
        y = scaled()
        out = torch.empty_like(y)
        copy_kernel[(triton.cdiv(out.numel(), 256),)](y, out, out.numel(), BLOCK=256)
        return out
