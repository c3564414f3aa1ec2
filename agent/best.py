"""The loop's use of a problem's promoted winners (one per GPU model): its starting kernel.

    from agent.best import device_key, load_best, pick, starting_kernel
    start = starting_kernel(problem_file, seed, local_gpu())   # this model's winner, else seed.py

The winners themselves (Winner, BestBook, best.json's reading, device keys, pick) are the evaluator's
(evaluator/shared/best.py), so `python -m evaluator best` reads the same file without importing the agent;
they are re-exported here for the agent's modules. agent.promote writes best.json.
"""

from __future__ import annotations

from pathlib import Path

from evaluator import (  # noqa: F401 - re-exported for agent.promote, agent.loop and the tests
    CPU_KEY,
    BestBook,
    BestError,
    Speedups,
    Winner,
    device_key,
    load_best,
    local_gpu,
    parse_best,
    pick,
)


def starting_kernel(problem_file: Path, fallback: Path | None, gpu: str | None) -> Path | None:
    """The loop's first kernel: the winner picked for this device (`gpu`: its name, None on a CPU) in
    the problem's folder, else `fallback` (seed.py). Only a problem folder's reference.py has winners
    (promote writes nowhere else). An unreadable best.json raises BestError, as agent.promote refuses it: the
    run would silently start from the seed, and that file needs the user's eye."""
    if problem_file.name != "reference.py":
        return fallback
    folder = problem_file.parent
    book = load_best(folder)
    path = book.path_of(folder, pick(book, device_key(gpu)))
    return path if path is not None else fallback
