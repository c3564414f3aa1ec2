"""What the trust defences cost, and what they catch, on one GPU: prints measured tables.

    python benchmarks/trust_cost.py [--before DIR] [--runs 2] [--corpus] [--out FILE]

1. Seconds per evaluation of the seed problem (`full` shape set, baselines cached after the first
   run), per gate, for this evaluator and, with --before DIR, for an older checkout of the project
   (each side in its own interpreter, `python -m evaluator ... --json`).
2. The Triton winner promoted on the H100 on 2026-11-24 (its run folder's code.py; today's winners are Gluon
   kernels) and its fp16-operand variant (both tl.dot operands cast to fp16)
   under `tf32` and `loose`, all shape sets: status, max abs error, wall seconds (baselines cached).
3. With --corpus: every file of tests/adversarial/ on this device with the static bans off (the
   runtime defences alone), small shapes, no timing: status, gate, reason.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from studies.conv2d_scale_min import TRITON_WINNER as BEST  # noqa: E402 - the Triton winner (tl.dot), its run folder

FP16 = (
    "        acc = tl.dot(tl.reshape(a, (BM, BK)), tl.trans(b), acc)",
    "        acc = tl.dot(tl.reshape(a, (BM, BK)).to(tl.float16), tl.trans(b).to(tl.float16), acc)",
)


def evaluate(root: Path, candidate: Path, *args: str, cache: Path) -> tuple[dict, float]:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
        KLOOP_CACHE_DIR=str(cache),
    )
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "evaluator", str(candidate), "--problem", "conv2d_scale_min", "--json", str(out), *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):
        print(f"(evaluator exited {p.returncode}: {p.stderr.decode(errors='replace')[-300:]})", flush=True)
    try:
        return json.loads(out.read_text() or "{}"), wall
    except ValueError:
        return {}, wall
    finally:
        out.unlink(missing_ok=True)


def gates(r: dict) -> str:
    secs = r.get("gate_seconds", {})
    return " ".join(f"{k} {v:.1f}" for k, v in secs.items() if v >= 0.05)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--corpus", action="store_true")
    ap.add_argument("--corpus-compile-s", type=float, default=300.0, help="compile limit per corpus file")
    ap.add_argument("--skip-seed", action="store_true")
    ap.add_argument("--before-runs", type=int, default=None, help="runs of the older checkout (default --runs)")
    args = ap.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="kloop-bench-cache-"))
    print(f"python {sys.version.split()[0]}; cache {cache}", flush=True)

    if not args.skip_seed:
        print("\n## seed.py, shapes full: seconds per evaluation (wall of `python -m evaluator`), per gate", flush=True)
        print("| evaluator | run | status | wall s | gates (s) |\n|---|---|---|---|---|", flush=True)
        sides = [("after (this branch)", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
        for label, root in sides:
            runs = args.runs if label.startswith("after") or args.before_runs is None else args.before_runs
            for run in range(1, runs + 1):
                r, wall = evaluate(
                    root, root / "kernels/conv2d_scale_min/seed.py", "--shapes", "full", cache=cache / label.split()[0]
                )
                print(f"| {label} | {run} | {r.get('status')} | {wall:.1f} | {gates(r)} |", flush=True)

    print("\n## best.py and its fp16-operand variant, all shape sets", flush=True)
    fp16 = Path(tempfile.mkdtemp()) / "best_fp16.py"
    code = BEST.read_text()
    assert FP16[0] in code, "best.py changed: update FP16"
    fp16.write_text(code.replace(*FP16))
    print(
        "| candidate | policy | status | gate | max abs err | wall s | message |\n|---|---|---|---|---|---|---|",
        flush=True,
    )
    for name, path in (("best.py", BEST), ("best.py fp16 operands", fp16)):
        for policy in ("tf32", "loose") if "fp16" in name else ("tf32",):
            r, wall = evaluate(ROOT, path, "--shapes", "all", "--precision", policy, cache=cache / "after")
            err = r.get("max_abs_err")
            print(
                f"| {name} | {policy} | {r.get('status')} | {r.get('gate')} | "
                f"{err if err is None else f'{err:.3g}'} | {wall:.1f} | {(r.get('message') or '')[:160]} |",
                flush=True,
            )
            if name == "best.py" and policy == "tf32":
                print(
                    f"|  | (gates) | | | | | {gates(r)}; timings "
                    f"{[(t['case'], round(t['candidate']['median_ms'], 3), t.get('crosscheck_ms')) for t in r.get('timings', [])]}"  # noqa: E501
                    " |",
                    flush=True,
                )

    if args.corpus:
        sys.path.insert(0, str(ROOT))
        from evaluator.parent.evaluation import EvalConfig
        from evaluator.parent.evaluation import evaluate as ev
        from evaluator.parent.supervisor import Limits
        from evaluator.shared.loader import load_problem

        problem = load_problem("conv2d_scale_min")
        files = sorted((ROOT / "tests" / "adversarial").glob("*.py"))
        print("\n## tests/adversarial on this device, static bans off, small shapes, no timing", flush=True)
        print("| file | status | gate | reason | seconds | message |\n|---|---|---|---|---|---|", flush=True)

        def one(path: Path):
            t0 = time.monotonic()
            limits = Limits(import_s=args.corpus_compile_s, compile_s=args.corpus_compile_s)
            config = EvalConfig(shapes="small", time=False, trials=1, min_calls=8, disable={"bans"}, limits=limits)
            r = ev(path, problem, config)
            return path.stem, r, time.monotonic() - t0

        with ThreadPoolExecutor(max_workers=6) as pool:
            for stem, r, secs in pool.map(one, files):
                print(
                    f"| {stem} | {r.status.value} | {r.gate} | {r.reason} | {secs:.1f} | {r.message[:120]} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
