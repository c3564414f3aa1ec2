# attack_05_param_shadow_sequential_index
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

# R4: parameter `Block` shadows the class; nn.Sequential(Block(8, 8)) holds an nn.Linear, and the constant
# index item `self.seq[0](x)` passes as Block.forward (Calls._block_forward via _container_layers(at=0)).

class Block(nn.Module):
    def __init__(self, a, b):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.setup(nn.Linear)

    def setup(self, Block):
        self.seq = nn.Sequential(Block(8, 8))

    def forward(self, x):
        y = self.seq[0](x)  # compute: nn.Linear
        return launch_copy(y)
