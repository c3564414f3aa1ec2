"""The SM clock and power nvidia-smi sampled during a device step (setup.sh's smi_start / smi_stop), in one line.

    python3 benchmarks/device/smi_summary.py SAMPLES.csv     # rows: clocks.sm [MHz], power.draw [W], event reasons

Only samples above 400 W count (the GPU idles near 100 W): the clock the work ran at, not the gaps between
calls. Reason 0x4 is the software power cap.
"""

import statistics
import sys


def summary(path: str) -> str:
    rows = []
    for line in open(path):
        fields = [v.strip() for v in line.split(",")]
        try:  # a sample nvidia-smi could not read ([N/A]) or a line cut by the kill is no sample
            rows.append((float(fields[0]), float(fields[1]), fields[2]))
        except (ValueError, IndexError):
            continue
    busy = [(c, w, r) for c, w, r in rows if w > 400]
    if not busy:
        return f"no sample above 400 W in {len(rows)}"
    clocks, watts = [c for c, _, _ in busy], [w for _, w, _ in busy]
    return (
        f"{len(busy)} of {len(rows)} samples above 400 W: SM clock median {statistics.median(clocks):.0f} MHz"
        f" (min {min(clocks):.0f}), power median {statistics.median(watts):.0f} W,"
        f" reasons {sorted(set(r for *_, r in busy))}"
    )


if __name__ == "__main__":
    print(summary(sys.argv[1]))
