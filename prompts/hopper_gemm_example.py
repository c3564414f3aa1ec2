"""Gluon (triton.experimental.gluon, triton 3.6 API) fused GEMM epilogue for Hopper: the hopper stage's example.

    from prompts.hopper_gemm_example import gemm_bias_relu
    c = gemm_bias_relu(a, b, bias, scale)     # a [M, K], b [N, K] fp32 on an sm_90 GPU -> relu((a @ b.T + bias) * scale)

prompts/hopper.j2 includes this file verbatim; tests/test_hopper_example.py checks it on a GPU. Pieces:
- TMA (`tma.async_copy_global_to_shared`) fills a STAGES-deep ring of NVMMA-swizzled shared tiles; each
  stage has a `ready` mbarrier (expect-tx: completes when the bytes land) and an `empty` mbarrier (the
  consumer's release). Phases alternate 0/1 per lap of the ring: wait(ready[s], lap & 1); the producer
  waits on empty with the opposite parity, which a fresh barrier passes at once.
- `gl.warp_specialize`: the default partition (num_warps = 4, one warpgroup) runs the wgmma loop and the
  epilogue; a 1-warp worker issues the TMA loads. worker_num_regs gives the worker few registers so the
  consumer gets more (setmaxnreg).
- `warpgroup_mma(a_smem, b_smem.permute((1, 0)), acc, is_async=True)` then `warpgroup_mma_wait(1, deps=...)`:
  one wgmma in flight, so the previous stage is free to release. TF32 (fp32 operands) needs BOTH shared
  operands K-major: A as [BM, BK] and B as [BN, BK] tiles, K contiguous, B viewed transposed by permute.
- Epilogue: registers (wgmma layout) -> shared memory (`store`) -> `fence_async_shared()` -> TMA store.
  Going through shared memory is also how any layout change is done (`convert_layout` does it for you).
"""
from __future__ import annotations

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import (
    fence_async_shared,
    mbarrier,
    tma,
    warpgroup_mma,
    warpgroup_mma_wait,
)
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor


@gluon.jit
def _gemm_loader(a_desc, b_desc, a_bufs, b_bufs, ready, empty, K, STAGES: gl.constexpr):
    # 1 warp: keep the ring full. The expect-tx byte count makes `ready` complete when both tiles landed.
    BM: gl.constexpr = a_desc.block_type.shape[0]
    BN: gl.constexpr = b_desc.block_type.shape[0]
    BK: gl.constexpr = a_desc.block_type.shape[1]
    off_m = gl.program_id(0) * BM
    off_n = gl.program_id(1) * BN
    for i in range(gl.cdiv(K, BK)):
        s = i % STAGES
        mbarrier.wait(empty.index(s), ((i // STAGES) & 1) ^ 1)
        mbarrier.expect(ready.index(s), a_desc.block_type.nbytes + b_desc.block_type.nbytes)
        tma.async_copy_global_to_shared(a_desc, [off_m, i * BK], ready.index(s), a_bufs.index(s))
        tma.async_copy_global_to_shared(b_desc, [off_n, i * BK], ready.index(s), b_bufs.index(s))


@gluon.jit
def _gemm_consumer(c_desc, a_bufs, b_bufs, ready, empty, bias_ptr, N, K, scale, STAGES: gl.constexpr):
    # 4 warps (one warpgroup): acc[BM, BN] in registers, wgmma layout (instr 16 x BN x 8 for fp32 -> TF32).
    BM: gl.constexpr = c_desc.block_type.shape[0]
    BN: gl.constexpr = c_desc.block_type.shape[1]
    BK: gl.constexpr = a_bufs.shape[2]
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1],
                                                         instr_shape=[16, BN, 8])
    acc = gl.zeros([BM, BN], gl.float32, acc_layout)
    num_k = gl.cdiv(K, BK)
    for i in range(num_k):
        s = i % STAGES
        mbarrier.wait(ready.index(s), (i // STAGES) & 1)
        acc = warpgroup_mma(a_bufs.index(s), b_bufs.index(s).permute((1, 0)), acc, is_async=True)
        acc = warpgroup_mma_wait(num_outstanding=1, deps=(acc, ))       # the wgmma of step i-1 is done
        mbarrier.arrive(empty.index((i + STAGES - 1) % STAGES), pred=i > 0)
    acc = warpgroup_mma_wait(num_outstanding=0, deps=(acc, ))
    # Fused epilogue in registers: columns of acc are output features n.
    offs_n = gl.program_id(1) * BN + gl.arange(0, BN, layout=gl.SliceLayout(0, acc_layout))
    bias = gl.load(bias_ptr + offs_n, mask=offs_n < N, other=0.0)
    y = gl.maximum((acc + bias[None, :]) * scale, 0.0)
    # Registers -> shared (NVMMA layout) -> TMA store; the fence orders the generic stores before the async copy.
    c_smem = gl.allocate_shared_memory(gl.float32, [BM, BN], c_desc.layout)
    c_smem.store(y)
    fence_async_shared()
    tma.async_copy_shared_to_global(c_desc, [gl.program_id(0) * BM, gl.program_id(1) * BN], c_smem)
    tma.store_wait(pendings=0)


@gluon.jit
def _gemm_bias_relu_kernel(a_desc, b_desc, c_desc, bias_ptr, N, K, scale, STAGES: gl.constexpr):
    a_bufs = gl.allocate_shared_memory(gl.float32, [STAGES] + a_desc.block_type.shape, a_desc.layout)
    b_bufs = gl.allocate_shared_memory(gl.float32, [STAGES] + b_desc.block_type.shape, b_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)
        mbarrier.init(empty.index(i), count=1)
    gl.warp_specialize([
        (_gemm_consumer, (c_desc, a_bufs, b_bufs, ready, empty, bias_ptr, N, K, scale, STAGES)),
        (_gemm_loader, (a_desc, b_desc, a_bufs, b_bufs, ready, empty, K, STAGES)),
    ], [1], [24])


def gemm_bias_relu(a, b, bias, scale=1.0, BM=128, BN=128, BK=32, STAGES=3):
    """relu((a @ b.T + bias) * scale) for fp32 a [M, K], b [N, K] (K % 4 == 0: TMA strides are 16-byte multiples)."""
    M, K = a.shape
    N = b.shape[0]
    c = torch.empty((M, N), device=a.device, dtype=torch.float32)
    ab_layout = gl.NVMMASharedLayout.get_default_for([BM, BK], gl.float32)     # 128B swizzle, K-major
    a_desc = TensorDescriptor.from_tensor(a, [BM, BK], ab_layout)
    b_desc = TensorDescriptor.from_tensor(b, [BN, BK], gl.NVMMASharedLayout.get_default_for([BN, BK], gl.float32))
    c_desc = TensorDescriptor.from_tensor(c, [BM, BN], gl.NVMMASharedLayout.get_default_for([BM, BN], gl.float32))
    grid = (triton.cdiv(M, BM), triton.cdiv(N, BN))
    _gemm_bias_relu_kernel[grid](a_desc, b_desc, c_desc, bias, N, K, float(scale), STAGES=STAGES, num_warps=4)
    return c
