"""conv2d_scale_min: Winograd F(2x2, 3x3) variants, checked and timed at full size next to best.py.

    python -m studies.conv2d_scale_min.winograd_variants                 # all variants, table last
    python -m studies.conv2d_scale_min.winograd_variants --only D8s2 --profile D8s2   # one warm call, for ncu

The kernels are in studies/conv2d_scale_min/winograd_kernels.py: V = B^T d B built in registers straight from NCHW x
(no channels-last restage), U = G g G^T by a small kernel per call, 16 tl.dot GEMMs (K = C_in) per
2x2 output tile, output transform A^T M A accumulated in four [tiles, C_out] registers blocks, then
bias, scale and the channel min. `static` unrolls the 16 positions; `dyn` walks them in one runtime loop
that the software pipeliner can prefetch.

Correctness and timing follow studies/conv2d_scale_min/conv_variants.py (evaluator.oracle.correctness.compare under
`tf32` against the
TF32-off fp32 reference on the full and odd shapes; evaluator.shared.timing.benchmark: fresh inputs and an L2
flush before every repetition).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

import torch  # noqa: E402

from studies.conv2d_scale_min import TRITON_WINNER  # noqa: E402
from studies.conv2d_scale_min.conv_variants import check, reference  # noqa: E402
from studies.conv2d_scale_min.winograd_kernels import (  # noqa: E402
    LAST,
    conv3x3_scale_min_nhwc,
    conv3x3_scale_min_rowloop,
    conv3x3_scale_min_rows,
    conv3x3_scale_min_variant,
)

VARIANTS = {
    "S8": dict(kernel="static", BT=64, BK=64, num_warps=8, num_stages=1),
    "S16": dict(kernel="static", BT=64, BK=64, num_warps=16, num_stages=1),
    "S4t32": dict(kernel="static", BT=32, BK=64, num_warps=4, num_stages=1),
    "D8s2": dict(kernel="dyn", BT=64, BK=64, num_warps=8, num_stages=2),
    "D8s3k32": dict(kernel="dyn", BT=64, BK=32, num_warps=8, num_stages=3),
    "D8s2k32": dict(kernel="dyn", BT=64, BK=32, num_warps=8, num_stages=2),
    "D16s2": dict(kernel="dyn", BT=64, BK=64, num_warps=16, num_stages=2),
    "D16t128": dict(kernel="dyn", BT=128, BK=32, num_warps=16, num_stages=2),
    # row strips (16-byte loads along w), positions unrolled
    "RS": dict(kernel="rows", BT=64, BK=32, TILES_M=False, num_warps=8, num_stages=1),
    "RSm": dict(kernel="rows", BT=64, BK=32, TILES_M=True, num_warps=8, num_stages=1),
    "RS32": dict(kernel="rows", BT=32, BK=32, TILES_M=False, num_warps=4, num_stages=1),
    # row strips, runtime loop over the 4 row transforms x channel chunks
    "RDk16s2": dict(kernel="rowloop", BT=64, BK=16, num_warps=8, num_stages=2),
    "RDk16s3": dict(kernel="rowloop", BT=64, BK=16, num_warps=8, num_stages=3),
    "RDk32s2": dict(kernel="rowloop", BT=64, BK=32, num_warps=8, num_stages=2),
    "RDk32s1": dict(kernel="rowloop", BT=64, BK=32, num_warps=8, num_stages=1),
    "RDk64s1": dict(kernel="rowloop", BT=64, BK=64, num_warps=8, num_stages=1),
    "RDt32": dict(kernel="rowloop", BT=32, BK=32, num_warps=4, num_stages=2),
    # restage to channels-last, then Winograd over it (channel-contiguous tiles)
    "NWk32s2": dict(kernel="nhwc", BT=64, BK=32, num_warps=8, num_stages=2),
    "NWk32s1": dict(kernel="nhwc", BT=64, BK=32, num_warps=8, num_stages=1),
    "NWk32s3": dict(kernel="nhwc", BT=64, BK=32, num_warps=8, num_stages=3),
    "NWk16s3": dict(kernel="nhwc", BT=64, BK=16, num_warps=8, num_stages=3),
    "NWk64s1": dict(kernel="nhwc", BT=64, BK=64, num_warps=8, num_stages=1),
    "NWk64s2": dict(kernel="nhwc", BT=64, BK=64, num_warps=8, num_stages=2),
    "NWt128": dict(kernel="nhwc", BT=128, BK=32, num_warps=16, num_stages=2),
}
KERNELS = {
    "static": conv3x3_scale_min_variant,
    "dyn": conv3x3_scale_min_variant,
    "rows": conv3x3_scale_min_rows,
    "rowloop": conv3x3_scale_min_rowloop,
    "nhwc": conv3x3_scale_min_nhwc,
}


def load_best():
    spec = importlib.util.spec_from_file_location("best", TRITON_WINNER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.conv_scale_min


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="variant names (default: all, plus best.py)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", help="run this variant: 2 warm-up calls, then 1 call (for ncu)")
    ap.add_argument("--target-ms", type=float, default=100.0)
    args = ap.parse_args()
    from evaluator.shared.loader import load_problem
    from evaluator.shared.problem import import_file

    problem = import_file(load_problem("conv2d_scale_min").path, "_conv2d_scale_min")

    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = problem.Model(*problem.get_init_inputs()).to(dev).eval()
    w, b, scale = model.conv.weight.detach(), model.conv.bias.detach(), model.scale_factor
    shape = (problem.batch_size, problem.in_channels, problem.height, problem.width)
    fns = {}
    for name, kw in VARIANTS.items():
        kw = dict(kw)
        fn = KERNELS[kw["kernel"]]
        if fn is not conv3x3_scale_min_variant:
            kw.pop("kernel")
        fns[name] = lambda xx, ww, bb, ss, fn=fn, kw=kw: fn(xx, ww, bb, ss, **kw)
    fns["best.py"] = load_best()
    if args.profile:
        x = torch.rand(*shape, device=dev)
        for _ in range(3):
            fns[args.profile](x, w, b, scale)
        torch.cuda.synchronize()
        print(f"profiled {args.profile}")
        return 0

    from evaluator.shared.timing import benchmark

    names = args.only or list(fns)
    x = torch.rand(*shape, device=dev)
    ref = reference(model, x)
    odd = []
    for cin, cout, k, s, shp in [
        (5, 61, 3, 2.0, (3, 5, 37, 45)),
        (5, 61, 3, 2.0, (3, 5, 36, 44)),
        (3, 7, 3, -0.5, (1, 3, 11, 20)),
        (64, 128, 3, 2.0, (2, 64, 33, 70)),
    ]:
        m = problem.Model(cin, cout, k, s).to(dev).eval()
        xo = torch.rand(*shp, device=dev)
        odd.append((m, xo, reference(m, xo)))
    make = lambda: [torch.rand(*shape, device=dev)]  # noqa: E731
    rows = []
    for name in names:
        row = {"variant": name, **VARIANTS.get(name, {})}
        try:
            t0 = time.perf_counter()
            LAST.clear()
            out = fns[name](x, w, b, scale)
            torch.cuda.synchronize()
            row["first_call_s"] = round(time.perf_counter() - t0, 2)
            if "kernel" in LAST:
                row["regs"], row["spills"] = LAST["kernel"].n_regs, LAST["kernel"].n_spills
                row["smem"] = LAST["kernel"].metadata.shared
            row["ok"], row["max_abs_err"] = check(out, ref)
            for m, xo, r in odd:
                ok, e = check(fns[name](xo, m.conv.weight.detach(), m.conv.bias.detach(), m.scale_factor), r)
                row["ok"] &= ok
                row["odd_err"] = max(row.get("odd_err", 0.0), e)
            st = benchmark(lambda xx: fns[name](xx, w, b, scale), make, target_ms=args.target_ms)
            row.update(median_ms=st["median_ms"], iqr_ms=st["iqr_ms"], reps=st["reps"])
        except Exception as e:  # noqa: BLE001 - report and go on
            row["error"] = f"{type(e).__name__}: {str(e)[:300]}"
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
        ok = [r for r in rows if r.get("ok") and r["variant"] in VARIANTS]
        if ok:  # the fastest correct variant, for a follow-up `--profile` under ncu
            args.json.with_suffix(".fastest").write_text(min(ok, key=lambda r: r["median_ms"])["variant"])
    print(
        f"\n{'variant':9} {'ok':>5} {'median ms':>10} {'IQR':>7} {'max err':>9} {'odd err':>9} {'regs':>5} "
        f"{'spills':>6}  config"
    )
    for r in sorted(rows, key=lambda r: r.get("median_ms", 1e9)):
        if "error" in r:
            print(f"{r['variant']:9} ERROR {r['error'][:160]}")
            continue
        cfg = {k: r[k] for k in ("kernel", "BT", "BK", "TILES_M", "num_warps", "num_stages") if k in r}
        print(
            f"{r['variant']:9} {str(r['ok']):>5} {r['median_ms']:10.3f} {r['iqr_ms']:7.3f} "
            f"{r['max_abs_err']:9.2e} {r['odd_err']:9.2e} {r.get('regs', '-'):>5} {r.get('spills', '-'):>6}  {cfg}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
