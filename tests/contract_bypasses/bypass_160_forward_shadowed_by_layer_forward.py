# Rule 8 ("a method of self is never also stored on self", calls._method_call's SELF branch) is judged only at an
# explicit call `self.<m>(...)` in host code. forward is never called by name: the evaluator runs model(*args), i.e.
# nn.Module.__call__ -> _call_impl, which reads `self.forward` from the instance. ModelNew.__init__ stores the bound
# method of a weight-holding layer under that name (`self.forward = self.lin.forward`): nn.Module.__setattr__ puts a
# bound method in the instance __dict__, which shadows the class's forward (a non-data descriptor). No rule reads
# the store: `self.lin.forward` is an attribute of self (no module path, no tensor-method value: the receiver is a
# layer), uncalled, so scan's nn_module_call (calls only) and calls._init_method_call (calls only) never see it.
# m(x) then runs nn.Linear's forward, F.linear: aten.addmm (or mm) on the input. The kernel below never runs.
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
        self.lin = nn.Linear(8, 8)
        self.forward = self.lin.forward  # compute

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: torch.allclose(out, torch.nn.functional.linear(x, m.lin.weight, m.lin.bias))
