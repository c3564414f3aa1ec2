"""An A/A race: one kernel against a byte-identical copy of itself, through promote's own race and rule.

    python benchmarks/race_self.py [KERNEL] [--against OTHER] [--problem conv2d_scale_min] [--rounds 4]
        [--json FILE]

Any difference between two copies of the same file is the measurement's, not the code's, so this is how far
promote's race can be trusted on this machine. Prints every round (who led, both medians), each side's
median and spread over the rounds, the place effect (mean time of a turn that led its round over one that
followed, minus 1) and what promote's rule (agent.promotion.race_verdict) says of the first copy as a
candidate against the second: anything but a refusal is a false promotion. With --against, an A/B race of
KERNEL (the candidate) against OTHER (the current) under the same rule, promoting nothing. GPU only: a CPU
has no timing to race.
KERNEL: default the problem's best.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from agent.promotion import race_verdict  # noqa: E402
from evaluator.parent.evaluation import EvalConfig  # noqa: E402
from evaluator.parent.racing import ROUNDS, race  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402


def verdict(raced: dict, copies: bool) -> str:
    """What promote's rule says of the race's candidate against its current (copies: the two are one file)."""
    why = race_verdict(raced)
    if why:
        return "refuses: " + why
    return "PROMOTES the copy (a false promotion)" if copies else "promotes the candidate"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kernel", nargs="?", type=Path)
    ap.add_argument("--problem", default="conv2d_scale_min")
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--against", type=Path, help="race KERNEL against this file instead of a copy of itself")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    console = Console()
    problem = load_problem(a.problem)
    kernel = a.kernel or problem.path.parent / "best.py"
    against = a.against or kernel
    for path in (kernel, against):
        if not path.is_file():
            print(f"race_self: no such kernel: {path}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory() as d:
        contenders = {"candidate": Path(d) / "a" / kernel.name, "current": Path(d) / "b" / against.name}
        for path, src in zip(contenders.values(), (kernel, against)):
            path.parent.mkdir()
            shutil.copyfile(src, path)
        try:
            raced = race(contenders, problem, EvalConfig(ncu=False), rounds=a.rounds)
        except (RuntimeError, ValueError) as e:
            print(f"race_self: {e}", file=sys.stderr)
            return 1
    vs = f"against {against}" if a.against else "against a copy of itself"
    for case in raced["candidate"]:
        t = Table(title=f"{kernel} {vs}, {case}, the lead alternating")
        for col in ("round", "led", "candidate ms", "current ms"):
            t.add_column(col, justify="right")
        c, k = raced["candidate"][case], raced["current"][case]
        for r, (vc, vk) in enumerate(zip(c["rounds_ms"], k["rounds_ms"])):
            t.add_row(str(r + 1), "candidate" if c["led"][r] else "current", f"{vc:.4f}", f"{vk:.4f}")
        console.print(t)
        lead = [v for lab in raced.values() for v, led in zip(lab[case]["rounds_ms"], lab[case]["led"]) if led]
        follow = [v for lab in raced.values() for v, led in zip(lab[case]["rounds_ms"], lab[case]["led"]) if not led]
        place = 100 * (statistics.mean(lead) / statistics.mean(follow) - 1) if lead and follow else float("nan")
        console.print(
            f"medians: candidate {c['median_ms']:.4f} ms (IQR {c['iqr_ms']:.4f}), current {k['median_ms']:.4f} ms "
            f"(IQR {k['iqr_ms']:.4f}); place effect: a leading turn {place:+.1f} % against a following one"
        )
    console.print(f"promote's rule: {verdict(raced, copies=a.against is None)}")
    if a.json:
        a.json.write_text(json.dumps({"kernel": str(kernel), "against": str(against), "race": raced}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
