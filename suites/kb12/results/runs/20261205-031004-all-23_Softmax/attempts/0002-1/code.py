import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _softmax_coop_kernel(
    x_ptr, y_ptr, ticket_ptr, count_ptr, pm_ptr, ps_ptr, N, G, CHUNK: tl.constexpr, GP: tl.constexpr
):
    # y[r, j] = exp(x[r, j] - m_r) / s_r with (m_r, s_r) combined from G per-chunk pairs:
    # m_r = max_c m_c, s_r = sum_c s_c * exp(m_c - m_r). One program = one CHUNK of one row, kept in registers.
    LOG2E: tl.constexpr = 1.4426950408889634
    t = tl.atomic_add(ticket_ptr, 1)  # start order, not launch order
    row = (t // G).to(tl.int64)
    c = t % G
    offs = c * CHUNK + tl.arange(0, CHUNK)
    mask = offs < N
    x = tl.load(x_ptr + row * N + offs, mask=mask, other=float("-inf"), eviction_policy="evict_first")
    m = tl.max(x, axis=0)  # every chunk has >= 1 valid column: m finite
    s = tl.sum(tl.exp2((x - m) * LOG2E), axis=0)
    tl.store(pm_ptr + row * G + c, m)
    tl.store(ps_ptr + row * G + c, s)
    tl.debug_barrier()
    tl.atomic_add(count_ptr + row, 1, sem="release")
    done = tl.atomic_add(count_ptr + row, 0, sem="acquire")
    while done < G:
        done = tl.atomic_add(count_ptr + row, 0, sem="acquire")
    tl.debug_barrier()
    g = tl.arange(0, GP)
    pm = tl.load(pm_ptr + row * G + g, mask=g < G, other=float("-inf"), cache_modifier=".cg")
    ps = tl.load(ps_ptr + row * G + g, mask=g < G, other=0.0, cache_modifier=".cg")
    m_row = tl.max(pm, axis=0)
    inv = 1.0 / tl.sum(ps * tl.exp2((pm - m_row) * LOG2E), axis=0)
    y = tl.exp2((x - m_row) * LOG2E) * inv
    tl.store(y_ptr + row * N + offs, y, mask=mask, cache_modifier=".cs")


def softmax(x, CHUNK=8192, num_warps=8):
    x = x.contiguous()
    M, N = x.shape
    y = torch.empty_like(x)
    # The CPU interpreter runs programs one after another, so there a row must be a single program.
    CHUNK = min(CHUNK, triton.next_power_of_2(N)) if x.is_cuda else triton.next_power_of_2(N)
    G = triton.cdiv(N, CHUNK)
    sync = torch.zeros(M + 1, dtype=torch.int32, device=x.device)  # [0] ticket, [1:] per-row counters
    pm = torch.empty(M * G, dtype=torch.float32, device=x.device)
    ps = torch.empty(M * G, dtype=torch.float32, device=x.device)
    _softmax_coop_kernel[(M * G,)](
        x, y, sync, sync[1:], pm, ps, N, G, CHUNK=CHUNK, GP=triton.next_power_of_2(G), num_warps=num_warps
    )
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return softmax(x)
