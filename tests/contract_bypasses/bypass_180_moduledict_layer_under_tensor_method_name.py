# nn.Module.__getattr__ returns a submodule for any name it was registered under. nn.ModuleDict({"view": layer}) is a
# layer class (Kinds._call_kind: TCONT); on a TCONT receiver Calls._method_call accepts any name in
# TENSOR_METHODS | PY_METHODS (not AMBIGUOUS), and `view` is one. scan's nn_module_call only knows `self.<layer>(...)`.
# At run time self.d.view is the nn.Linear: `self.d.view(x)` runs F.linear (aten addmm) on the input. Any registered
# name among TENSOR_METHODS/PY_METHODS that the holder class does not define works (nn.Module() + add_module,
# nn.Sequential().add_module, a module-level ModuleDict).
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
        self.d = nn.ModuleDict({"view": nn.Linear(8, 8)})

    def forward(self, x):
        y = self.d.view(x)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
