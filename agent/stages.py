"""The stages, as prompts/stages.json lists them: their names, which `--stage` accepts, and the walk
of `--stage all`, in its order. Stdlib only, so `--help` and settings validation stay instant.

    from agent.stages import stage_choices, walk
    walk()             # ("fusion", "tiling", "memory", "tuning"): what --stage all runs, in order
    stage_choices()    # ("seed", "fusion", ..., "hopper", "all"): what --stage accepts

stages.json is the one place a stage is described: its template, metrics, skip criterion, minimum
compute capability, and (under "_all") its place in the walk. Adding a stage is a template plus an
entry there; tests/test_prompt.py holds templates, stages.json and the CLI choices together.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from evaluator import data_dir

FIRST = "seed"  # writes the first kernel from the bare reference; runs first when there is none
REPAIR = "repair"  # follows a failed candidate; never asked for by --stage


@lru_cache(maxsize=1)
def specs() -> dict[str, Any]:
    """stages.json as written: stage name -> its entry, plus the `_doc` and `_all` keys."""
    return json.loads((data_dir("prompts") / "stages.json").read_text(encoding="utf-8"))


def names() -> tuple[str, ...]:
    """Every stage described, in the file's order (seed, the walk, stages asked for by name, repair)."""
    return tuple(k for k in specs() if not k.startswith("_"))


def walk() -> tuple[str, ...]:
    """The optimisation stages `--stage all` runs after the first kernel, in order."""
    return tuple(specs()["_all"])


def stage_choices() -> tuple[str, ...]:
    """What `--stage` accepts: every stage but repair, then `all`."""
    return tuple(n for n in names() if n != REPAIR) + ("all",)
