# calls._autotune refuses triton.autotune / triton.Config keywords outside AUTOTUNE_KWARGS / CONFIG_KWARGS
# (pre_hook, post_hook, prune_configs_by, do_bench), but skips every keyword whose arg is None
# (`if kw.arg is not None and ...`): `triton.Config({...}, **HOOKS)` passes, with HOOKS a module-level dict literal
# (an allowed constant: it calls nothing). Config.pre_hook is then called by the Autotuner before each launch with the
# dict of the launch's arguments (the real tensors): prepare() computes dst = src * 2.0 (aten.mul), and the kernel
# only copies dst onto itself. `prepare`'s parameter has no call site the gate sees, so nargs[...] is UNKNOWN.
# triton.autotune(..., **{"prune_configs_by": ..., "do_bench": ...}) passes the same way.
import torch
import torch.nn as nn
import triton
import triton.language as tl


def prepare(nargs):
    nargs["dst_ptr"].copy_(nargs["src_ptr"] * 2.0)  # compute


HOOKS = {"pre_hook": prepare}


@triton.autotune(configs=[triton.Config({"BLOCK": 256}, **HOOKS)], key=["n"])
@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(dst_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel())
        return out
