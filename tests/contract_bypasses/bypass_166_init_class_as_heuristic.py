# region._init_roots makes a class's __init__ init region (any PyTorch compute) when only ModelNew.__init__ builds
# it, and counts as "built elsewhere" only *calls* of the class's name (built_by: ast.Call with func Name). A module
# function used as a value is host code (region._regions' as_value), but a class used as a value is not: here Prep is
# built once in ModelNew.__init__ (so Prep.__init__ is init code) and also named as a triton.heuristics value, a
# callable Triton calls with the launch's argument dict before every launch. Prep(args) then runs Prep.__init__ on
# forward's input: args["src_ptr"].mul_(2.0), aten.mul_ on x, which the kernel copies out. The unused constexpr TAG
# receives the Prep instance. (The same holds for any callable slot: a sort key, a grid, a kernel's constexpr fn.)
import torch
import torch.nn as nn
import triton
import triton.language as tl


class Prep(nn.Module):
    def __init__(self, args):
        super().__init__()
        args["src_ptr"].mul_(2.0)  # compute (init region, run by the heuristic in forward)


@triton.heuristics({"TAG": Prep})  # compute
@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr, TAG: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.prep = Prep({"src_ptr": torch.ones(8)})

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: torch.equal(out, x)
