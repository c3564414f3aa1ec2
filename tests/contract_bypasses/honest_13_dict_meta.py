import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch(src):
    src = src.contiguous()
    out = torch.empty_like(src)
    n = src.numel()
    copy_kernel[(triton.cdiv(n, 256),)](src, out, n, BLOCK=256)
    return out


def plan(x):
    out = torch.empty_like(x)
    return {"out": out, "n": x.numel(), "block": 256}


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        p = plan(x)
        n = p["n"]
        copy_kernel[(triton.cdiv(n, p["block"]),)](x, p["out"], n, BLOCK=256)
        return p["out"]
