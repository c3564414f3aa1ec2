import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _sq_diff_partial_kernel(p_ptr, t_ptr, part_ptr, n, BLOCK: tl.constexpr, ITERS: tl.constexpr):
    # part[pid] = sum over this program's ITERS*BLOCK elements of (p - t)^2
    pid = tl.program_id(0).to(tl.int64)
    base = pid * BLOCK * ITERS
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for i in range(ITERS):
        offs = base + i * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        d = tl.load(p_ptr + offs, mask=mask, other=0.0) - tl.load(t_ptr + offs, mask=mask, other=0.0)
        acc += d * d
    tl.store(part_ptr + pid, tl.sum(acc, axis=0))


@triton.jit
def _mean_kernel(part_ptr, out_ptr, m, n, BLOCK: tl.constexpr):
    # out = sum(part[0:m]) / n
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(0, m, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        acc += tl.load(part_ptr + offs, mask=offs < m, other=0.0)
    tl.store(out_ptr, tl.sum(acc, axis=0) / n)


def mse(p, t):
    p = p.contiguous()
    t = t.contiguous()
    n = p.numel()
    BLOCK = 1024
    ITERS = 64
    grid = triton.cdiv(n, BLOCK * ITERS)
    part = torch.empty(grid, device=p.device, dtype=torch.float32)
    out = torch.empty((), device=p.device, dtype=torch.float32)
    _sq_diff_partial_kernel[(grid,)](p, t, part, n, BLOCK=BLOCK, ITERS=ITERS, num_warps=4)
    _mean_kernel[(1,)](part, out, grid, n, BLOCK=1024, num_warps=4)
    return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, predictions, targets):
        return mse(predictions, targets)
