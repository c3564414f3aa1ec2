# bans.torch_reason judges every torch name outside its allow-lists with the catch-all rule "torch_compute" (`head not
# in ALLOWED_TORCH` -> "computes with PyTorch"), and scan._Visitor.add drops every torch_compute finding inside the
# init region ("weight preprocessing"), except INTERNALS (private names) and names that escape uncalled. So *any*
# public torch submodule function is callable from ModelNew.__init__: torch.hub.load(dir, source="local") imports a
# hubconf.py, torch.utils.cpp_extension.load_inline compiles C++, torch.library re-implements aten ops, and here
# torch.utils.collect_env.run(cmd) runs a shell command through subprocess.Popen(shell=True). The contract adds nothing
# (name_reason returns None for torch; module_leak stops at the first non-module). Checked: the command's output.
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
        self.env = torch.utils.collect_env.run("echo subprocess-from-init user=$(id -un)")  # compute

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: m.env
