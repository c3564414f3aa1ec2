# torch.tensor(data=[v, v]) is torch.tensor([v, v]) (bypass_105) with the data passed by keyword: a list of 0-dim
# tensors is converted element by element through Tensor.item() (checked on CPU: tensor([4, 4]) for v == 4; on a GPU
# each item is a device-to-host read). contract._size_parts refuses a container holding a tensor only as the
# *positional* first argument of torch.tensor/as_tensor (`firsts`), and drops every keyword named input/data/tensor
# (`skip`) from the checked `rest`, for every library call.
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
        v = x.to(torch.int64).reshape(-1)[0]
        out = torch.empty_like(x)
        s = torch.tensor(data=[v, v])
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
