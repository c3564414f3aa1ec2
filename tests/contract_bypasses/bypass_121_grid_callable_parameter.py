# The grid callable reaches the launch through a parameter of a launcher helper: copy_kernel[g](...) inside launch().
# Triton calls g(meta) and reads the returned grid as ints (the GPU launcher's PyLong conversion, the interpreter's
# range(grid[0])): `lambda meta: (v,)` returns a 0-dim tensor of the input, so the number of programs is the input's
# value, read into Python (bypass_99, reached another way). contract._callables(Name g) finds no def or lambda named g
# (it is a parameter), so neither _meta nor _launch_values look at the lambda's body; the lambda is given to a call,
# which _note_args only uses to type its parameters. Checked on CPU (TRITON_INTERPRET=1): with x[0,0] == 2 only the
# first 2 blocks of 256 run (out is partly left empty when numel > 512).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)




def launch(g, x, out):
    copy_kernel[g](x, out, x.numel(), BLOCK=256)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        v = x.to(torch.int64).reshape(-1)[0]
        out = torch.empty_like(x)
        launch(lambda meta: (v,), x, out)  # compute
        return out
