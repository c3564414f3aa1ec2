"""Evaluation throughput: evaluations per minute and where the time goes, per executor setting.

    python benchmarks/throughput.py                              # CPU: local executor, 1 and 2 workers
    python benchmarks/throughput.py --executors local:1 local ray --candidates 32 --shapes all

A batch of distinct candidates for conv2d_scale_min (correct variants of two kernels with other block
sizes, plus wrong, non-importing and raising ones) is evaluated by each executor setting. Baselines
are cached once before the clock starts (steady state of a run). Printed: wall seconds, evaluations
per minute, verdict counts, and the evaluation time summed over the batch by gate (seconds and share).
Every setting must give the same verdicts; the script says so, or exits 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.extract import extract  # noqa: E402
from evaluator.parent.evaluation import EvalConfig, evaluate  # noqa: E402
from evaluator.parent.executor import make_executor  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GATES = ("spawn", "reference", "import", "compile", "correctness", "timing", "baselines", "ncu")


def candidates(n: int, folder: Path) -> list[Path]:
    seed = (ROOT / "kernels" / "conv2d_scale_min" / "seed.py").read_text()
    fused, _ = extract((ROOT / "tests" / "fixtures" / "replies" / "01_fused_correct.md").read_text())
    variants = []
    for bp in (16, 32, 64, 128, 256):
        variants.append(("fused", fused.replace("BLOCK_P = 128", f"BLOCK_P = {bp}")))
    for bm in (16, 32, 64):
        variants.append(("seed", seed.replace("BLOCK_M=32,\n        BLOCK_N=32", f"BLOCK_M={bm},\n        BLOCK_N=32")))
    variants.append(("wrong", fused.replace("tl.min(acc, axis=1)", "tl.max(acc, axis=1)")))
    variants.append(("no-import", "import not_a_module\n" + fused))
    variants.append(("raises", fused.replace("    return out\n", "    raise RuntimeError('boom')\n", 1)))
    paths = []
    for i in range(n):
        kind, code = variants[i % len(variants)]
        path = folder / f"c{i:03d}_{kind}.py"
        path.write_text(code + f"\n# variant {i}\n")  # distinct text: nothing is a duplicate
        paths.append(path)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--executors", nargs="+", default=["local:1", "local:2"], help="local[:WORKERS] or ray[:ADDRESS]")
    ap.add_argument("--candidates", type=int, default=11)
    ap.add_argument("--shapes", default="auto")
    ap.add_argument("--ncu", action="store_true")
    args = ap.parse_args()
    console = Console(width=140)
    problem = load_problem("conv2d_scale_min")
    tmp = Path(tempfile.mkdtemp(prefix="kloop-throughput-"))
    config = EvalConfig(shapes=args.shapes, cache_dir=tmp / "cache", ncu=args.ncu, trials=3)
    paths = candidates(args.candidates, tmp)
    t0 = time.monotonic()
    warm = evaluate(ROOT / "kernels" / "conv2d_scale_min" / "seed.py", problem, config)  # fills the baseline cache
    console.print(
        f"device: {warm.device.name if warm.device else '?'}; baseline warm-up "
        f"{time.monotonic() - t0:.1f} s; {len(paths)} candidates; sets {', '.join(warm.shape_sets)}"
    )
    table = Table(title="evaluation throughput")
    for col in ("executor", "slots", "wall s", "evals/min", "verdicts", *GATES):
        table.add_column(col)
    verdicts = {}
    for spec in args.executors:
        kind, _, arg = spec.partition(":")
        ex = make_executor(
            kind, workers=int(arg) if kind == "local" and arg else None, address=arg or None if kind == "ray" else None
        )
        t0 = time.monotonic()
        with ex:
            results = [f.result() for f in [ex.submit(p, problem, config) for p in paths]]
        wall = time.monotonic() - t0
        verdicts[spec] = [r.status.value for r in results]
        total = Counter()
        for r in results:
            total.update({g: r.gate_seconds.get(g, 0.0) for g in GATES})
        busy = sum(total.values()) or 1.0
        counts = Counter(verdicts[spec])
        table.add_row(
            spec,
            str(ex.size),
            f"{wall:.1f}",
            f"{60 * len(paths) / wall:.1f}",
            " ".join(f"{k[:7]}:{v}" for k, v in sorted(counts.items())),
            *(f"{total[g]:.0f}s {100 * total[g] / busy:.0f}%" for g in GATES),
        )
    console.print(table)
    first = next(iter(verdicts.values()))
    same = all(v == first for v in verdicts.values())
    console.print("verdicts identical across executors" if same else "[red]verdicts differ across executors[/]")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
