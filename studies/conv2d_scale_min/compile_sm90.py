"""Compile a Gluon/Triton kernel for sm_90 on a machine without a GPU and print its resource report.

    python studies/conv2d_scale_min/compile_sm90.py [--dump DIR] [--stages 2] [--bk 32] [--regs 232]
        [--ahead 2] [--transposed] [--rp 64]
    python studies/conv2d_scale_min/compile_sm90.py --winograd [--stages 6]  # unset sizes: the launcher's

Triton bundles ptxas, so `triton.compile(src, target=GPUTarget("cuda", 90, 32))` runs on a CPU-only box:
TTGIR, PTX and cubin of the warp-specialised conv are produced without device time. Arguments are
mangled from real (CPU) tensors and descriptors exactly as the JIT would on launch, then compiled.
Prints registers, shared memory, spills and ptxas' wgmma warnings (and, for the register kernels, the A-register
hazards sass_hazards.py finds); --dump writes .ttgir/.llir/.ptx/.cubin/.sass.
"""

from __future__ import annotations

import argparse
import inspect
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


def conv_args(
    stages: int,
    bk: int,
    regs: int,
    ahead: int = 0,
    transposed: bool = False,
    rp: int = 64,
    restage_regs: int = 80,
    rw: int = 2,
    loader_regs: int = 80,
):
    x = torch.empty(2, 64, 16, 256)  # small stand-in: the compiled code does not depend on sizes
    weight = torch.empty(128, 64, 3, 3)
    if transposed:
        xh, xh_desc, w_desc, _, meta = gluon_conv.prepare(x, weight, 256, bk, BN_MIN=128)
    else:
        xh, xh_desc, w_desc, _, meta = gluon_conv.prepare(x, weight, BK=bk)
    args = dict(
        x_ptr=x,
        xh_ptr=xh,
        xh_desc=xh_desc,
        w_desc=w_desc,
        b_ptr=torch.empty(128),
        out_ptr=torch.empty(2, 1, 14, 254),
        C_in=64,
        H=256,
        W=256,
        C_out=128,
        H_out=254,
        W_out=254,
        TILES_W=1,
        num_rows=64 * 254,
        scale=2.0,
    )
    consts = dict(meta, STAGES=stages, RESTAGE_REGS=restage_regs, MAX_ROWS=256, RP=rp, AHEAD=ahead)
    if transposed:
        return args, dict(consts, NUM_WARPS=8, RW=rw, LOADER_REGS=loader_regs)
    return args, dict(consts, CONSUMER_REGS=regs)


def winograd_args(stages: int, regs: int, restage_regs: int = 80, tp: int = 32):
    """gluon_winograd's kernel arguments from CPU stand-ins (U is not computed: only its shape matters)."""
    from triton.experimental.gluon import language as gl
    from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

    from studies.conv2d_scale_min import gluon_winograd

    bm, bk, bn, c_pad, t = 64, 32, 128, 64, 127
    v = torch.empty(2 * 256, 4, t, c_pad)
    v_desc = TensorDescriptor(
        v,
        list(v.shape),
        list(v.stride()),
        [1, 1, bm, bk],
        gl.NVMMASharedLayout.get_default_for([1, 1, bm, bk], gl.float32),
    )
    u = torch.empty(12 * bn, c_pad)
    u_desc = TensorDescriptor(
        u, list(u.shape), list(u.stride()), [bn, bk], gl.NVMMASharedLayout.get_default_for([bn, bk], gl.float32)
    )
    args = dict(
        x_ptr=torch.empty(2, 64, 256, 256),
        v_ptr=v,
        v_desc=v_desc,
        u_desc=u_desc,
        b_ptr=torch.empty(128),
        out_ptr=torch.empty(2, 1, 254, 254),
        C_in=64,
        H=256,
        W=256,
        C_out=128,
        H_out=254,
        W_out=254,
        T=t,
        TILES_W=1,
        num_rows=2 * 254,
        scale=2.0,
    )
    consts = dict(C_PAD=c_pad, CB=c_pad, BM=bm, BN=bn, BK=bk, STAGES=stages, MAX_ROWS=256, TP=tp)
    consts.update(CONSUMER_REGS=regs, RESTAGE_REGS=restage_regs)
    return gluon_winograd._conv_scale_min_f23_kernel, args, consts


def _register_kernel_args(weights: str, weight_rows: int, N: int, c_pad: int, tiles_w: int) -> dict:
    """The arguments gluon_winograd_rs's and gluon_direct_rs's kernels share, from CPU stand-ins: the NCHW x
    descriptor ([1, 8, 1, 32] boxes, 128-byte swizzle), a [weight_rows, c_pad] weight descriptor named `weights`
    ([N, 8] tiles; its values are not computed: only the shape matters), and #32's sizes for two images."""
    from triton.experimental.gluon import language as gl
    from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

    w = torch.empty(weight_rows, c_pad)
    w_layout = gl.NVMMASharedLayout.get_default_for([N, 8], gl.float32)
    x = torch.empty(2, 64, 256, 256)
    box = gl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=32, rank=4)
    return {
        "x_desc": TensorDescriptor(x, list(x.shape), list(x.stride()), [1, 8, 1, 32], box),
        weights: TensorDescriptor(w, list(w.shape), list(w.stride()), [N, 8], w_layout),
        "b_ptr": torch.empty(128),
        "out_ptr": torch.empty(2, 1, 254, 254),
        "C_out": 128,
        "H_out": 254,
        "W_out": 254,
        "TILES_W": tiles_w,
        "num_rows": 2 * 254,
        "scale": 2.0,
    }


def winograd_rs_args(stages: int, regs: int, prefetch: bool):
    """gluon_winograd_rs's kernel arguments from CPU stand-ins (U: [12 * BN, C_pad])."""
    from studies.conv2d_scale_min import gluon_winograd_rs

    BN, N, c_pad, _, tiles_w = gluon_winograd_rs.sizes(64, 128, 256)
    args = _register_kernel_args("u_desc", 12 * BN, N, c_pad, tiles_w)
    consts = dict(BN=BN, N=N, BK=8, C_PAD=c_pad, STAGES=stages, CONSUMER_REGS=regs, PREFETCH=prefetch)
    return gluon_winograd_rs._conv_scale_min_f23_rs_kernel, args, consts


def winograd_resident_args(
    stages: int | None, regs: int, prefetch: bool, prefetch_l2: bool, ahead: bool, lookahead: bool = True
):
    """gluon_winograd_resident's kernel arguments from CPU stand-ins (U: [12 * BN, C_pad], [N, 8] tiles of one
    output-channel half; stages: default as many x slots as fit beside U)."""
    from studies.conv2d_scale_min import gluon_winograd_resident as res

    BN, N, c_pad, _, tiles_w, slots = res.resident_sizes(64, 128, 256)
    args = _register_kernel_args("u_desc", 12 * BN, N, c_pad, tiles_w)
    args.update(x_ptr=torch.empty(2, 64, 256, 256), C_in=64, H=256, W_ROW=256)
    consts = dict(BN=BN, N=N, BK=8, C_PAD=c_pad, STAGES=min(stages or slots, slots), CONSUMER_REGS=regs)
    consts.update(PREFETCH=prefetch, EARLY_RELEASE=True, PREFETCH_L2=prefetch_l2, AHEAD=ahead, LOOKAHEAD=lookahead)
    return res._conv_scale_min_f23_resident_kernel, args, consts


def direct_rs_args(stages: int, regs: int, prefetch: bool, ahead: bool, lookahead: bool = True):
    """gluon_direct_rs's kernel arguments from CPU stand-ins (the weights: [9 * BN, C_pad])."""
    from studies.conv2d_scale_min import gluon_direct_rs

    BN, N, c_pad, tiles_w = gluon_direct_rs.sizes(64, 128, 256)
    args = _register_kernel_args("w_desc", 9 * BN, N, c_pad, tiles_w)
    consts = dict(BN=BN, N=N, BK=8, C_PAD=c_pad, STAGES=stages, CONSUMER_REGS=regs, PREFETCH=prefetch, AHEAD=ahead)
    consts.update(LOOKAHEAD=lookahead)
    return gluon_direct_rs._conv_scale_min_direct_rs_kernel, args, consts


def ptxas_report(ptx: str) -> str:
    """ptxas -v on the PTX (Triton's bundled ptxas): registers, spills, stack, and wgmma warnings."""
    from triton.backends.nvidia.compiler import get_ptxas

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "k.ptx"
        src.write_text(ptx)
        cp = subprocess.run(
            [get_ptxas(90).path, "-arch=sm_90a", "-v", str(src), "-o", str(Path(d) / "k.cubin")],
            capture_output=True,
            text=True,
        )
    return (cp.stdout + cp.stderr).strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--stages", type=int, help="default: 3, or the Winograd launcher's")
    ap.add_argument("--bk", type=int, default=32)
    ap.add_argument("--regs", type=int, help="consumer registers; default: 200, or the Winograd launcher's")
    ap.add_argument("--ahead", type=int, default=0, help="restager throttle (rows ahead of the loader; 0 = off)")
    ap.add_argument("--rp", type=int, help="default: 64, or the Winograd launcher's TP")
    ap.add_argument("--restage-regs", type=int, help="default: 80, or the Winograd launcher's")
    ap.add_argument("--rw", type=int, default=2, help="restager warps (transposed kernel)")
    ap.add_argument("--loader-regs", type=int, default=80, help="loader registers (transposed kernel)")
    ap.add_argument("--transposed", action="store_true", help="the 8-warp consumer kernel (M = out channels)")
    ap.add_argument("--winograd", action="store_true", help="gluon_winograd's F(2,3) kernel (--rp: tiles per pass)")
    ap.add_argument("--winograd-rs", action="store_true", help="gluon_winograd_rs's kernel (V in registers)")
    ap.add_argument("--direct-rs", action="store_true", help="gluon_direct_rs's kernel (no restage, A in registers)")
    ap.add_argument("--winograd-resident", action="store_true", help="gluon_winograd_resident's kernel (U resident)")
    ap.add_argument(
        "--prefetch",
        choices=("on", "off"),
        help="register kernels: the next stage's x loaded while this stage's wgmmas run; default: the launcher's",
    )
    ap.add_argument(
        "--const",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a constexpr of the kernel set outright, e.g. AHEAD=True (ints and True/False; repeatable)",
    )
    a = ap.parse_args(argv)
    # Unset sizes take the launcher's own defaults, so a bare --winograd(-rs) compiles what the GPU would run.
    register_kernel = a.winograd_rs or a.direct_rs or a.winograd_resident  # A in registers
    if a.winograd or register_kernel:
        from studies.conv2d_scale_min import gluon_direct_rs, gluon_winograd, gluon_winograd_resident, gluon_winograd_rs

        launcher = gluon_winograd_rs.conv_scale_min_f23_rs if a.winograd_rs else gluon_winograd.conv_scale_min_f23
        launcher = gluon_direct_rs.conv_scale_min_direct_rs if a.direct_rs else launcher
        launcher = gluon_winograd_resident.conv_scale_min_f23_resident if a.winograd_resident else launcher
        launch = inspect.signature(launcher).parameters
        given = dict(stages="STAGES", regs="CONSUMER_REGS", restage_regs="RESTAGE_REGS", rp="TP")
        given = {name: launch[key].default for name, key in given.items() if key in launch}
        prefetch = launch["PREFETCH"].default if a.prefetch is None and "PREFETCH" in launch else a.prefetch == "on"
    else:
        given = dict(stages=3, regs=200, restage_regs=80, rp=64)
    for name, default in given.items():
        if getattr(a, name) is None:
            setattr(a, name, default)
    if a.winograd_resident:
        fn, args, consts = winograd_resident_args(
            a.stages,
            a.regs,
            prefetch,
            launch["PREFETCH_L2"].default,
            launch["AHEAD"].default,
            launch["LOOKAHEAD"].default,
        )
    elif a.direct_rs:
        fn, args, consts = direct_rs_args(  # --const overrides
            a.stages, a.regs, prefetch, launch["AHEAD"].default, launch["LOOKAHEAD"].default
        )
    elif a.winograd_rs:
        fn, args, consts = winograd_rs_args(a.stages, a.regs, prefetch)
    elif a.winograd:
        fn, args, consts = winograd_args(a.stages, a.regs, a.restage_regs, a.rp)
    else:
        args, consts = conv_args(
            a.stages, a.bk, a.regs, a.ahead, a.transposed, a.rp, a.restage_regs, a.rw, a.loader_regs
        )
        fn = gluon_conv._conv_scale_min_wt_kernel if a.transposed else gluon_conv._conv_scale_min_ws_kernel
    for item in a.const:
        name, _, value = item.partition("=")
        consts[name] = {"True": True, "False": False}[value] if value in ("True", "False") else int(value)
    k = compile_kernel(fn, args, consts, num_warps=8 if a.transposed else 4)
    md = k.metadata
    print(
        f"shared {md.shared} B  warps {md.num_warps}  wgmma in PTX: {len(re.findall('wgmma.mma_async', k.asm['ptx']))}"
    )
    print(ptxas_report(k.asm["ptx"]))
    if register_kernel:  # A in registers: none may be overwritten while its wgmma runs
        from studies.conv2d_scale_min.sass_hazards import hazards, sass_of

        with tempfile.TemporaryDirectory() as d:
            cubin = Path(d) / "k.cubin"
            cubin.write_bytes(k.asm["cubin"])
            found = hazards(sass_of(cubin))
        print(f"A-register hazards in the SASS (sass_hazards.py): {len(found)}", *found[:3], sep="\n  ")
    if a.dump:
        a.dump.mkdir(parents=True, exist_ok=True)
        for ext in ("ttgir", "llir", "ptx"):
            (a.dump / f"conv.{ext}").write_text(k.asm[ext])
        (a.dump / "conv.cubin").write_bytes(k.asm["cubin"])
        from studies.conv2d_scale_min.sass_hazards import sass_of

        (a.dump / "conv.sass").write_text(sass_of(a.dump / "conv.cubin"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
