"""Compile a Gluon/Triton kernel for sm_90 on a machine without a GPU and print its resource report.

    python studies/conv2d_scale_min/compile_sm90.py [--dump DIR] [--stages 2] [--bk 32] [--regs 232]

Triton bundles ptxas, so `triton.compile(src, target=GPUTarget("cuda", 90, 32))` runs on a CPU-only box:
TTGIR, PTX and cubin of the warp-specialised conv are produced without device time. Arguments are
mangled from real (CPU) tensors and descriptors exactly as the JIT would on launch, then compiled.
Prints registers, shared memory, spills and ptxas' wgmma warnings; --dump writes .ttgir/.ptx/.sass.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import triton
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from triton.runtime.jit import mangle_type

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from studies.conv2d_scale_min import gluon_conv


def compile_kernel(fn, args: dict, constexprs: dict, num_warps: int, cap: int = 90):
    """Compile `fn` for sm_`cap` from example arguments (name -> value) and constexprs (name -> value)."""
    signature = {name: mangle_type(value) for name, value in args.items()}
    signature.update({name: "constexpr" for name in constexprs})
    src = GluonASTSource(fn, signature, constexprs)
    return triton.compile(src, target=GPUTarget("cuda", cap, 32), options={"num_warps": num_warps})


def conv_args(stages: int, bk: int, regs: int):
    x = torch.empty(2, 64, 16, 256)       # small stand-in: the compiled code does not depend on sizes
    weight = torch.empty(128, 64, 3, 3)
    xh, xh_desc, w_desc, _, meta = gluon_conv.prepare(x, weight, BK=bk)
    args = dict(x_ptr=x, xh_ptr=xh, xh_desc=xh_desc, w_desc=w_desc, b_ptr=torch.empty(128),
                out_ptr=torch.empty(2, 1, 14, 254), C_in=64, H=256, W=256, C_out=128, H_out=254, W_out=254,
                TILES_W=1, num_rows=64 * 254, scale=2.0)
    return args, dict(meta, STAGES=stages, CONSUMER_REGS=regs, RESTAGE_REGS=80, MAX_ROWS=256, RP=64)


def ptxas_report(ptx: str) -> str:
    """ptxas -v on the PTX (Triton's bundled ptxas): registers, spills, stack, and wgmma warnings."""
    from triton.backends.nvidia.compiler import get_ptxas
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "k.ptx"
        src.write_text(ptx)
        cp = subprocess.run([get_ptxas(90).path, "-arch=sm_90a", "-v", str(src), "-o", str(Path(d) / "k.cubin")],
                            capture_output=True, text=True)
    return (cp.stdout + cp.stderr).strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--stages", type=int, default=3)
    ap.add_argument("--bk", type=int, default=32)
    ap.add_argument("--regs", type=int, default=200)
    a = ap.parse_args(argv)
    args, consts = conv_args(a.stages, a.bk, a.regs)
    k = compile_kernel(gluon_conv._conv_scale_min_ws_kernel, args, consts, num_warps=4)
    md = k.metadata
    print(f"shared {md.shared} B  warps {md.num_warps}  wgmma in PTX: {len(re.findall('wgmma.mma_async', k.asm['ptx']))}")
    print(ptxas_report(k.asm["ptx"]))
    if a.dump:
        a.dump.mkdir(parents=True, exist_ok=True)
        for ext in ("ttgir", "llir", "ptx"):
            (a.dump / f"conv.{ext}").write_text(k.asm[ext])
        (a.dump / "conv.cubin").write_bytes(k.asm["cubin"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
