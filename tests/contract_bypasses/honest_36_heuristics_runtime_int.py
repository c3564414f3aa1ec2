# Session 25: refused since session 23 (a grid or heuristics dict's non-constexpr key was a tensor); the key is
# now what the launches pass that parameter, here a Python int.
# FALSE POSITIVE: heuristics computing a block size from a runtime int argument, `lambda args: triton.next_power_of_2(args["n_cols"])`
# (softmax pattern). Same cause as fp_01: a non-constexpr key of the meta dict is TENSOR, though every launch gives x.shape[1].
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.heuristics({"BLOCK_SIZE": lambda args: triton.next_power_of_2(args["n_cols"])})
@triton.jit
def softmax_kernel(out_ptr, in_ptr, n_cols, BLOCK_SIZE: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_SIZE)
    mask = cols < n_cols
    v = tl.load(in_ptr + row * n_cols + cols, mask=mask, other=-float("inf"))
    v = v - tl.max(v, axis=0)
    e = tl.exp(v)
    tl.store(out_ptr + row * n_cols + cols, e / tl.sum(e, axis=0), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        softmax_kernel[(x.shape[0],)](out, x, x.shape[1])
        return out
