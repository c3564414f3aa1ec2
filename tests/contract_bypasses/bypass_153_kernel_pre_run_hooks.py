# A kernel's name is not a module path, so operands._attribute judges `copy_kernel.<attr>` only for dunder/private
# names, and `.append` on a receiver of unknown kind is an allowed Python method. Triton's JITFunction (and the
# interpreter's InterpretedFunction) keeps a public list pre_run_hooks whose callables it runs at every launch with the
# launch's arguments (the real tensors): JITFunction.run does `for hook in self.pre_run_hooks: hook(*args, **kwargs)`.
# `before` is used as a value, hence host code, but its parameters have no call site the gate sees (UNKNOWN), so
# `src_ptr * 2.0` passes: aten.mul on the input, written back into it before the kernel copies it to out.
# copy_kernel.fn (the Python function under the kernel) is reachable the same way.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def before(src_ptr, dst_ptr, n, BLOCK):
    src_ptr.copy_(src_ptr * 2.0)  # compute


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel.pre_run_hooks.append(before)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
