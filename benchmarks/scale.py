"""The evaluator at KernelBench scale: evaluations per GPU-minute on #32, and large problems judged.

    python benchmarks/scale.py                                   # both parts; CPU: small shapes, fewer candidates
    python benchmarks/scale.py --part seed --candidates 12       # #32 steady state only
    python benchmarks/scale.py --part problems --json benchmarks/scale_h200.json

Part `seed`: conv2d_scale_min (KernelBench level 2 #32) at its shape sets (GPU: small, odd and the full
64x64x256x256 case, timed), over candidates about as fast as the promoted best.py (its tile/stage
variants and the hopper-stage Gluon kernel kept under studies/), so that the harness's cost is what is
measured. One warm-up evaluation first (baselines cached, warm zygotes started; not counted), then N
evaluations back to back in one process: evaluations per GPU-minute (N / wall minutes), seconds per
gate (mean), peak GPU memory (nvidia-smi, all processes). Then warm against fresh: the same kernel timed
in forked (warm) and freshly started processes, alternating, to show the warm worker's timings agree.

Part `problems`: each problem of suites/kernelbench8 and suites/level1_large (KernelBench's own files
at their own size) with an honest kernel (its last reply), one evaluation each, baselines included:
wall seconds, verdict, input and output GB (the memory plan's full case).

Prints the tables; `--json` writes {"evals_per_gpu_minute", "seed": {...}, "problems": [...]}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.extract import extract  # noqa: E402
from evaluator.parent.evaluation import EvalConfig, cuda_available, evaluate  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402
from evaluator.shared.stats import geomean  # noqa: E402
from studies.conv2d_scale_min import TRITON_WINNER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOPPER = ROOT / "studies/conv2d_scale_min/runs/20261125-223935-hopper-conv2d_scale_min/attempts/0001-1/code.py"
SUITES = [ROOT / "suites/kernelbench8", ROOT / "suites/level1_large"]
GATES = ("spawn", "plan", "import", "compile", "correctness", "audit", "timing", "baselines")


class GpuMemory:
    """Peak memory.used over all processes on GPU 0, polled from nvidia-smi every 0.2 s."""

    def __init__(self):
        self.peak_mib = 0
        self._stop = threading.Event()
        self._proc = None

    def __enter__(self):
        try:
            self._proc = subprocess.Popen(
                ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-lms", "200", "-i", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            return self
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self):
        for line in self._proc.stdout:
            try:
                self.peak_mib = max(self.peak_mib, int(line.strip()))
            except ValueError:
                pass

    def __exit__(self, *exc):
        if self._proc is not None:
            self._proc.kill()


def geomean_ms(r) -> float | None:
    """The geometric mean of the per-case medians (the loop's `geomean_ms`), None when nothing was timed."""
    return geomean([t.candidate.median_ms for t in r.timings]) if r.timings else None


def seed_candidates(n: int, folder: Path, cuda: bool) -> list[Path]:
    # The Triton tile kernel promoted on the H100 on 2026-11-24 (today's winners are Gluon kernels: no tiles to
    # vary), kept in its run folder.
    best = TRITON_WINNER.read_text()
    default = "BM=256, BK=32, num_warps=8, num_stages=3"
    variants = [("best", best)]
    for bm, bk, w, s in ((256, 32, 8, 2), (256, 32, 8, 4), (128, 32, 4, 3), (256, 64, 8, 2)):
        tiles = f"BM={bm}, BK={bk}, num_warps={w}, num_stages={s}"
        variants.append((f"best-{bm}-{bk}-{w}-{s}", best.replace(default, tiles)))
    if cuda and HOPPER.exists():  # Gluon runs only on a GPU
        variants.append(("hopper", HOPPER.read_text()))
    paths = []
    for i in range(n):
        kind, code = variants[i % len(variants)]
        path = folder / f"c{i:03d}_{kind}.py"
        path.write_text(code + f"\n# variant {i}\n")  # distinct text: no two share a hash or a compile cache
        paths.append(path)
    return paths


def part_seed(args, cuda: bool, console: Console) -> dict:
    problem = load_problem("conv2d_scale_min")
    shapes = args.shapes or ("all" if cuda else "small")
    config = EvalConfig(shapes=shapes)
    with tempfile.TemporaryDirectory(prefix="kloop-scale-") as tmp:
        paths = seed_candidates(args.candidates, Path(tmp), cuda)
        t0 = time.perf_counter()
        warm = evaluate(paths[0], problem, config)  # baselines cached, zygotes started: not counted
        warmup_s = time.perf_counter() - t0
        rows = []
        with GpuMemory() as mem:
            t0 = time.perf_counter()
            for p in paths:
                t = time.perf_counter()
                r = evaluate(p, problem, config)
                rows.append((p.stem, r, time.perf_counter() - t))
            wall = time.perf_counter() - t0
        agree = warm_vs_fresh(paths[0], problem, config, args.fresh) if cuda and args.fresh else []
    per_min = len(rows) / (wall / 60)
    table = Table(title=f"#32 conv2d_scale_min, shapes {shapes}: {len(rows)} evaluations in {wall:.1f} s")
    for col in ("candidate", "status", "ms", "xcomp", "wall s", *GATES):
        table.add_column(col, justify="left" if col in ("candidate", "status") else "right")
    for name, r, w in rows:
        g = r.gate_seconds
        table.add_row(
            name,
            r.status.value,
            f"{geomean_ms(r):.3f}" if geomean_ms(r) else "-",
            f"{r.speedup_vs_compile:.2f}" if r.speedup_vs_compile else "-",
            f"{w:.1f}",
            *[f"{g[k]:.2f}" if k in g else "-" for k in GATES],
        )
    console.print(table)
    means = {k: statistics.mean(r.gate_seconds.get(k, 0.0) for _, r, _ in rows) for k in GATES}
    steps = sorted({k for _, r, _ in rows for k in r.gate_seconds if k.startswith("import.")})
    means |= {k: statistics.mean(r.gate_seconds.get(k, 0.0) for _, r, _ in rows) for k in steps}
    console.print(
        f"evaluations per {'GPU-' if cuda else 'CPU-'}minute: {per_min:.2f} (mean {wall / len(rows):.2f} s each; "
        f"warm-up {warmup_s:.1f} s, its status {warm.status.value}); peak GPU memory {mem.peak_mib} MiB; "
        "mean seconds per gate: " + ", ".join(f"{k} {v:.2f}" for k, v in means.items() if v)
    )
    if agree:
        console.print(
            "warm vs fresh, same kernel, alternating (median ms of the full case): "
            + "; ".join(f"{a['mode']} {a['ms']:.4f}" for a in agree)
        )
    return {
        "evals_per_gpu_minute" if cuda else "evals_per_cpu_minute": round(per_min, 2),
        "shapes": shapes,
        "n": len(rows),
        "wall_s": round(wall, 1),
        "mean_s": round(wall / len(rows), 2),
        "peak_gpu_mib": mem.peak_mib,
        "gate_mean_s": {k: round(v, 3) for k, v in means.items()},
        "statuses": [r.status.value for _, r, _ in rows],
        "warm_vs_fresh": agree,
    }


def warm_vs_fresh(path: Path, problem, config: EvalConfig, n: int) -> list[dict]:
    out = []
    for i in range(2 * n):
        mode = "warm" if i % 2 == 0 else "fresh"
        r = evaluate(path, problem, config.model_copy(update={"warm": mode == "warm"}))
        full = [t for t in r.timings if t.case.startswith("full")] or r.timings
        if full:
            out.append({"mode": mode, "ms": full[0].candidate.median_ms, "status": r.status.value})
    return out


def suite_problems() -> list[tuple[str, Path, Path]]:
    found = []
    for suite in SUITES:
        for f in sorted((suite / "problems").glob("*.py")):
            replies = suite / ("replies_gpu" if (suite / "replies_gpu" / f.stem).is_dir() else "replies") / f.stem
            last = sorted(replies.glob("*.md"))[-1]
            found.append((f.stem, f, last))
    return found


def part_problems(args, cuda: bool, console: Console) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kloop-scale-") as tmp:
        for name, path, reply in suite_problems():
            if args.only and name not in args.only:
                continue
            code, _ = extract(reply.read_text())
            cand = Path(tmp) / f"{name}.py"
            cand.write_text(code)
            t = time.perf_counter()
            problem = load_problem(str(path))
            r = evaluate(cand, problem, EvalConfig(shapes=args.shapes or ("all" if cuda else "small")))
            wall = time.perf_counter() - t
            g = r.gate_seconds
            # The verdict is in once the checked calls and the kernel audit are done; timing and the
            # baselines (eager, torch.compile: measured once per problem and machine, then cached) follow.
            verdict_s = wall - g.get("timing", 0.0) - g.get("baselines", 0.0) - g.get("ncu", 0.0)
            plan = r.memory_plan or {}
            big = max(plan.get("cases", []), key=lambda c: c["inputs"] + c["outputs"], default={})
            rows.append(
                {
                    "name": name,
                    "input_gb": round(big.get("inputs", 0) / 1e9, 2),
                    "output_gb": round(big.get("outputs", 0) / 1e9, 2),
                    "wall_s": round(wall, 1),
                    "verdict_s": round(verdict_s, 1),
                    "status": r.status.value,
                    "reason": r.reason,
                    "reply": reply.name,
                    "ms": geomean_ms(r),
                    "speedup_vs_compile": r.speedup_vs_compile,
                    "gate_s": {k: round(v, 2) for k, v in r.gate_seconds.items()},
                    "message": r.message[:300],
                }
            )
            gates = ", ".join(f"{k} {v:.1f}" for k, v in g.items() if v >= 0.05)
            console.print(
                f"{name}: {r.status.value}, verdict after {verdict_s:.1f} s, all {wall:.1f} s ({gates}) "
                + r.message[:200],
                highlight=False,
            )
            if args.json:  # kept as it goes: a call cut short still leaves its rows
                write_json(args.json, {"problems": rows})
    table = Table(title="problems at their own size, one evaluation each (verdict; then timing and baselines)")
    for col in ("problem", "in GB", "out GB", "verdict s", "wall s", "status", "ms", "xcomp"):
        table.add_column(col, justify="left" if col in ("problem", "status") else "right")
    for x in rows:
        table.add_row(
            x["name"],
            f"{x['input_gb']:.1f}",
            f"{x['output_gb']:.1f}",
            f"{x['verdict_s']:.1f}",
            f"{x['wall_s']:.1f}",
            x["status"],
            f"{x['ms']:.3f}" if x["ms"] else "-",
            f"{x['speedup_vs_compile']:.2f}" if x["speedup_vs_compile"] else "-",
        )
    console.print(table)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("seed", "problems", "all"), default="all")
    ap.add_argument("--candidates", type=int, default=None, help="#32 evaluations (GPU 12, CPU 3)")
    ap.add_argument("--fresh", type=int, default=2, help="warm/fresh pairs of one kernel's timing (GPU)")
    ap.add_argument("--shapes", default=None, help="shape sets (default: all on a GPU, small on a CPU)")
    ap.add_argument("--only", nargs="*", help="problem names (part problems)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    cuda = cuda_available()
    args.candidates = args.candidates or (12 if cuda else 3)
    console = Console(width=160)
    out: dict = {"device": "cuda" if cuda else "cpu"}
    if cuda:
        import torch

        out["gpu"] = torch.cuda.get_device_name(0)
    if args.part in ("seed", "all"):
        out["seed"] = part_seed(args, cuda, console)
        out["evals_per_gpu_minute"] = out["seed"].get("evals_per_gpu_minute")
    if args.part in ("problems", "all"):
        out["problems"] = part_problems(args, cuda, console)
    if args.json:
        write_json(args.json, {k: v for k, v in out.items() if v is not None})
    return 0


def write_json(path: Path, fields: dict) -> None:
    """Merge `fields` into the JSON file at `path` (a part run alone keeps the other part's figures)."""
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**old, **fields}, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
