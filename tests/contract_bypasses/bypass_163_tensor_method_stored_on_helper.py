# Two of session 25's rules, each judged too narrowly. (7) operands._bound_method refuses a tensor's method taken as
# a value only when the receiver's kind is TENSOR; in __init__ `self.get_parameter("w")` (an nn.Module method in
# INIT_MODULE_METHODS) returns the weight but is not typed TENSOR, so `self.get_parameter("w").mul` is a bound
# tensor method the gate lets pass as a value. (8) calls._method_call refuses a method call whose name is also stored
# on self only in its SELF branch (`self.op(...)` with op in self_set); storing it on *another* instance of a class
# of this module (`self.h.scale = ...`: stored_elsewhere) and calling `self.h.scale(x)` is accepted as a call of
# Helper.scale, typed by its `return v`. At runtime the instance attribute shadows the method: w.mul(x), aten.mul on
# the input in forward.
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
    def scale(self, v):
        return v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = Helper()
        self.w = nn.Parameter(torch.full((8,), 3.0))
        self.h.scale = self.get_parameter("w").mul  # compute (stored)

    def forward(self, x):
        y = self.h.scale(x)  # compute: w.mul(x)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: torch.allclose(out, x * 3.0)
