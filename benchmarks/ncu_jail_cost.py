"""What profiling inside the candidate's jail costs, and whether ncu measures the same there: prints a table.

    python benchmarks/ncu_jail_cost.py [--reps 3] [--shapes full] [--candidate kernels/conv2d_scale_min/best.py]

Profiles one forward call of the candidate (the seed problem's first case of --shapes) with
`evaluator.parent.ncu.profile`, alternating the jail (user, PID, mount and network namespaces, read-only view,
private /tmp, no capabilities: what every evaluation uses) with `namespaces=False` (the same spawner,
its own session only: what a host that refuses namespaces gets). Per run: wall seconds of the whole
profile (ncu start, the target's compile and warm-up, replays) and the seed's five metrics per kernel.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluator import DEFAULT_METRICS, load_problem  # noqa: E402
from evaluator.parent.ncu import profile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--shapes", default="full")
    ap.add_argument("--candidate", type=Path, default=ROOT / "kernels" / "conv2d_scale_min" / "best.py")
    args = ap.parse_args()
    problem = load_problem("conv2d_scale_min")
    case = problem.sets[args.shapes][0]
    seconds: dict[str, list[float]] = {"jail": [], "no namespaces": []}
    metrics: dict[str, dict] = {}
    for rep in range(args.reps):
        for mode in seconds:
            p = profile(args.candidate, problem, case, namespaces=mode == "jail", timeout_s=300)
            if p.metrics is None:
                print(f"{mode} rep {rep}: no metrics ({p.reason})", flush=True)
                continue
            if mode == "jail" and not p.confined:
                print("this host refuses namespaces: the 'jail' rows ran unconfined", flush=True)
            seconds[mode].append(p.seconds)
            metrics[mode] = p.metrics
            print(f"{mode} rep {rep}: {p.seconds:.1f} s", flush=True)
    print(f"\nncu profile of {args.candidate.name} on {args.shapes}[0] ({case.describe()}), {args.reps} reps")
    print(f"{'mode':15} {'median s':>9} {'min s':>7} {'max s':>7}")
    for mode, xs in seconds.items():
        if xs:
            print(f"{mode:15} {statistics.median(xs):9.2f} {min(xs):7.2f} {max(xs):7.2f}")
    if len(metrics) == 2:
        print("\nmetrics of the last run of each mode (ncu base units)")
        for kernel in metrics["jail"]:
            for m in DEFAULT_METRICS:
                a, b = metrics["jail"][kernel].get(m), metrics["no namespaces"].get(kernel, {}).get(m)
                print(f"  {kernel[:28]:28} {m[:44]:44} jail {a!s:>10}  no-ns {b!s:>10}")


if __name__ == "__main__":
    main()
