# Same class as bypass_08, receiver an attribute: self.h is a Holder (SELF), Helper defines buffers() returning a
# list of floats, so self.h.buffers() is typed PY (Kinds._call_kind via self.returns) and _method_call allows it (a
# method of some class). At run time it is nn.Module.buffers(): the input registered on self.h in forward
# (register_buffer is allowed on any SELF receiver). list(...) of a PY value is PY, its items UNKNOWN: b * 2 runs
# aten mul, float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

class Holder(nn.Module):
    def __init__(self):
        super().__init__()


class Helper(nn.Module):
    def buffers(self):
        return [0.0]


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = Holder()

    def forward(self, x):
        self.h.register_buffer("b", x)
        for b in list(self.h.buffers()):
            s = b * 2
            v = float(b.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
