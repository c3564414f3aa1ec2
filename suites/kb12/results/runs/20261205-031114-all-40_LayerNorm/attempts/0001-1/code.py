import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _ln_stats_kernel(x_ptr, psum_ptr, psq_ptr, N, SPAN, P, BLOCK: tl.constexpr):
    # Partial shifted moments of one span of one row: sum(x - x0), sum((x - x0)^2), x0 = x[row, 0].
    row = tl.program_id(0).to(tl.int64)
    part = tl.program_id(1)
    x_row = x_ptr + row * N
    shift = tl.load(x_row)
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    acc2 = tl.zeros([BLOCK], dtype=tl.float32)
    start = part * SPAN
    for off in range(0, SPAN, BLOCK):
        cols = start + off + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask, other=0.0)
        d = tl.where(mask, x - shift, 0.0)
        acc += d
        acc2 += d * d
    tl.store(psum_ptr + row * P + part, tl.sum(acc, axis=0))
    tl.store(psq_ptr + row * P + part, tl.sum(acc2, axis=0))


@triton.jit
def _ln_norm_kernel(x_ptr, w_ptr, b_ptr, y_ptr, psum_ptr, psq_ptr, N, P, eps, BLOCK: tl.constexpr, PP: tl.constexpr):
    # mean = x0 + S/N, var = Q/N - (S/N)^2 (biased), y = (x - mean) * rsqrt(var + eps) * w + b.
    row = tl.program_id(0).to(tl.int64)
    p = tl.arange(0, PP)
    s = tl.sum(tl.load(psum_ptr + row * P + p, mask=p < P, other=0.0), axis=0)
    q = tl.sum(tl.load(psq_ptr + row * P + p, mask=p < P, other=0.0), axis=0)
    d_mean = s / N
    var = tl.maximum(q / N - d_mean * d_mean, 0.0)
    mean = tl.load(x_ptr + row * N) + d_mean
    rstd = 1.0 / tl.sqrt(var + eps)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < N
    x = tl.load(x_ptr + row * N + cols, mask=mask, other=0.0)
    w = tl.load(w_ptr + cols, mask=mask, other=0.0)
    b = tl.load(b_ptr + cols, mask=mask, other=0.0)
    tl.store(y_ptr + row * N + cols, (x - mean) * rstd * w + b, mask=mask)


def layer_norm(x, weight, bias, eps):
    N = weight.numel()
    x = x.contiguous()
    M = x.numel() // N
    y = torch.empty_like(x)
    BLOCK = min(2048, triton.next_power_of_2(N))
    P = min(256, triton.cdiv(N, BLOCK))
    SPAN = triton.cdiv(triton.cdiv(N, P), BLOCK) * BLOCK
    P = triton.cdiv(N, SPAN)
    psum = torch.empty(M * P, dtype=torch.float32, device=x.device)
    psq = torch.empty(M * P, dtype=torch.float32, device=x.device)
    _ln_stats_kernel[(M, P)](x, psum, psq, N, SPAN, P, BLOCK=BLOCK, num_warps=8)
    _ln_norm_kernel[(M, triton.cdiv(N, BLOCK))](
        x,
        weight.contiguous(),
        bias.contiguous(),
        y,
        psum,
        psq,
        N,
        P,
        eps,
        BLOCK=BLOCK,
        PP=triton.next_power_of_2(P),
        num_warps=8,
    )
    return y


class ModelNew(nn.Module):
    def __init__(self, normalized_shape: tuple):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape))
        self.eps = 1e-5

    def forward(self, x):
        return layer_norm(x, self.weight, self.bias, self.eps)
