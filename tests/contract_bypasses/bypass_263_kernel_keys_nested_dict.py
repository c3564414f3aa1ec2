import torch
import torch.nn as nn
import triton
import triton.language as tl

# _kernel_keys takes every string key of every dict display anywhere inside a kernel's decorators as "a key its
# configs/heuristics set" (a Python value in meta). A dict nested in a heuristic lambda's body names "src_ptr",
# so the grid lambda's meta["src_ptr"] is typed PY, while Triton hands the grid the launch's tensor there.


@triton.heuristics(values={"BLOCK": lambda args: {"src_ptr": 256}["src_ptr"]})
@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        n = x.numel()
        # compute: meta["src_ptr"] is x; `* 2.0 + 1.0` and float() run on it inside the grid callable
        copy_kernel[lambda meta: (triton.cdiv(n, meta["BLOCK"]) + int(float(meta["src_ptr"][0, 0] * 2.0 + 1.0) * 0),)](
            x, out, n
        )
        return out
