# HONEST: a BatchNorm wrapper chooses batch statistics vs running statistics from the layer's own flags
# (bn.training, bn.track_running_stats), exactly as F.batch_norm's caller does. `training` is a plain bool attribute
# of every nn.Module, but it is not in BatchNorm's __constants__, so the gate types self.bn.training as a tensor and
# refuses its truth test.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)




class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        use_batch = self.bn.training or not self.bn.track_running_stats
        src = x if use_batch else x.contiguous()
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](src, out, x.numel(), BLOCK=256)
        return out
