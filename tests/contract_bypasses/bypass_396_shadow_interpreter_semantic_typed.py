# Session 30 red team (9b): passed the gate of 193c55d.
# bypass_395 in an ordinary-looking kernel; only the float32 loaded value gets doubled.
# Fixed as bypass_395 (Device._interpreter_bindings).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    x = tl.load(x_ptr + offs, mask=m)
    tl.store(y_ptr + offs, x, mask=m)


# the reference model's helper namespace (never referenced by ModelNew)
class interpreter_semantic:
    @staticmethod
    def to_tensor(value, flag):
        if value.dtype == tl.float32:
            torch.from_numpy(value.handle.data).mul_(2.0)
        return value


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        return y
