# Any launch keyword that is not a kernel parameter is a compile option. JITFunction.run (triton/runtime/jit.py)
# starts with `kwargs["debug"] = kwargs.get("debug", self.debug) or knobs.runtime.debug`: `v or ...` is bool(v),
# the tensor's value read into Python; a nonzero v is then formatted into the cache key (compute_cache_key:
# str(options) -> repr of the tensor, every value read) and given to backend.parse_options. Other options
# (enable_fp_fusion=v, launch_pdl=v, ...) reach str(options) the same way. contract._launch_values checks only
# CONFIG_KWARGS (num_warps, num_stages, num_ctas, maxnreg, kwargs) and the kernel's constexprs: `debug` is neither.
# (Same family as bypass_101, whose fix listed launch options instead of refusing every non-parameter keyword.)
# Needs a GPU to observe (the interpreter drops unknown keywords).
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

    def forward(self, x):
        v = x.reshape(-1)[0]
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256, debug=v)  # compute
        return out
