# Session 25: a loop over an nn.ModuleList of Linear layers reads each layer's sizes; the items were typed as tensors
# (refused since session 23). A loop variable over a container of layers built once and never changed has
# the layers' __constants__.
# FALSE POSITIVE: an MLP over nn.ModuleList reading layer.out_features / in_features as sizes. Inference._bind_loop binds an
# item of a TCONT as TENSOR, and an attribute of a TENSOR is TENSOR (Kinds._attribute_kind), so __constants__ of
# nn.Linear are not consulted for a loop item: torch.empty((M, N)) and triton.next_power_of_2(N) are refused.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def linear_kernel(x_ptr, w_ptr, b_ptr, y_ptr, M, N, K, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_N)
    ks = tl.arange(0, BLOCK_K)
    x = tl.load(x_ptr + row * K + ks, mask=ks < K, other=0.0)
    w = tl.load(w_ptr + cols[:, None] * K + ks[None, :], mask=(cols[:, None] < N) & (ks[None, :] < K), other=0.0)
    acc = tl.sum(w * x[None, :], axis=1) + tl.load(b_ptr + cols, mask=cols < N, other=0.0)
    tl.store(y_ptr + row * N + cols, acc, mask=cols < N)


class ModelNew(nn.Module):
    def __init__(self, sizes=(8, 16, 8)):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x):
        M = x.shape[0]
        for layer in self.layers:
            N, K = layer.out_features, layer.in_features
            y = torch.empty((M, N), device=x.device, dtype=x.dtype)
            linear_kernel[(M,)](x, layer.weight, layer.bias, y, M, N, K,
                                BLOCK_N=triton.next_power_of_2(N), BLOCK_K=triton.next_power_of_2(K))
            x = y
        return x
