# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# HOST ONLY: torch.nn.init._calculate_fan_in_and_fan_out (private nn.init helpers are allowed by
# bans._init_function) duck-types its argument: with an own object whose size() returns the tensor and shape=(0,0,2),
# the library computes size(1) * 2 with PyTorch. Calls._size_parts treats nn.init's first argument as data (nothing
# refused), and _library_call_kind types the result by HOLDS arguments only (SELF is not one) -> PY.
# Fixed: host code hands a library function no instance of this module's classes (Calls._own_objects_given).
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


class Dims:
    def __init__(self, t):
        self.t = t
        self.shape = (0, 0, 2)

    def dim(self):
        return 3

    def size(self, i):
        return self.t


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = copy(x)
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(Dims(out))
        return fan_in  # compute
