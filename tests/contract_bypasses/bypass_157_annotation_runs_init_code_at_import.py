# Annotations are evaluated when the def statement runs: a method's at class creation, i.e. at import.
# definitions._own_calls_at_import walks a def's decorators and defaults (and a class's bases and body) but not its
# annotations, so `def forward(self, x: setup(True))` calls setup at import unseen. region._regions gives a module
# function reached only from __init__ the init region (the annotation's call has no owning function, so it is no host
# root), so setup's body may use any torch name (see bypass_09): at import it registers a *global* forward hook for
# every nn.Module (torch.nn.modules.module.register_module_forward_hook); ModelNew.__init__ calls setup(False), which
# does nothing and only makes setup init code. model(x) then returns after()'s output * 2.0 (aten.mul).
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


def setup(now):
    if now:
        torch.nn.modules.module.register_module_forward_hook(after)
    return now


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.ready = setup(False)

    def forward(self, x: setup(True)):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
