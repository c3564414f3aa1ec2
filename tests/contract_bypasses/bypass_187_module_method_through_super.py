# Same class as bypass_08 through super(): Kinds._call_kind types `super()` SELF, and _method_call's SELF branch (which
# runs before its super() exemption) accepts any method name some class defines; _class_of(super()) is None. Helper
# defines get_buffer returning 0, so super().get_buffer("b") (nn.Module.get_buffer: the input) is PY: `* 2` runs aten
# mul, float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

class Helper(nn.Module):
    def get_buffer(self, name):
        return 0


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        self.register_buffer("b", x)
        s = super().get_buffer("b") * 2
        v = float(super().get_buffer("b").reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
