import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _rmsnorm_kernel(x_ptr, y_ptr, C, P, eps, BLOCK_C: tl.constexpr, BLOCK_P: tl.constexpr):
    # y[b, c, p] = x[b, c, p] * rsqrt(mean_c(x[b, :, p]^2) + eps); grid = (cdiv(P, BLOCK_P), B).
    pid_p = tl.program_id(0)
    b = tl.program_id(1).to(tl.int64)
    c = tl.arange(0, BLOCK_C)
    p = pid_p * BLOCK_P + tl.arange(0, BLOCK_P)
    mask = (c[:, None] < C) & (p[None, :] < P)
    offs = b * C * P + c[:, None].to(tl.int64) * P + p[None, :]
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    ms = tl.sum(x * x, axis=0) / C
    r = 1.0 / tl.sqrt(ms + eps)
    tl.store(y_ptr + offs, x * r[None, :], mask=mask)


def rmsnorm(x, eps):
    x = x.contiguous()
    y = torch.empty_like(x)
    B = x.shape[0]
    C = x.shape[1]
    P = x.numel() // (B * C)
    BLOCK_C = triton.next_power_of_2(C)
    BLOCK_P = 64
    _rmsnorm_kernel[(triton.cdiv(P, BLOCK_P), B)](x, y, C, P, eps, BLOCK_C=BLOCK_C, BLOCK_P=BLOCK_P, num_warps=4)
    return y


class ModelNew(nn.Module):
    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.num_features = num_features
        self.eps = eps

    def forward(self, x):
        return rmsnorm(x, self.eps)
