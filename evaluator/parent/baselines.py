"""Cached baseline timings (eager and torch.compile of the reference).

    from evaluator.parent.baselines import BaselineCache
    cache = BaselineCache()                       # $KLOOP_CACHE_DIR or ~/.cache/kernel-loop
    key = cache.key(problem, case, device_info, timing)
    cache.get(key) -> {"eager": {...}, "compiled": {...}} | None

A baseline depends on the problem's source, the case, the GPU, its driver, torch and triton versions,
the timing settings and how a repetition is prepared (timing.PROCEDURE); any change is a new key. The cache
lives across runs (per user, not per run), so a loop or a suite measures eager and torch.compile once per
problem, shape set and machine.
Writes are atomic (temp file + rename), last writer wins.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from evaluator.shared.files import write_atomic
from evaluator.shared.paths import cache_dir
from evaluator.shared.timing import PROCEDURE


class BaselineCache:
    def __init__(self, directory: Path | None = None):
        self.path = (directory or cache_dir()) / "baselines.json"

    @staticmethod
    def key(problem_hash: str, case_label: str, case_desc: str, init: list, device: dict, timing: dict) -> str:
        parts = [
            problem_hash,
            case_label,
            case_desc,
            repr(init),
            device.get("name", ""),
            device.get("driver") or "",
            device.get("torch", ""),
            device.get("triton", ""),
            json.dumps(timing, sort_keys=True),
            PROCEDURE,  # how a repetition is prepared: a new procedure re-measures
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def get(self, key: str) -> dict | None:
        return self._load().get(key)

    def put(self, key: str, value: dict) -> None:
        data = self._load()
        data[key] = value
        write_atomic(self.path, json.dumps(data, indent=1))
