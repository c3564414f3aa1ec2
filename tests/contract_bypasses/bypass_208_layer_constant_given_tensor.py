# attack_13_layer_constant_given_tensor
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# R3: _layer_built refuses containers among a layer's constructor arguments, not tensors: nn.LeakyReLU given a
# tensor keeps it as negative_slope (a __constants__ name). Through a ModuleList item by constant index
# (self.acts[0], new) negative_slope is typed a Python value.

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.acts = nn.ModuleList([nn.LeakyReLU(torch.zeros(8))])

    def forward(self, x):
        s = self.acts[0].negative_slope
        s.copy_(x[0])
        y = s * 2  # compute
        v = float(s[0])
        return launch_copy(x)
