"""Summary statistics shared by the evaluator and the agent: one home for each.

from evaluator.shared.stats import geomean
geomean([2.0, 8.0])        # 4.0; None for an empty list (non-positive and None entries are skipped)
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def geomean(xs: Iterable[float | None]) -> float | None:
    """Geometric mean of the positive numbers in xs (speedups, per-case medians in ms); None if none.
    Used wherever several cases or problems become one number, so that a 2x win and a 2x loss cancel."""
    vals = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else None
