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
        n16 = (1, 2)
        n15 = (n16[0], n16[1])
        n14 = (n15[0], n15[1])
        n13 = (n14[0], n14[1])
        n12 = (n13[0], n13[1])
        n11 = (n12[0], n12[1])
        n10 = (n11[0], n11[1])
        n9 = (n10[0], n10[1])
        n8 = (n9[0], n9[1])
        n7 = (n8[0], n8[1])
        n6 = (n7[0], n7[1])
        n5 = (n6[0], n6[1])
        n4 = (n5[0], n5[1])
        n3 = (n4[0], n4[1])
        n2 = (n3[0], n3[1])
        n1 = (n2[0], n2[1])
        n0 = (n1[0], n1[1])
        s = n0[0] + 1
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
