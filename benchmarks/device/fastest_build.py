"""The fastest build a register kernel's --check --sweep log shows agreeing, as --set arguments and its time.

    python3 benchmarks/device/fastest_build.py /tmp/gluon_direct_rs.check   # -> "1.690 --set PREFETCH=False"

The default build counts when the check says "check: agrees" (its full-shape line carries "X ms (median over 400 ms
...", before session 18 "X ms (median of 10"); a sweep build counts when the default agreed and its output at the
full shape matches the default's to 1e-5 ("sweep {'PREFETCH': False}: 1.690 ms, max |out - default sizes' out|
0.0e+00"). Nothing printed: no build agreed. Session 15 (H200): the loop took gluon_direct_rs's default build (1.878
ms) although its sweep showed PREFETCH=False at 1.690 ms; the reply is now written with the faster build, and the
loop's evaluator judges it as it judges any reply.
"""

import ast
import re
import sys

SWEEP = re.compile(r"^sweep (\{.*\}): ([0-9.]+) ms, max \|out - default sizes' out\| ([0-9.e+-]+)$")
DEFAULT = re.compile(r"([0-9.]+) ms \(median (?:of 10|over)")  # before session 18: of 10


def fastest(text: str) -> tuple[float, str] | None:
    """(ms, '--set NAME=VALUE ...') of the fastest agreeing build in a check log, or None."""
    if not re.search(r"^check: agrees", text, re.M):
        return None
    times = DEFAULT.findall(text)
    if not times:
        return None
    builds = [(float(times[-1]), "")]
    for line in text.splitlines():
        m = SWEEP.match(line.strip())
        if m and float(m.group(3)) <= 1e-5:
            sets = ast.literal_eval(m.group(1))
            builds.append((float(m.group(2)), " ".join(f"--set {k}={v}" for k, v in sets.items())))
    return min(builds, key=lambda b: b[0])


if __name__ == "__main__":
    best = fastest(open(sys.argv[1]).read())
    if best:
        print(f"{best[0]:.3f} {best[1]}".rstrip())
