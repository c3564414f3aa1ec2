"""Ranking attempts: which attempt is the best, and the one number that stands for a result's speed.

    from agent.ranking import best_of, geomean_ms, is_better, resolve_attempt, SEED_ID
    best = best_of(store.records())              # the best correct attempt, or None
    resolve_attempt(store, records, "best")      # "seed" / "best" / an id -> an attempt id

Used by the loop (its next parent), the run and suite tables, the report and promote, so that all of
them agree on what "best" means.
"""

from __future__ import annotations

from agent.history import Record, RunStore
from evaluator import EvalResult, Status, geomean

SEED_ID = "000-seed"


class AttemptError(ValueError):
    """An attempt name that does not name an attempt of the run (bad input: exit 2)."""


def geomean_ms(result: EvalResult) -> float | None:
    """A result's speed in one number: the geometric mean of its per-case GPU medians (ms); None when
    nothing was timed on a GPU."""
    return geomean(t.candidate.median_ms for t in result.timings if t.candidate)


def speed_key(rec: Record) -> float | None:
    """Lower is faster: the GPU median. Interpreter time is no speed signal (the same candidate took
    164 ms in one run and 272 ms in another), so an untimed attempt has no key."""
    return rec.geomean_ms


def is_better(new: Record, best: Record | None) -> bool:
    """Ranking rule. Only correct attempts count. A GPU-timed one beats an untimed one and a slower
    timed one. Between untimed attempts (a CPU-only run) nothing is ranked: the first correct attempt
    stays the best, so it is the parent of every later prompt, and later correct ones are kept in order."""
    if new.status != Status.correct.value:
        return False
    if best is None or best.status != Status.correct.value:
        return True
    a, b = speed_key(new), speed_key(best)
    if a is None:
        return False  # never trade a GPU measurement (or the first correct attempt) for no measurement
    return b is None or a < b


def best_of(records: list[Record]) -> Record | None:
    best = None
    for r in records:
        if r.kind == "attempt" and is_better(r, best):
            best = r
    return best


def resolve_attempt(store: RunStore, records: list[Record], name: str) -> str:
    """`seed`, `best` or an attempt id -> the attempt id, checked against the run's folder."""
    if name == "seed":
        name = SEED_ID
    elif name == "best":
        best = best_of(records)
        if best is None:
            raise AttemptError(f"run {store.name} has no correct attempt")
        name = best.id
    if not store.attempt_dir(name).is_dir():
        known = ", ".join(r.id for r in records if r.kind == "attempt")
        raise AttemptError(f"run {store.name} has no attempt {name!r} (has: {known})")
    return name
