"""Where a kernel's warps wait, from ncu's source page (stalls.sh's TAG_sass.csv): stall reasons in total, by opcode,
and the instructions with the most samples, each with its two largest reasons and the instructions before it.

    python benchmarks/device/sass_stalls.py gluon_winograd_resident_sass.csv [--top 25] [--context 3]

Samples are ncu's warp-state samples ("Warp Stall Sampling (All Samples)"): one per sampled warp per interval,
attributed to the instruction the warp was about to issue, so a wait shows on the instruction after its cause.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter


def read(path: str) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"Address"')), None)
    if start is None:
        raise SystemExit(f"sass_stalls: {path} has no ncu source table (no \"Address\" header row)")
    return list(csv.DictReader(lines[start:]))


def stalls(row: dict[str, str]) -> Counter[str]:
    c: Counter[str] = Counter()
    for k, v in row.items():
        if k and k.startswith("stall_") and "Not Issued" not in k:
            c[k[len("stall_") :]] += int(v.replace(",", "") or 0)
    return c


def opcode(source: str) -> str:
    words = source.replace("{", " ").split()
    words = [w for w in words if not w.startswith("@")]
    return words[0].split(".")[0] if words else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--context", type=int, default=2, help="instructions shown before each top one")
    a = ap.parse_args(argv)
    try:
        rows = read(a.csv)
    except OSError as e:
        raise SystemExit(f"sass_stalls: cannot read {a.csv}: {e.strerror}") from None
    samples = [int(r["Warp Stall Sampling (All Samples)"].replace(",", "") or 0) for r in rows]
    total = sum(samples) or 1
    reasons: Counter[str] = Counter()
    by_op: Counter[str] = Counter()
    for r, s in zip(rows, samples):
        reasons += stalls(r)
        by_op[opcode(r["Source"])] += s
    print(f"{len(rows)} instructions, {total} samples")
    print("by reason: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in reasons.most_common(10)))
    print("by opcode: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in by_op.most_common(12)))
    order = sorted(range(len(rows)), key=lambda i: -samples[i])[: a.top]
    for i in sorted(order):
        top2 = ", ".join(f"{k} {v}" for k, v in stalls(rows[i]).most_common(2))
        for j in range(max(0, i - a.context), i):
            print(f"      {j:5d} {rows[j]['Source'].strip()[:70]}")
        print(f"{100 * samples[i] / total:5.1f} {i:5d} {rows[i]['Source'].strip()[:70]:70s} {top2}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
