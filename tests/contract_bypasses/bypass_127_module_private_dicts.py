# nn.Module keeps what register_buffer / register_parameter / submodule assignment store in its private dicts
# self._buffers, self._parameters, self._modules, which the contract lets host code read (a private attribute on
# `self` is allowed: `self._cache`). self_kinds knows `b` (registered by literal name) but not `_buffers`, so
# self._buffers is UNKNOWN, and so is self._buffers["b"], the very input tensor: `* 2` runs aten mul and float(...)
# reads a value (_host_tensor_use refuses only TENSOR / container operands). Checked on CPU: aten.mul and
# _local_scalar_dense in forward. bypass_117 reached the buffer through get_buffer(); here no method is called.
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

    def forward(self, x):
        self.register_buffer("b", x)
        y = self._buffers["b"] * 2  # compute
        s = float(self._buffers["b"].reshape(-1)[0])
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
