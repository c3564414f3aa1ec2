"""The attempt of a loop run worth promote's race: the fastest correct attempt that is not the seed, unless it
took over MARGIN longer than the seed (this GPU's winner) in the loop.

    python3 benchmarks/device/race_worthy.py runs/RUN/history.jsonl   # -> "0001-1", or nothing (why: stderr)

The loop evaluates each attempt once, minutes apart; on an H100 two such evaluations of one kernel differ by
more than the gains raced here (session 17: the seed 1.571 ms and the candidate 1.613 in the loop, 1.585 and
1.497 ms under its ncu). So the run's best is not the test: promote re-checks the attempt and races it against
the winner in turns, and its noise rule decides.
"""

from __future__ import annotations

import json
import sys

MARGIN = 1.10  # an attempt over 10 % slower than the seed in the loop is not worth the race's device time


def pick(lines: list[str], margin: float = MARGIN) -> tuple[str | None, str]:
    """(attempt id or None, why) from a run's history.jsonl lines (the last record of an id wins)."""
    attempts: dict[str, dict] = {}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a crash mid-write: the history stays readable without it
        if record.get("kind") == "attempt" and record.get("id"):
            attempts[record["id"]] = record
    seed = next((r for r in attempts.values() if r.get("stage") == "seed"), None)
    timed = [
        r
        for r in attempts.values()
        if r.get("stage") != "seed" and r.get("status") == "correct" and r.get("geomean_ms") is not None
    ]
    if not timed:
        return None, "no correct, timed attempt besides the seed"
    best = min(timed, key=lambda r: r["geomean_ms"])
    if seed is None or seed.get("status") != "correct" or seed.get("geomean_ms") is None:
        return best["id"], f"{best['id']} ({best['geomean_ms']:.3f} ms); the seed has no correct time"
    ratio = best["geomean_ms"] / seed["geomean_ms"]
    why = f"{best['id']} {best['geomean_ms']:.3f} ms against the seed's {seed['geomean_ms']:.3f} ({ratio:.3f}x)"
    return (best["id"], why) if ratio <= margin else (None, why + f": over {margin:.2f}x, not raced")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: race_worthy.py RUN/history.jsonl", file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            lines = f.readlines()
    except OSError as e:
        print(f"race_worthy: cannot read {args[0]}: {e.strerror}", file=sys.stderr)
        return 2
    attempt, why = pick(lines)
    print(why, file=sys.stderr)
    if attempt:
        print(attempt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
