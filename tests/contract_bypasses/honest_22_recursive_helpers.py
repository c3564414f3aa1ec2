import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def _halvings(n):
    """n, n // 2, ... down to 1: block sizes to try."""
    return [n] if n <= 1 else [n, *_halvings(n // 2)]


def _nested(depth, n):
    return [n] if depth == 0 else [_nested(depth - 1, n) for _ in range(2)]


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        n = x.numel()
        block = max(b for b in _halvings(1024) if b <= max(n, 1))
        plan = _nested(2, block)
        copy_kernel[(triton.cdiv(n, plan[0][0][0]),)](x, out, n, BLOCK=plan[1][1][0])
        return out
