"""Run a candidate's forward on one case of a problem, a few times, and nothing else.

    python benchmarks/run_candidate.py CANDIDATE.py --problem conv2d_scale_min --case full[0] --calls 3

For profilers that wrap a whole process (ncu, compute-sanitizer): the first call compiles, so profile
with `--launch-skip` past it. Weights are the reference's, copied in as the evaluator does (through
`evaluator.worker.profile_target.prepare`; `evaluator.parent.ncu` is the evaluator's own, warmed-up ncu path).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from evaluator.shared.loader import load_problem  # noqa: E402
from evaluator.worker.profile_target import prepare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--problem", default="conv2d_scale_min")
    ap.add_argument("--case", default="full[0]")
    ap.add_argument("--calls", type=int, default=3)
    args = ap.parse_args()
    problem = load_problem(args.problem)
    case = next(c for s in problem.sets for c in problem.sets[s] if c.label == args.case)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, inputs = prepare(problem.path, args.candidate, case, device)
    with torch.no_grad():
        for _ in range(args.calls):
            model(*inputs)
    if device.type == "cuda":
        torch.cuda.synchronize()
    print(f"ran {args.calls} calls of {args.candidate.name} on {case.label} ({case.describe()}) on {device}")


if __name__ == "__main__":
    main()
