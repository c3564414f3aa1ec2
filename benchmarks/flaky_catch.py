"""How often does one evaluation catch a kernel that is wrong on 10% of its calls? (issue 13, item 4)

    python benchmarks/flaky_catch.py [--evaluations 20] [--p 0.10] [--problem conv2d_scale_min]

The candidate is tests/adversarial/flaky_10pct.py with its fixed pattern replaced by a fresh coin per call
(`random.random() < p`, seeded from the OS at import), so every evaluation sees a different pattern. It
runs the real evaluator (default shape sets: `small` on a CPU) with the static bans off (the coin needs
`import random`; the runtime checks are what is measured) and prints one row per evaluation and the
catch rate, next to the rate the checked-call count predicts: 1 - (1 - p) ** calls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluator.parent.evaluation import EvalConfig, evaluate  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402
from evaluator.shared.result import Status  # noqa: E402

PATTERN = '_STATE["calls"] % 10 == 1 and _STATE["calls"] > 1  # calls 11, 21, 31, ...'


def random_flaky(p: float) -> str:
    src = (ROOT / "tests" / "adversarial" / "flaky_10pct.py").read_text()
    if PATTERN not in src:
        raise SystemExit("error: tests/adversarial/flaky_10pct.py changed; update PATTERN here")
    return "import random\n" + src.replace(PATTERN, f"random.random() < {p!r}  # a fresh coin per call")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--evaluations", type=int, default=20)
    ap.add_argument("--p", type=float, default=0.10, help="probability that a call is wrong")
    ap.add_argument("--problem", default="conv2d_scale_min")
    args = ap.parse_args()
    problem = load_problem(args.problem)
    with tempfile.TemporaryDirectory() as tmp:
        cand = Path(tmp) / "flaky_random.py"
        cand.write_text(random_flaky(args.p))
        caught, calls = 0, []
        print("| # | status | gate | checked calls | seconds | message |\n|---|---|---|---|---|---|")
        for i in range(args.evaluations):
            t0 = time.perf_counter()
            r = evaluate(cand, problem, EvalConfig(disable={"bans"}))
            n = sum(1 for c in r.checks if c.stage != "knockout")
            calls.append(n)
            caught += r.status is not Status.correct
            print(
                f"| {i + 1} | {r.status.value} | {r.gate} | {n} | {time.perf_counter() - t0:.1f} | {r.message[:90]} |",
                flush=True,
            )
        honest = evaluate(ROOT / "tests" / "adversarial" / "honest_fused.py", problem, EvalConfig())
        full = sum(1 for c in honest.checks if c.stage != "knockout")  # what a passing evaluation checks
        print(f"\nhonest_fused.py: {honest.status.value}, {full} checked calls")
    print(
        f"\ncaught {caught} of {args.evaluations} evaluations ({caught / args.evaluations:.0%}); "
        f"a passing evaluation makes {full} checked calls, so the expected catch rate is "
        f"1 - {1 - args.p:.2f}^{full} = {1 - (1 - args.p) ** full:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
