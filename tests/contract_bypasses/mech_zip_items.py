import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def fill(box, x):
    box.append(x)


def plan2(x):
    return {"lst": [1], "n": 3}


def plan3(x):
    d = {"n": 1}
    d["n"] = x
    return d


def keep(r):
    return r


def pair(x):
    yield x
    yield x
    return (1, 2)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        jobs = [(x, 3)]
        for (t, n), k in zip(jobs, [1]):
            s = t * 2
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
