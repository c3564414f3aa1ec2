"""conv2d_scale_min: the Gluon warp-specialised conv vs best.py, eager and torch.compile, in one process.

    python studies/conv2d_scale_min/gluon_variants.py [--only ws3 ws4] [--json OUT]

Correctness first, on every variant: the reference Model in fp32 with TF32 off (the evaluator's rule),
torch.rand inputs and the Model's own initialised weights per shape (computed once per shape), the output
poisoned with NaN before each call (an element never written fails), judged by the evaluator's `compare`
under the `tf32` policy (|diff| <= 1e-3 + 1e-3 |ref|), on the small, odd and full shape sets of
kernels/conv2d_scale_min/reference.py. Then timing at full size: triton.testing.do_bench medians (CUDA
events, L2 flushed between repetitions), every variant and baseline in this one process; eager and
torch.compile first, so a variant that hangs (killed by an outer `timeout`) cannot take them with it.
Rows are printed and written to --json as they come; one table last.
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
try:
    import pydantic  # noqa: F401
except ModuleNotFoundError:  # the GPU host has torch and triton only: a stand-in so evaluator.shared.precision imports
    import types

    class _Model:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    sys.modules["pydantic"] = types.SimpleNamespace(BaseModel=_Model)
from evaluator.oracle.correctness import compare  # noqa: E402 - after the pydantic stand-in above
from evaluator.shared.precision import POLICIES  # noqa: E402 - after the pydantic stand-in above
from studies.conv2d_scale_min import TRITON_WINNER  # noqa: E402 - after the pydantic stand-in above
from studies.conv2d_scale_min.gluon_conv import conv_scale_min_ws, conv_scale_min_wt  # noqa: E402 - after the pydantic stand-in above

PROBLEM = ROOT / "kernels" / "conv2d_scale_min"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REF = load(PROBLEM / "reference.py", "reference")
BEST = load(TRITON_WINNER, "best")

VARIANTS = {
    "ws3": dict(STAGES=3),
    "ws4": dict(STAGES=4),
    "ws3_rp32": dict(STAGES=3, RP=32),
    "ws2": dict(STAGES=2),
    "ws4_rp32": dict(STAGES=4, RP=32),
    "ws4_rp16": dict(STAGES=4, RP=16),
    "ws4_rp32_r208": dict(STAGES=4, RP=32, CONSUMER_REGS=208, RESTAGE_REGS=72),
    # The restager throttled to AHEAD output rows in front of the loader (scratch stays L2-resident).
    "ws4_a2": dict(STAGES=4, AHEAD=2),
    "ws4_a4": dict(STAGES=4, AHEAD=4),
}
# Transposed: one 8-warp consumer, wgmma M = output channels, N = 256 pixels; 2-warp restager (12 warps in all,
# so ptxas may give the m64n256 wgmma the 154+ registers it needs).
T_VARIANTS = {
    "wt4_rp32": dict(STAGES=4, RP=32, RESTAGE_REGS=80, LOADER_REGS=80),
    "wt4_rp64": dict(STAGES=4, RP=64, RESTAGE_REGS=96, LOADER_REGS=96),
    "wt4_rp32_a2": dict(STAGES=4, RP=32, RESTAGE_REGS=80, LOADER_REGS=80, AHEAD=2),
    "wt4_rp64_a2": dict(STAGES=4, RP=64, RESTAGE_REGS=96, LOADER_REGS=96, AHEAD=2),
    "wt4_rp64_a4": dict(STAGES=4, RP=64, RESTAGE_REGS=96, LOADER_REGS=96, AHEAD=4),
}


def launcher(name):
    if name in T_VARIANTS:
        return lambda x, w, b, s: conv_scale_min_wt(x, w, b, s, **T_VARIANTS[name])
    return lambda x, w, b, s: conv_scale_min_ws(x, w, b, s, **VARIANTS[name])


def make_cases():
    """(model, x, scale, fp32 reference with TF32 off) per shape of the small, odd and full sets."""
    cases = []
    torch.manual_seed(0)
    for set_name in ("small", "odd", "full"):
        for case in REF.SHAPES[set_name]:
            model = REF.Model(*case["init"]).cuda()
            x = torch.rand(*case["inputs"][0], device="cuda")
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
            with torch.no_grad():
                ref = model(x)
            torch.backends.cudnn.allow_tf32 = True
            cases.append((model, x, case["init"][3], ref))
    return cases


def check(fn, cases) -> tuple[bool, float, str]:
    ok, worst, why = True, 0.0, ""
    for model, x, scale, ref in cases:
        w, b = model.conv.weight.detach(), model.conv.bias.detach()
        torch.cuda.empty_cache()
        poison = torch.full((64 << 20,), float("nan"), device="cuda")  # freed memory holds NaN
        del poison
        v = compare(ref, fn(x, w, b, scale), POLICIES["tf32"])
        worst = max(worst, v.get("max_abs_err", float("inf")))
        if not v["ok"]:
            ok, why = False, why or f"{tuple(x.shape)}: {v['message'][:300]}"
    return ok, worst, why


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=list(VARIANTS) + list(T_VARIANTS))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", help="run this variant 5 times at full size and exit (for ncu)")
    ap.add_argument("--rep", type=int, default=300, help="do_bench measuring time per row, ms")
    a = ap.parse_args(argv)
    unknown = [n for n in a.only if n not in VARIANTS and n not in T_VARIANTS]
    if unknown:
        print(f"unknown variant(s) {unknown}; choose from {list(VARIANTS) + list(T_VARIANTS)}", file=sys.stderr)
        return 2
    full = REF.SHAPES["full"][0]
    torch.manual_seed(0)
    x = torch.rand(*full["inputs"][0], device="cuda")
    model = REF.Model(*full["init"]).cuda()
    w, b, scale = model.conv.weight.detach(), model.conv.bias.detach(), full["init"][3]
    if a.profile:
        fn = launcher(a.profile)
        for _ in range(5):
            fn(x, w, b, scale)
        torch.cuda.synchronize()
        return 0

    def bench(fn):
        return triton.testing.do_bench(fn, warmup=25, rep=a.rep, return_mode="median")

    dev = torch.cuda.get_device_name()
    rows = []

    def emit(row):
        rows.append(row)
        print(row, flush=True)
        if a.json:
            a.json.write_text(
                json.dumps(
                    {"device": dev, "torch": torch.__version__, "triton": triton.__version__, "rows": rows}, indent=1
                )
            )

    with torch.no_grad():
        eager = bench(lambda: model(x))
        emit(("eager", True, 0.0, eager, ""))
        compiled = torch.compile(model)
        compiled(x)
        comp = bench(lambda: compiled(x))
        emit(("torch.compile", True, 0.0, comp, ""))
    cases = make_cases()
    fns = {"best.py": lambda x, w, b, s: BEST.conv_scale_min(x, w, b, s)}
    fns.update({name: launcher(name) for name in a.only})
    for name, fn in fns.items():
        try:
            ok, err, why = check(fn, cases)
            ms = bench(lambda fn=fn: fn(x, w, b, scale)) if ok else float("nan")
            emit((name, ok, err, ms, why))
        except Exception as e:  # noqa: BLE001 - one broken variant must not hide the others
            emit((name, False, float("nan"), float("nan"), f"{type(e).__name__}: {str(e)[:300]}"))
    emit(("best.py (again)", True, 0.0, bench(lambda: fns["best.py"](x, w, b, scale)), ""))
    print(
        f"\n{dev}, torch {torch.__version__}, triton {triton.__version__}; full shape "
        f"{tuple(full['inputs'][0])}, do_bench median"
    )
    print(f"{'variant':<18}{'correct':>8}{'max abs err':>13}{'median ms':>11}{'vs eager':>10}{'vs compile':>11}")
    for name, ok, err, ms, why in rows:
        print(f"{name:<18}{ok!s:>8}{err:>13.2e}{ms:>11.3f}{eager / ms:>10.2f}{comp / ms:>11.2f}  {why[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
