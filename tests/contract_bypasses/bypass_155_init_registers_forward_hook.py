# In the init region the contract checks names but no method call (calls._call runs _host_call, hence _method_call,
# only for HOST), so ModelNew.__init__ may call any nn.Module method on self, register_forward_hook included (in
# forward, `self.register_forward_hook` is refused: not a method of this module's classes). The evaluator runs
# model(*args) (evaluator/child/trial.py), i.e. nn.Module.__call__, which calls the hook with the input and forward's
# output after forward and returns the hook's value instead: after() computes output * 2.0 (aten.mul). `after` is used
# as a value, so host code, but its parameters have no call site the gate sees (UNKNOWN). Same with
# register_forward_pre_hook (rewrites the inputs), register_full_backward_hook, a buffer's register_hook, and
# torch.nn.utils.parametrize.register_parametrization (torch_compute waived in init, see bypass_09).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def after(module, args, output):
    return output * 2.0  # compute


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_forward_hook(after)

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
