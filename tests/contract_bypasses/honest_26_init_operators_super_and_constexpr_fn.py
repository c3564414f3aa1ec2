# Session 25's rules, met by honest code: __init__ runs PyTorch's operators on weights (torch.einsum, F.normalize,
# torch.linalg.qr: operators, unlike torch.utils or torch.hub), calls nn.Module's weight methods (register_buffer, to,
# eval), names its class in super(ThisClass, self), builds a helper that subclasses another class of the module, and
# forward hands a jit function to a launch as a constexpr argument (the only place host code may name a kernel
# besides its launch).
import torch
import torch.nn as nn
import torch.nn.functional as F
import triton
import triton.language as tl


@triton.jit
def _relu(v):
    return tl.maximum(v, 0.0)


@triton.jit
def act_kernel(src_ptr, dst_ptr, n, ACT: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, ACT(tl.load(src_ptr + offs, mask=mask)), mask=mask)


class Prep(nn.Module):
    def __init__(self, w):
        super(Prep, self).__init__()
        self.register_buffer("w", F.normalize(torch.einsum("ij->ji", w), dim=0))


class Tuned(Prep):
    pass


class ModelNew(nn.Module):
    def __init__(self, n=8):
        super(ModelNew, self).__init__()
        self.prep = Tuned(torch.randn(n, n))
        self.linear = nn.Linear(n, n)
        with torch.no_grad():
            self.linear.weight.data.copy_(torch.linalg.qr(self.linear.weight)[0])
        self.to(torch.float32)
        self.eval()

    def forward(self, x):
        out = torch.empty_like(x)
        n = x.numel()
        act_kernel[(triton.cdiv(n, 256),)](x, out, n, ACT=_relu, BLOCK=256)
        return out
