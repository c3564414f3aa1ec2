# Session 27: refused before (nn.MultiheadAttention's num_heads is no __constants__ entry, so it was typed a tensor); a
# layer attribute its own __init__ sets to an argument as given, and nothing else assigns, is a size now.
# HONEST: KernelBench level 3's attention block: forward reads self.attn.num_heads and runs its own kernels.
import math
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def qkv_proj_kernel(x_ptr, w_ptr, b_ptr, out_ptr, K, N,
                    BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
    row = tl.program_id(0)
    pid_n = tl.program_id(1)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    mask_n = offs_n < N
    acc = tl.zeros([BLOCK_N], dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        offs_k = k0 + tl.arange(0, BLOCK_K)
        mask_k = offs_k < K
        xv = tl.load(x_ptr + row * K + offs_k, mask=mask_k, other=0.0)
        wv = tl.load(w_ptr + offs_n[:, None] * K + offs_k[None, :], mask=mask_n[:, None] & mask_k[None, :], other=0.0)
        acc += tl.sum(wv * xv[None, :], axis=1)
    acc += tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    tl.store(out_ptr + row * N + offs_n, acc, mask=mask_n)


@triton.jit
def mha_kernel(qkv_ptr, out_ptr, S, E, HEAD_DIM, sm_scale,
               BLOCK_S: tl.constexpr, BLOCK_D: tl.constexpr):
    b = tl.program_id(0)
    h = tl.program_id(1)
    offs_s = tl.arange(0, BLOCK_S)
    offs_d = tl.arange(0, BLOCK_D)
    mask_s = offs_s < S
    mask_d = offs_d < HEAD_DIM
    m2 = mask_s[:, None] & mask_d[None, :]
    row_base = (b * S + offs_s[:, None]) * (3 * E) + h * HEAD_DIM + offs_d[None, :]
    q = tl.load(qkv_ptr + row_base, mask=m2, other=0.0)
    k = tl.load(qkv_ptr + row_base + E, mask=m2, other=0.0)
    v = tl.load(qkv_ptr + row_base + 2 * E, mask=m2, other=0.0)
    scores = tl.dot(q, tl.trans(k)) * sm_scale
    scores = tl.where(mask_s[None, :], scores, float("-inf"))
    scores = scores - tl.max(scores, axis=1)[:, None]
    p = tl.exp(scores)
    p = p / tl.sum(p, axis=1)[:, None]
    o = tl.dot(p, v)
    out_off = (b * S + offs_s[:, None]) * E + h * HEAD_DIM + offs_d[None, :]
    tl.store(out_ptr + out_off, o, mask=m2)


@triton.jit
def out_proj_residual_layernorm_kernel(
    a_ptr, w_ptr, b_ptr, res_ptr, g_ptr, beta_ptr, y_ptr, E, eps,
    BLOCK_E: tl.constexpr,
):
    row = tl.program_id(0)
    offs = tl.arange(0, BLOCK_E)
    mask = offs < E
    a = tl.load(a_ptr + row * E + offs, mask=mask, other=0.0)
    w = tl.load(w_ptr + offs[:, None] * E + offs[None, :], mask=mask[:, None] & mask[None, :], other=0.0)
    y = tl.sum(w * a[None, :], axis=1)
    y += tl.load(b_ptr + offs, mask=mask, other=0.0)
    y += tl.load(res_ptr + row * E + offs, mask=mask, other=0.0)
    mean = tl.sum(tl.where(mask, y, 0.0), axis=0) / E
    d = tl.where(mask, y - mean, 0.0)
    var = tl.sum(d * d, axis=0) / E
    rstd = 1.0 / tl.sqrt(var + eps)
    g = tl.load(g_ptr + offs, mask=mask, other=1.0)
    bt = tl.load(beta_ptr + offs, mask=mask, other=0.0)
    tl.store(y_ptr + row * E + offs, d * rstd * g + bt, mask=mask)


class ModelNew(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super(ModelNew, self).__init__()
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x):
        B, S, E = x.shape
        num_heads = self.attn.num_heads
        head_dim = E // num_heads
        x2 = x.contiguous().view(B * S, E)
        rows = B * S

        qkv = torch.empty((rows, 3 * E), device=x.device, dtype=torch.float32)
        BLOCK_N = min(128, triton.next_power_of_2(3 * E))
        qkv_proj_kernel[(rows, triton.cdiv(3 * E, BLOCK_N))](
            x2, self.attn.in_proj_weight, self.attn.in_proj_bias, qkv, E, 3 * E,
            BLOCK_N=BLOCK_N, BLOCK_K=min(64, triton.next_power_of_2(E)),
        )

        attn = torch.empty((rows, E), device=x.device, dtype=torch.float32)
        BLOCK_S = max(16, triton.next_power_of_2(S))
        BLOCK_D = max(16, triton.next_power_of_2(head_dim))
        mha_kernel[(B, num_heads)](qkv, attn, S, E, head_dim, 1.0 / math.sqrt(head_dim),
                                   BLOCK_S=BLOCK_S, BLOCK_D=BLOCK_D)

        out = torch.empty((rows, E), device=x.device, dtype=x.dtype)
        out_proj_residual_layernorm_kernel[(rows,)](
            attn, self.attn.out_proj.weight, self.attn.out_proj.bias, x2,
            self.norm.weight, self.norm.bias, out, E, self.norm.eps,
            BLOCK_E=triton.next_power_of_2(E),
        )
        return out.view(B, S, E)
