# Session 25: refused since session 23 (a grid or heuristics dict's non-constexpr key was a tensor); the key is
# now what the launches pass that parameter, here a Python int.
# FALSE POSITIVE: the official Triton vector-add tutorial grid, `lambda meta: (triton.cdiv(meta["n_elements"], meta["BLOCK_SIZE"]),)`.
# Kinds._constant_item types a meta key that is no constexpr/config key as TENSOR, though the launch passes n_elements = output.numel() (PY).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def add_kernel(x_ptr, y_ptr, output_ptr, n_elements, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(axis=0)
    offsets = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n_elements
    x = tl.load(x_ptr + offsets, mask=mask)
    y = tl.load(y_ptr + offsets, mask=mask)
    tl.store(output_ptr + offsets, x + y, mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, y):
        output = torch.empty_like(x)
        n_elements = output.numel()
        grid = lambda meta: (triton.cdiv(meta["n_elements"], meta["BLOCK_SIZE"]),)
        add_kernel[grid](x, y, output, n_elements, BLOCK_SIZE=1024)
        return output
