# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# TCONT-typed tensor: nn.BatchNorm1d(1000).get_buffer('running_mean') on a local layer.
# Fixed: on what the gate typed a container or layer, a method gives a container only where it gives back that
# object or its items (list.copy, Module.parameters: kinds._holder_method); get_parameter, forward, any other is a tensor.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        bn = nn.BatchNorm1d(1000)
        self.buf = bn.get_buffer("running_mean")

    def forward(self, x):
        out = copy(x)
        self.buf.data.copy_(out)
        return self.buf * 2  # compute
