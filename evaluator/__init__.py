"""The evaluator: judge one candidate kernel against a PyTorch reference, out of the candidate's reach.

    from evaluator import EvalConfig, evaluate, load_problem
    problem = load_problem("conv2d_scale_min")            # a name under kernels/, a folder or a KernelBench file
    result = evaluate(Path("cand.py"), problem, EvalConfig(shapes="all"))
    result.status, result.speedup_vs_compile                # Status ladder, geometric-mean speedups

This module is the evaluator's face: `agent` imports only the names below (tests/test_architecture.py
holds it to that), and the evaluator never imports `agent`. Names load lazily, so the processes that run
inside the jail (evaluator.child) import only what they need; no submodule shares a name with an export
(`evaluation.py` holds `evaluate`, `racing.py` holds `race`), since importing a submodule sets the
package attribute of its name.

Where each part runs:

| part | runs in | modules |
|---|---|---|
| entry | the caller's process: evaluate() and its one plan, the pools that run it (threads, Ray), the CLI and Ctrl-C's cancel | evaluation, plan, executor, __main__, cancel |
| static gate | the parent, before any candidate code runs: the source's AST only (the bans and the host-code contract) | static (static.scan, static.bans, static.contract) |
| judge | the parent: seeds, clocks, every verdict; the one spawner (supervisor.spawn), the jail it builds (and polls: usage) and the warm zygotes it forks from | judge, calls, supervisor, jail, usage, warm, roofline |
| oracle | its own trusted process: the memory plan, reference outputs and the comparison on the device; never imports the candidate | oracle, correctness, memory |
| candidate | the jail (namespaces, a minimal root, private /tmp): runs ModelNew, hands its outputs over and audit findings; forked per candidate from a warm zygote in the jail | child (child.boot, child.root, child.zygote, child.candidate, child.trial, child.audit, child.guards) |
| baselines, race | a worker process: the reference alone (trusted), or contenders side by side (in the candidate's jail, child.boot --exec) | worker, racing, baselines, timing |
| profiler | ncu and the candidate under it, both in the candidate's jail (child.boot --exec) | ncu, profile_target |
| wire | the typed messages between them, and the inbox outputs are handed over in (GPU memory the oracle owns) | wire, handover |
| shared | wherever imported (`agent` too, through this face): data and pure helpers (problems, winners per GPU model), no process of their own | problem, derive, inputs, weights, precision, result, candidate, card, rules, stats, files, paths, interpret, best |

tests/test_architecture.py holds this table to the package: every module is in exactly one row.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {  # name -> the module that owns it
    "evaluate": "evaluator.evaluation",
    "EvalConfig": "evaluator.evaluation",
    "code_hash": "evaluator.candidate",
    "Candidate": "evaluator.candidate",
    "EvalResult": "evaluator.result",
    "Status": "evaluator.result",
    "Limits": "evaluator.supervisor",
    "Problem": "evaluator.problem",
    "ProblemError": "evaluator.problem",
    "load_problem": "evaluator.problem",
    "import_file": "evaluator.problem",
    "check_reference": "evaluator.problem",
    "KERNELS_DIR": "evaluator.problem",
    "derive_sets": "evaluator.derive",
    "cannot_derive": "evaluator.derive",
    "work_floors": "evaluator.derive",
    "HAND_HINT": "evaluator.derive",
    "Policy": "evaluator.precision",
    "POLICIES": "evaluator.precision",
    "get_policy": "evaluator.precision",
    "make_executor": "evaluator.executor",
    "race": "evaluator.racing",
    "jit_functions": "evaluator.static",
    "contract_lines": "evaluator.static.contract",
    "DEFAULT_METRICS": "evaluator.ncu",
    "geomean": "evaluator.stats",
    "write_atomic": "evaluator.files",
    "umask_mode": "evaluator.files",
    "BestBook": "evaluator.best",
    "BestError": "evaluator.best",
    "CPU_KEY": "evaluator.best",
    "Speedups": "evaluator.best",
    "Winner": "evaluator.best",
    "device_key": "evaluator.best",
    "load_best": "evaluator.best",
    "local_gpu": "evaluator.best",
    "parse_best": "evaluator.best",
    "pick": "evaluator.best",
    "GpuCard": "evaluator.card",
    "GpuError": "evaluator.card",
    "card_keys": "evaluator.card",
    "find_card": "evaluator.card",
    "load_card": "evaluator.card",
    "Cancelled": "evaluator.cancel",
    "cancelled": "evaluator.cancel",
    "raise_if_cancelled": "evaluator.cancel",
    "stop_everything": "evaluator.cancel",
    "exit_now": "evaluator.cancel",
    "data_dir": "evaluator.paths",
    "is_installed_copy": "evaluator.paths",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from evaluator.best import (  # noqa: F401
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
    from evaluator.cancel import Cancelled, cancelled, exit_now, raise_if_cancelled, stop_everything  # noqa: F401
    from evaluator.candidate import Candidate, code_hash  # noqa: F401
    from evaluator.card import GpuCard, GpuError, card_keys, find_card, load_card  # noqa: F401
    from evaluator.derive import HAND_HINT, cannot_derive, derive_sets, work_floors  # noqa: F401
    from evaluator.evaluation import EvalConfig, evaluate  # noqa: F401
    from evaluator.executor import make_executor  # noqa: F401
    from evaluator.files import umask_mode, write_atomic  # noqa: F401
    from evaluator.ncu import DEFAULT_METRICS  # noqa: F401
    from evaluator.paths import data_dir, is_installed_copy  # noqa: F401
    from evaluator.precision import POLICIES, Policy, get_policy  # noqa: F401
    from evaluator.problem import KERNELS_DIR, Problem, ProblemError, check_reference, import_file, load_problem  # noqa: F401
    from evaluator.racing import race  # noqa: F401
    from evaluator.result import EvalResult, Status  # noqa: F401
    from evaluator.static import jit_functions  # noqa: F401
    from evaluator.static.contract import contract_lines  # noqa: F401
    from evaluator.stats import geomean  # noqa: F401
    from evaluator.supervisor import Limits  # noqa: F401
