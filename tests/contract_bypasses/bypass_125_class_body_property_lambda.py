# A class-body attribute `sq = property(lambda self: ...)` (contract._module_level allows any Assign in a class body
# that names no def/method/class of the module, and `property` is a HOST_BUILTIN). The lambda is host code, but its
# parameter `self` has no call site the gate sees (Python's descriptor protocol calls it on `self.sq`), so _params
# types it UNKNOWN; `self.buf` on an UNKNOWN base is UNKNOWN, and _host_tensor_use refuses only TENSOR operands, so
# `self.buf * 2` (aten mul on the input) and float(...) (a value read) pass. In forward `self.sq` is an attribute read
# (no call to check; self_kinds/returns know no `sq`). Checked on CPU (TRITON_INTERPRET=1): forward runs aten.mul and
# aten._local_scalar_dense. bypass_04/66 used `@property def`; here no def exists at all.
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
        self.buf = None

    sq = property(lambda self: self.buf * 2)  # compute
    val = property(lambda self: float(self.buf.reshape(-1)[0]))

    def forward(self, x):
        self.buf = x
        y = self.sq
        s = self.val
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
