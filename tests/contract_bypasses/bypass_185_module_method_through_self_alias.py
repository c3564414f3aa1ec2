# bypass_117's hole through an alias: Calls._class_of types only the literal first parameter `self`; `me = self` is
# SELF too, and for it _method_call accepts any method name defined by ANY class here, and Kinds._call_kind types the
# result as what that class's method returns (self.returns by name). Helper.get_buffer returns 0, so
# me.get_buffer("b") (nn.Module.get_buffer at run time: the input registered as buffer b) is PY: `* 2` runs aten mul
# and float(...) reads a value.
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
        me = self
        me.register_buffer("b", x)
        s = me.get_buffer("b") * 2
        v = float(me.get_buffer("b").reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
