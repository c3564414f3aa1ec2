# A @triton.jit function is device region: the contract checks there only names (tl / gl, builtins, no torch path, no
# plain module function) and calls of module paths (calls._device_call); a method call on a value (`.mul`, `.copy_`,
# `.item()`) and Python operators are never judged, since on a GPU the body must compile as Triton. But a jit function
# can be *called by Triton on the host* instead of launched: as a heuristics value (or a grid, a pre_run_hook, a
# pre_hook). Under TRITON_INTERPRET=1 (the CPU path the contract docstring names) InterpretedFunction.__call__ runs the
# body as plain Python with the launch's real arguments: pick_block computes dst = src * 2 with torch (aten.mul) and
# returns the BLOCK. On a GPU JITFunction.__call__ raises instead; the hole is the interpreter's.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def pick_block(nargs):
    nargs["dst_ptr"].copy_(nargs["src_ptr"].mul(2.0))  # compute
    return 256


@triton.heuristics({"BLOCK": pick_block})
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
