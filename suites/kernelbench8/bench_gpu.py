"""Full-size GPU table for the suite: each reply checked against the fp32 reference, then eager,
torch.compile and every reply timed the same way.

    python suites/kernelbench8/bench_gpu.py [PROBLEM ...] [--replies 02_memory,03_tuning] [--json OUT]
        [--timeout-s 150] [--target-ms 40] [--no-baselines]

Correctness: reference in fp32 with TF32 off (matmul and cuDNN), allclose at atol = rtol = 1e-3
(integer outputs exactly), at the problem's full KernelBench shape and at one odd shape (sizes that are
not multiples of 16/32/64). Timing: evaluator.shared.timing.benchmark, the evaluator's own method (fresh
inputs drawn on the GPU before every repetition, L2 flushed, CUDA events, device synchronised,
median over >= target-ms of work). Baselines run with PyTorch's defaults (matmul TF32 off, cuDNN TF32
on), as the evaluator's baselines do; for the GEMM problems a torch.compile with matmul TF32 allowed
is timed too ("compile+tf32"), since the kernels use TF32 tensor cores.
Each problem runs in its own child process with a time limit, so a hung or crashed kernel costs its
problem only. Prints one markdown table; --json writes every number.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loader import PROBLEMS, REPO, load_candidate, load_problem, replies  # noqa: E402

sys.path.insert(0, str(REPO))

# One odd shape per problem (module constants re-bound): masks, tails and, for 23_Softmax/02, a row
# split into several chunks whose last one is partial.
ODD = {
    "19_ReLU": dict(batch_size=37, dim=100003),
    "23_Softmax": dict(batch_size=37, dim=100003),
    "40_LayerNorm": dict(batch_size=3, features=5, dim1=77, dim2=333),
    "51_Argmax_over_a_dimension": dict(batch_size=3, dim1=1001, dim2=333),
    "95_CrossEntropyLoss": dict(batch_size=1001, num_classes=1000, input_shape=(1000,)),
    "12_Gemm_Multiply_LeakyReLU": dict(batch_size=333, in_features=1000, out_features=777),
    "25_Conv2d_Min_Tanh_Tanh": dict(batch_size=3, in_channels=5, out_channels=61, height=37, width=45),
    "76_Gemm_Add_ReLU": dict(batch_size=333, in_features=1000, out_features=777, bias_shape=(777,)),
}
GEMMS = {"12_Gemm_Multiply_LeakyReLU", "76_Gemm_Add_ReLU"}


def compare(out, ref) -> dict:
    import torch

    if not isinstance(out, torch.Tensor) or out.shape != ref.shape or out.dtype != ref.dtype:
        return {"ok": False, "err": float("inf"), "why": "wrong output shape/dtype"}
    if not ref.is_floating_point():
        bad = int((out != ref).sum())
        return {"ok": bad == 0, "err": float(bad), "why": f"{bad} mismatches" if bad else ""}
    err = float((out - ref).abs().max())
    ok = bool(torch.allclose(out, ref, atol=1e-3, rtol=1e-3))
    return {"ok": ok, "err": err, "why": "" if ok else "allclose(1e-3) fails"}


def run_problem(name: str, reply_names: list[str] | None, baselines: bool, target_ms: float) -> list[dict]:
    import torch

    from evaluator.shared.timing import benchmark
    from evaluator.shared.weights import copy_weights

    dev = torch.device("cuda")
    rows = []
    work = tempfile.mkdtemp()
    paths = [p for p in replies(name) if reply_names is None or p.stem in reply_names]

    def build(prob, cand=None):
        torch.manual_seed(0)
        init = prob.get_init_inputs()
        ref = prob.Model(*init).to(dev)  # KernelBench calls models as constructed
        if cand is None:
            return ref, None
        model = cand.ModelNew(*init).to(dev)
        copy_weights(ref, model)
        return ref, model

    def draw(prob):
        with torch.device(dev):  # the problem's own get_inputs, drawn on the GPU
            return prob.get_inputs()

    @torch.no_grad()
    def reference(model, args):
        saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        try:
            return model(*args)
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved

    full = load_problem(name)
    if baselines:
        ref_model, _ = build(full)
        contenders = [("eager", ref_model), ("torch.compile", torch.compile(ref_model))]
        for label, fn in contenders:
            t0 = time.perf_counter()
            with torch.no_grad():
                stats = benchmark(fn, lambda: draw(full), target_ms=target_ms)
            rows.append(
                {"problem": name, "who": label, "ok": True, "err": 0.0, **stats, "wall_s": time.perf_counter() - t0}
            )
            print(f"  {name} {label}: {stats['median_ms']:.3f} ms", flush=True)
        if name in GEMMS:
            compiled = torch.compile(ref_model)
            saved = torch.backends.cuda.matmul.allow_tf32
            torch.backends.cuda.matmul.allow_tf32 = True
            try:
                with torch.no_grad():
                    stats = benchmark(compiled, lambda: draw(full), target_ms=target_ms)
            finally:
                torch.backends.cuda.matmul.allow_tf32 = saved
            rows.append({"problem": name, "who": "compile+tf32", "ok": True, "err": 0.0, **stats})
            print(f"  {name} compile+tf32: {stats['median_ms']:.3f} ms", flush=True)
        del ref_model, contenders
        torch.cuda.empty_cache()
    for path in paths:
        row = {"problem": name, "who": path.stem}
        try:
            cand = load_candidate(path, Path(work))
            checks = {}
            for label, prob in (("odd", load_problem(name, **ODD[name])), ("full", full)):
                ref_model, model = build(prob, cand)
                for trial in range(2):  # fresh inputs each call: nothing may be cached
                    args = draw(prob)
                    expect = reference(ref_model, [a.clone() for a in args])
                    with torch.no_grad():
                        out = model(*args)
                    torch.cuda.synchronize()
                    c = compare(out, expect)
                    checks[f"{label}{trial}"] = c
                    del args, expect, out
                del ref_model
                torch.cuda.empty_cache()
            row["ok"] = all(c["ok"] for c in checks.values())
            row["err"] = max(c["err"] for c in checks.values())
            row["checks"] = checks
            if row["ok"]:
                with torch.no_grad():
                    row.update(benchmark(model, lambda: draw(full), target_ms=target_ms))
            del model
            torch.cuda.empty_cache()
        except Exception as e:  # noqa: BLE001 - a failing reply is a row, not the end of the table
            row.update(ok=False, err=float("inf"), error=f"{type(e).__name__}: {str(e)[:300]}")
        rows.append(row)
        shown = f"{row['median_ms']:.3f} ms" if "median_ms" in row else row.get("error", "incorrect")
        print(f"  {name} {path.stem}: ok={row['ok']} err={row['err']:.2e} {shown}", flush=True)
    return rows


def table(rows: list[dict], device: str) -> str:
    lines = [
        f"device: {device}",
        "",
        "| problem | kernel | correct | max abs err | median ms | IQR ms | vs eager | vs torch.compile |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_problem: dict[str, list[dict]] = {}
    for r in rows:
        by_problem.setdefault(r["problem"], []).append(r)
    for name, rs in by_problem.items():
        base = {r["who"]: r.get("median_ms") for r in rs}
        eager, comp = base.get("eager"), base.get("torch.compile")
        for r in rs:
            ms = r.get("median_ms")
            vs_e = f"{eager / ms:.2f}x" if ms and eager else "-"
            vs_c = f"{comp / ms:.2f}x" if ms and comp else "-"
            err = "-" if r["who"] in ("eager", "torch.compile", "compile+tf32") else f"{r['err']:.1e}"
            cell = f"{ms:.3f}" if ms else r.get("error", "not timed")[:60]
            iqr = f"{r['iqr_ms']:.3f}" if ms else "-"
            lines.append(
                f"| {name} | {r['who']} | {'yes' if r['ok'] else 'NO'} | {err} | {cell} | {iqr} | {vs_e} | {vs_c} |"
            )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*")
    ap.add_argument("--replies", help="comma-separated reply stems (default: all)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--timeout-s", type=float, default=150.0, help="limit per problem (child process)")
    ap.add_argument("--target-ms", type=float, default=40.0, help="measured work per contender")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    names = a.problems or PROBLEMS
    unknown = [n for n in names if n not in PROBLEMS]
    if unknown:
        print(f"unknown problem(s) {unknown}; choose from {PROBLEMS}", file=sys.stderr)
        return 2
    reply_names = a.replies.split(",") if a.replies else None
    if a.child:  # one problem, rows as JSON on the last stdout line
        rows = run_problem(names[0], reply_names, not a.no_baselines, a.target_ms)
        print("ROWS " + json.dumps(rows))
        return 0
    import torch

    if not torch.cuda.is_available():
        print("bench_gpu.py needs a CUDA GPU (use check_cpu.py on the CPU)", file=sys.stderr)
        return 2
    import triton

    device = (
        f"{torch.cuda.get_device_name()}, torch {torch.__version__}, triton {triton.__version__}, "
        f"CUDA {torch.version.cuda}"
    )
    rows: list[dict] = []
    for name in names:
        cmd = [sys.executable, __file__, name, "--child", "--target-ms", str(a.target_ms)]
        cmd += (["--replies", a.replies] if a.replies else []) + (["--no-baselines"] if a.no_baselines else [])
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=a.timeout_s, env=dict(os.environ, PYTHONUNBUFFERED="1")
            )
            sys.stdout.write(proc.stdout.rsplit("ROWS ", 1)[0])
            if "ROWS " in proc.stdout:
                rows += json.loads(proc.stdout.rsplit("ROWS ", 1)[1])
            else:
                tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
                rows.append(
                    {
                        "problem": name,
                        "who": "(all)",
                        "ok": False,
                        "err": float("inf"),
                        "error": f"child exited {proc.returncode}: {tail[0]}",
                    }
                )
                sys.stdout.write(proc.stderr[-3000:])
        except subprocess.TimeoutExpired:
            rows.append(
                {
                    "problem": name,
                    "who": "(all)",
                    "ok": False,
                    "err": float("inf"),
                    "error": f"timed out after {a.timeout_s:.0f} s",
                }
            )
        print(f"   {name}: {time.perf_counter() - t0:.1f} s", flush=True)
        if a.json:
            a.json.write_text(json.dumps({"device": device, "rows": rows}, indent=1))
    print()
    print(table(rows, device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
