# torch.autograd.Function is an allowed base (CLASS_BASES). Since torch 2.0, Fn.apply(x) runs Fn.forward(x) and then
# calls Fn.setup_context(ctx, inputs, output) itself, with the real input tensors. The gate types a method's
# parameters from the call sites it sees (contract._params: only a method named `forward` gets TENSOR), and nothing in
# the module calls setup_context, so `inputs` is UNKNOWN and inputs[0] too: `inputs[0] * 2` (aten mul) and
# float(...) (a value read) pass _host_tensor_use. `Fn.apply(x)` passes _method_call because a receiver that is not
# `self` is checked against self.methods, every method name of every class: ModelNew's dummy `apply` (which also
# shadows nn.Module.apply harmlessly) is enough. Checked on CPU: forward runs aten.mul and _local_scalar_dense.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Fn(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x.clone()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.y = inputs[0] * 2  # compute
        s = float(inputs[0].reshape(-1)[0])
        ctx.s = s


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def apply(self, fn):
        return self

    def forward(self, x):
        y = Fn.apply(x)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
