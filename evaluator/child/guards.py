"""Runtime guards the worker keeps around candidate code (inside the worker process).

    from evaluator.child.guards import Integrity, live_threads
    integrity = Integrity.snapshot()          # before the candidate is imported
    integrity.changed()                       # ["torch.cuda.Event was replaced", ...] after import/calls
    integrity.quick_changed()                 # the few things timing relies on; cheap enough per rep
    before = live_threads(); ...; live_threads() - before   # Python threads the candidate left running

Static bans (evaluator.static.bans) are the first line; these catch what gets past them:
- Integrity: identity of every function, class and module in the namespaces the harness relies on
  (WATCHED: torch, torch.cuda, torch.nn.*, evaluator.*, the worker, time, builtins, os, json, ...),
  the `__code__` of functions, the dicts of classes defined there, and their sys.modules entries.
  Only those: torch and triton fill other modules lazily (dynamo, the profiler, driver backends),
  which would read as tampering.
  A candidate that monkeypatches torch.cuda.Event, torch.allclose, time.perf_counter or swaps the
  worker's `compare` (via gc, inspect, sys.modules or builtins) is caught after the call that did it.
- Threads: a forward that returns while a Python thread it started is still alive may be computing
  (or launching kernels) after the timer stopped. sys._current_frames() sees every Python thread,
  including ones started with _thread; native pools (OpenMP, CUDA) are not Python threads.
- Poison: the reference runs right before some candidate calls; its freed intermediates (e.g. the
  conv output) sit in the allocator's cache, so a kernel that never writes part of its output can
  look right. On CUDA every free block of the caching allocator is grabbed (exact sizes, from
  torch.cuda.memory_snapshot), filled with NaN and released (evaluator.shared.timing.poison_free_memory, which
  Trial.call and every timed repetition run). CPU workers get MALLOC_PERTURB_ from
  evaluator.parent.jail instead: glibc fills every allocation, whichever chunk it reuses.
"""

from __future__ import annotations

import sys
import types

import torch

WATCHED = {
    "torch",
    "torch._C",
    "torch._tensor",
    "torch.functional",
    "torch.cuda",
    "torch.cuda.streams",
    "torch.cuda.memory",
    "torch.nn.functional",
    "torch.autograd.grad_mode",
    "torch.utils._python_dispatch",
    "triton",
    "triton.runtime.jit",
    "triton.runtime.autotuner",
    "triton.runtime.interpreter",
    "time",
    "builtins",
    "json",
    "os",
    "math",
    "statistics",
    "random",
    "hashlib",
    "threading",
    "_thread",
    "__main__",
}
WATCHED_PREFIXES = ("evaluator.", "torch.nn.modules.")


def _watched(value) -> bool:
    # Only behaviour: functions, classes, modules. Data (counters, caches, flags) legitimately changes.
    return callable(value) or issubclass(type(value), types.ModuleType)  # type(): no __getattr__ side effects


def _entries(ns: dict) -> dict:
    out = {}
    for k, v in list(ns.items()):
        try:
            if _watched(v):
                out[k] = (v, getattr(v, "__code__", None))
        except Exception:  # noqa: BLE001 - a lazy or deprecated object that raises on inspection
            continue
    return out


class Integrity:
    def __init__(self) -> None:
        self.modules: dict[str, types.ModuleType] = {}
        self.spaces: list[tuple[str, object, dict]] = []  # (label, owner, {name: (obj, code)})
        self.quick: list[tuple[str, object, str, object]] = []

    @classmethod
    def snapshot(cls) -> Integrity:
        self = cls()
        if torch.cuda.is_available():  # the CUDA kernel audit (torch.profiler) imports torch._dynamo, whose import
            from torch import _dynamo  # noqa: F401  rebinds torch.manual_seed: import it before the snapshot
        for name, mod in list(sys.modules.items()):
            if mod is None or not (name in WATCHED or name.startswith(WATCHED_PREFIXES)):
                continue
            self.modules[name] = mod
            ns = getattr(mod, "__dict__", None)
            if not isinstance(ns, dict):
                continue
            self.spaces.append((name, mod, _entries(ns)))
            for attr, value in list(ns.items()):
                if issubclass(type(value), type) and value.__dict__.get("__module__") == name:
                    self.spaces.append((f"{name}.{attr}", value, _entries(dict(value.__dict__))))
        for label, owner, attr in _critical():
            self.quick.append((label, owner, attr, owner.__dict__.get(attr)))
        return self

    def changed(self, limit: int = 5) -> list[str]:
        found = []
        for name, mod in self.modules.items():
            if sys.modules.get(name) is not mod:
                found.append(f"sys.modules[{name!r}] was replaced")
        for label, owner, entries in self.spaces:
            ns = owner.__dict__
            for attr, (value, code) in entries.items():
                now = ns.get(attr)
                if now is not value:
                    found.append(f"{label}.{attr} was replaced" if now is not None else f"{label}.{attr} was deleted")
                elif code is not None and getattr(value, "__code__", None) is not code:
                    found.append(f"the code of {label}.{attr} was replaced")
            if len(found) >= limit:
                break
        return found[:limit]

    def quick_changed(self) -> list[str]:
        return [
            f"{label} was replaced" for label, owner, attr, value in self.quick if owner.__dict__.get(attr) is not value
        ]


def _critical() -> list[tuple[str, object, str]]:
    import time

    items = [
        ("time.perf_counter", time, "perf_counter"),
        ("time.time", time, "time"),
        ("torch.cuda.synchronize", torch.cuda, "synchronize"),
        ("torch.cuda.Event", torch.cuda, "Event"),
    ]
    for attr in ("record", "synchronize", "elapsed_time"):
        items.append((f"torch.cuda.Event.{attr}", torch.cuda.Event, attr))
    return items


def live_threads() -> set[int]:
    """Ids of threads with a Python frame (sys._current_frames sees _thread threads too)."""
    return set(sys._current_frames())


def thread_names(ids: set[int]) -> list[str]:
    import threading

    known = {t.ident: t.name for t in threading.enumerate()}
    return [known.get(i, f"thread {i}") for i in sorted(ids)]
