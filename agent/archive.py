"""The loop's memory of attempts: what was recorded, which is best, which parent the next prompt
grows from, what was already tried from it, and which code was already evaluated (dedup).

    from agent.archive import Archive, best_of, is_better, resolve_attempt, SEED_ID
    archive = Archive(store)                     # what the run folder holds (a resumed run's attempts)
    twin, event = archive.claim(rec_id, code)    # dedup: the same code is evaluated once
    archive.record(rec, code, result)            # history line, memory, best, in that order
    pid, code, result = archive.parent(start)    # the best so far, else the starting kernel
    archive.tried(pid)                           # one line per attempt already made from it
    best_of(store.records())                     # the ranking rule, for tables, reports and promote

The loop (agent.loop) walks the stages and asks; this is all it remembers, so a resumed run and a live
one choose the same parent. Ranking lives here too (run and suite tables, report and promote read
`best_of`/`is_better`), so everything agrees on what "best" means: only correct attempts count, a GPU
time beats none, a faster GPU time beats a slower one, and between untimed attempts (the CPU
interpreter: its time is no speed signal) the first correct one stays the best.
"""

from __future__ import annotations

import threading
from pathlib import Path

from agent.history import Record, RunStore
from evaluator import EvalResult, Status, code_hash, geomean

SEED_ID = "000-seed"


class AttemptError(ValueError):
    """An attempt name that does not name an attempt of the run (bad input: exit 2)."""


# ------------------------------------------------------------ ranking


def geomean_ms(result: EvalResult) -> float | None:
    """A result's speed in one number: the geometric mean of its per-case GPU medians (ms); None when
    nothing was timed on a GPU."""
    return geomean(t.candidate.median_ms for t in result.timings if t.candidate)


def speed_key(rec: Record) -> float | None:
    """Lower is faster: the GPU median. Interpreter time is no speed signal (the same candidate took
    164 ms in one run and 272 ms in another), so an untimed attempt has no key."""
    return rec.geomean_ms


def is_better(new: Record, best: Record | None) -> bool:
    """Ranking rule. Only correct attempts count, and none the evaluator flagged as too good to be true (a
    timing below the problem's floor, or far below the parent's clock or ncu's: `Record.suspicious`; a
    person may still promote it with --force). A GPU-timed one beats an untimed one and a slower timed one.
    Between untimed attempts (a CPU-only run) nothing is ranked: the first correct attempt stays the best,
    so it is the parent of every later prompt, and later correct ones are kept in order."""
    if new.status != Status.correct.value or new.suspicious:
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


# ------------------------------------------------------------ the archive


class Archive:
    """One run's attempts in memory. Sample chains run in threads: every change holds `lock`."""

    def __init__(self, store: RunStore):
        self.store = store
        self.lock = threading.Lock()
        records = store.records()
        self.done: dict[str, Record] = {r.id: r for r in records if r.kind == "attempt"}
        self.skips = {r.stage for r in records if r.kind == "skip"}
        self.best = best_of(list(self.done.values()))
        # What this process evaluated, kept as data: parents and repairs read it here; only an attempt
        # recorded before a resume is read back from its files.
        self.evaluated: dict[str, tuple[str | None, EvalResult]] = {}
        self.inflight: dict[str, tuple[str, threading.Event]] = {}  # code hash -> (attempt, done)

    def code(self, rec_id: str) -> str | None:
        return self.evaluated[rec_id][0] if rec_id in self.evaluated else self.store.read(rec_id, "code.py")

    def result(self, rec_id: str) -> EvalResult | None:
        return self.evaluated[rec_id][1] if rec_id in self.evaluated else self.store.result(rec_id)

    # ------------------------------------------------------------ dedup

    def claim(self, rec_id: str, code: str) -> tuple[str | None, threading.Event | None]:
        """Dedup by normalized code. (twin, None): an earlier attempt with this code is recorded;
        (twin, event): it is still being evaluated, wait for the event; (None, event): this attempt
        evaluates it, and `release`s it once recorded."""
        h = code_hash(code)
        with self.lock:
            twin = next((r.id for r in self.done.values() if r.code_hash == h and r.gate != "llm"), None)
            if twin is not None:
                return twin, None
            if h in self.inflight:
                return self.inflight[h]
            event = threading.Event()
            self.inflight[h] = (rec_id, event)
            return None, event

    def release(self, code: str, event: threading.Event) -> None:
        """The claimed code is recorded (or its evaluation gave up): wake any twin waiting on it."""
        with self.lock:
            self.inflight.pop(code_hash(code), None)
        event.set()

    # ------------------------------------------------------------ recording

    def record(self, rec: Record, code: str | None, result: EvalResult, on_record=None) -> None:
        """result.json, record.json and the history line, then memory and best; `on_record(rec)` runs
        under the same lock, so a live display sees attempts in the order they were recorded."""
        with self.lock:
            self.store.finish(rec, result)
            self.evaluated[rec.id] = (code, result)
            self.done[rec.id] = rec
            if is_better(rec, self.best):
                self.best = rec
            if on_record is not None:
                on_record(rec)

    def skip(self, stage: str, parent: str | None, why: str) -> None:
        """A stage skipped (its criterion met, or the GPU too old): one history line per run."""
        if stage not in self.skips:
            self.store.append(Record(kind="skip", id=f"skip-{stage}", stage=stage, parent=parent, message=why))
            self.skips.add(stage)

    # ------------------------------------------------------------ what the next prompt reads

    def parent(self, start: Path | None) -> tuple[str, str, EvalResult | None]:
        """(id, code, result) of the next prompt's parent: the best so far, else the starting kernel."""
        if self.best is not None:
            code = self.code(self.best.id)
            if code is not None:
                return self.best.id, code, self.result(self.best.id)
        code = start.read_text(encoding="utf-8") if start is not None else ""
        return SEED_ID, code, self.result(SEED_ID)

    def tried(self, parent: str | None) -> list[str]:
        """One line per attempt already made from this parent (repairs included), oldest first."""
        mine = [r for r in self.done.values() if r.parent == parent and r.id != SEED_ID]
        return [f"{r.id} ({r.stage}): {_outcome(r)}" for r in mine]

    def repeat_streak(self) -> list[Record]:
        """The latest attempts, newest last, that repeated code already evaluated, back to the first
        that did not."""
        streak: list[Record] = []
        for r in reversed(list(self.done.values())):
            if r.id == SEED_ID or r.duplicate_of is None:
                break
            streak.append(r)
        return streak[::-1]


def _outcome(r: Record) -> str:
    """An attempt as a prompt's history quotes it: its time, or where and why it failed."""
    if r.status != Status.correct.value:
        return f"{r.status} at {r.gate}: {' '.join(r.message.split())[:140]}"
    if r.geomean_ms is not None:
        return f"correct, {r.geomean_ms:.4g} ms"
    if r.interpreter_ms is not None:
        return f"correct, {r.interpreter_ms:.0f} ms per call under the CPU interpreter (not a GPU time)"
    return "correct, timing unavailable"
