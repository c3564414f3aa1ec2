"""Evaluate the seed kernel at full size, several times, and print what the evaluator measures.

    python benchmarks/seed_eval.py [--evaluations 3] [--problem conv2d_scale_min] [--candidate FILE]
        [--shapes all] [--target-ms MS [MS ...]] [--json OUT.json]

Prints, from one run on one GPU: eager PyTorch, torch.compile and the seed (median ± IQR, ms), the
seed's spread over N independent evaluations (fresh process, fresh inputs each), and the wall seconds
of one evaluation split by gate. The first evaluation times the baselines; later ones reuse the cache
(a fresh cache directory per run of this script, so nothing stale is reused). Without CUDA it says so
and shows the gate split of an interpreter evaluation on the small shapes instead.

--target-ms with several values: the evaluations take turns between those timing windows (the measured work
per timed case; a race's turn times target_ms / rounds), --evaluations each, and the spread is given per
window: whether timing longer makes one evaluation's figure repeatable.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from evaluator.parent.evaluation import EvalConfig, cuda_available, evaluate  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problem", default="conv2d_scale_min")
    ap.add_argument("--candidate", type=Path, help="default: the problem's seed.py")
    ap.add_argument("--evaluations", type=int, default=3, help="per timing window")
    ap.add_argument("--shapes", default="all", help="shape sets on a GPU (the CPU runs small)")
    ap.add_argument(
        "--target-ms", type=float, nargs="+", help="timing windows, taken in turns (default: the evaluator's)"
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    problem = load_problem(args.problem)
    candidate = args.candidate or problem.seed_path
    console = Console(width=120)
    cuda = cuda_available()
    cache = Path(tempfile.mkdtemp(prefix="kloop-baselines-"))
    config = EvalConfig(shapes=args.shapes if cuda else "small", cache_dir=cache)
    windows = args.target_ms or [config.target_ms]
    windows = windows if cuda else windows[:1]
    results, window_of = [], []
    for i in range(args.evaluations if cuda else 1):
        for w in windows:
            r = evaluate(candidate, problem, config.model_copy(update={"target_ms": w}))
            console.print(
                f"evaluation {len(results) + 1} ({w:g} ms window): {r.status.value} "
                f"({r.message or 'all checks passed'}; max abs err {r.max_abs_err})",
                markup=False,
            )
            results.append(r)
            window_of.append(w)
    if args.json:
        args.json.write_text(json.dumps([r.model_dump(mode="json") for r in results], indent=1))

    dev = results[0].device
    console.print(
        f"device: {dev.name if dev else '?'}, torch {dev.torch if dev else '?'}, triton {dev.triton if dev else '?'}"
    )
    if not cuda:
        console.print(f"timing unavailable: {results[0].timing_unavailable}")
    else:
        t = Table(title=f"{problem.name}: medians (ms) on the timed cases")
        for col in ("case", "what", "median", "IQR", "reps", "note"):
            t.add_column(col)
        for ct in results[0].timings:
            t.add_row(ct.case, "eager (PyTorch defaults)", *_fmt(ct.eager), "")
            t.add_row(ct.case, "torch.compile (default)", *_fmt(ct.compiled), "")
            for k, r in enumerate(results):
                c = next((x for x in r.timings if x.case == ct.case), None)
                t.add_row(
                    ct.case,
                    f"candidate, evaluation {k + 1}" + (f" ({window_of[k]:g} ms window)" if len(windows) > 1 else ""),
                    *_fmt(c.candidate if c else None),
                    f"{c.speedup_vs_eager:.3f}x eager, {c.speedup_vs_compile:.3f}x compile"
                    if c and c.speedup_vs_compile
                    else "",
                )
            for w in windows:
                meds = [
                    x.candidate.median_ms
                    for r, rw in zip(results, window_of)
                    if rw == w
                    for x in r.timings
                    if x.case == ct.case and x.candidate
                ]
                if len(meds) < 2:
                    continue
                spread = (max(meds) - min(meds)) / statistics.median(meds) * 100
                t.add_row(
                    ct.case,
                    "candidate over evaluations" + (f" ({w:g} ms window)" if len(windows) > 1 else ""),
                    f"{statistics.median(meds):.3f}",
                    f"{max(meds) - min(meds):.3f}",
                    str(len(meds)),
                    f"max-min = {spread:.1f}% of median",
                )
        console.print(t)
    g = Table(title="seconds per evaluation, by gate")
    gates = list(dict.fromkeys(k for r in results for k in r.gate_seconds))
    g.add_column("evaluation")
    for k in gates:
        g.add_column(k)
    for i, r in enumerate(results):
        g.add_row(str(i + 1), *(f"{r.gate_seconds[k]:.1f}" if k in r.gate_seconds else "-" for k in gates))
    console.print(g)
    return 0 if all(r.ok for r in results) else 1


def _fmt(t) -> tuple[str, str, str]:
    return (f"{t.median_ms:.3f}", f"{t.iqr_ms:.3f}", str(t.reps)) if t else ("-", "-", "-")


if __name__ == "__main__":
    sys.exit(main())
