# triton.Config / triton.autotune take only the keywords CONFIG_KWARGS / AUTOTUNE_KWARGS, spelled out
# (calls._autotune: a `**opts` or a keyword outside the list is refused). calls._autotune reads node.keywords only,
# never positional arguments, and Config's signature is (kwargs, num_warps, num_stages, num_ctas, maxnreg, pre_hook):
# the sixth positional argument *is* pre_hook (autotune's sixth, likewise, is its pre_hook, the eleventh do_bench).
# The hook here is the builtin print (a HOST_BUILTINS name, so as a value it is unjudged): the autotuner calls
# config.pre_hook(full_nargs) before each launch, and print formats every kernel argument, i.e. reads the input's
# values into Python in forward (aten abs/max/... and _local_scalar_dense; `print(x)` itself is refused in host code).
# A module function as the hook is judged as host code, but any callable works (print, a bound method).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.autotune(configs=[triton.Config({"BLOCK": 256}, 4, 1, 1, None, print)], key=["n"])  # compute
@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel())
        return out
