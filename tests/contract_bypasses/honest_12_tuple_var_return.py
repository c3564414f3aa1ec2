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


def prep(x):
    x2 = x.reshape(-1, x.shape[-1]).contiguous()
    M, K = x2.shape
    res = (x2, M, K)
    return res


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        x2, M, K = prep(x)
        grid = (triton.cdiv(M * K, 256),)
        out = torch.empty_like(x2)
        copy_kernel[grid](x2, out, M * K, BLOCK=256)
        return out.view(x.shape)
