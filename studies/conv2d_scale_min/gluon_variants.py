"""conv2d_scale_min: the Gluon warp-specialised conv vs best.py, eager and torch.compile, in one process.

    python studies/conv2d_scale_min/gluon_variants.py [--only ws3 ws4] [--json OUT]

Correctness first, on every variant: the fp32 reference with TF32 off (the evaluator's rule), fresh
torch.rand inputs and weights per shape, the output poisoned with NaN before the call (an element never
written fails), allclose atol = rtol = 1e-3 and the max abs error, on the full shape and the odd and small
shape sets of kernels/conv2d_scale_min/reference.py. Then timing at full size: triton.testing.do_bench
medians (CUDA events, L2 flushed between repetitions), every variant and baseline in this one process.
Prints one table last.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import torch
import triton

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from studies.conv2d_scale_min.gluon_conv import conv_scale_min_ws

PROBLEM = ROOT / "kernels" / "conv2d_scale_min"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REF = load(PROBLEM / "reference.py", "reference")
BEST = load(PROBLEM / "best.py", "best")

VARIANTS = {
    "ws3": dict(STAGES=3),
    "ws4": dict(STAGES=4),
    "ws3_rp32": dict(STAGES=3, RP=32),
    "ws2": dict(STAGES=2),
    "ws4_rp32": dict(STAGES=4, RP=32),
    "ws4_rp16": dict(STAGES=4, RP=16),
    "ws4_rp32_r208": dict(STAGES=4, RP=32, CONSUMER_REGS=208, RESTAGE_REGS=72),
}


def reference(x, w, b, scale):
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        return torch.nn.functional.conv2d(x.double(), w.double(), b.double()).mul(scale).amin(1, keepdim=True)
    finally:
        torch.backends.cudnn.allow_tf32 = True


def check(fn, cases) -> tuple[bool, float]:
    ok, worst = True, 0.0
    for init, shape in cases:
        c_in, c_out, k, scale = init
        x = torch.rand(*shape, device="cuda")
        w = (torch.rand(c_out, c_in, k, k, device="cuda") - 0.5) * (2 / (c_in * k * k) ** 0.5)
        b = torch.rand(c_out, device="cuda") - 0.5
        torch.cuda.empty_cache()
        poison = torch.full((64 << 20,), float("nan"), device="cuda")   # freed memory holds NaN
        del poison
        out = fn(x, w, b, scale)
        ref = reference(x, w, b, scale).float()
        err = (out - ref).abs().max().item() if out.shape == ref.shape else float("inf")
        good = out.shape == ref.shape and bool(torch.allclose(out, ref, atol=1e-3, rtol=1e-3))
        ok &= good and bool(torch.isfinite(out).all())
        worst = max(worst, err)
    return ok, worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=list(VARIANTS))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", help="run this variant 5 times at full size and exit (for ncu)")
    a = ap.parse_args(argv)
    cases = [(c["init"], c["inputs"][0]) for s in ("small", "odd", "full") for c in REF.SHAPES[s]]
    full = REF.SHAPES["full"][0]
    torch.manual_seed(0)
    x = torch.rand(*full["inputs"][0], device="cuda")
    model = REF.Model(*full["init"]).cuda()
    w, b, scale = model.conv.weight.detach(), model.conv.bias.detach(), full["init"][3]

    if a.profile:
        for _ in range(5):
            conv_scale_min_ws(x, w, b, scale, **VARIANTS[a.profile])
        torch.cuda.synchronize()
        return 0
    fns = {"best.py": lambda x, w, b, s: BEST.conv_scale_min(x, w, b, s)}
    for name in a.only:
        fns[name] = (lambda kw: lambda x, w, b, s: conv_scale_min_ws(x, w, b, s, **kw))(VARIANTS[name])
    rows = []
    for name, fn in fns.items():
        try:
            ok, err = check(fn, cases)
            ms = triton.testing.do_bench(lambda: fn(x, w, b, scale), warmup=50, rep=300, return_mode="median") \
                if ok else float("nan")
            rows.append((name, ok, err, ms))
        except Exception as e:  # noqa: BLE001 - one broken variant must not hide the others
            rows.append((name, False, float("nan"), float("nan")))
            print(f"{name}: {type(e).__name__}: {str(e)[:400]}", file=sys.stderr)
        print(rows[-1], flush=True)
    with torch.no_grad():
        eager = triton.testing.do_bench(lambda: model(x), warmup=50, rep=300, return_mode="median")
        compiled = torch.compile(model)
        compiled(x)
        comp = triton.testing.do_bench(lambda: compiled(x), warmup=50, rep=300, return_mode="median")
    rows.append(("eager", True, 0.0, eager))
    rows.append(("torch.compile", True, 0.0, comp))
    rerun = triton.testing.do_bench(lambda: fns["best.py"](x, w, b, scale), warmup=50, rep=300, return_mode="median")
    rows.append(("best.py (again)", True, 0.0, rerun))
    dev = torch.cuda.get_device_name()
    print(f"\n{dev}, torch {torch.__version__}, triton {triton.__version__}; full shape "
          f"{tuple(full['inputs'][0])}, do_bench median")
    print(f"{'variant':<18}{'correct':>8}{'max abs err':>13}{'median ms':>11}{'vs eager':>10}{'vs compile':>11}")
    for name, ok, err, ms in rows:
        print(f"{name:<18}{ok!s:>8}{err:>13.2e}{ms:>11.3f}{eager / ms:>10.2f}{comp / ms:>11.2f}")
    if a.json:
        a.json.write_text(json.dumps({"device": dev, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
