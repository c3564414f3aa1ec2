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

Where each part runs: a folder per process, so an import across folders is an import across a trust
boundary, and tests/test_architecture.py holds each folder to the folders it may import.

| folder | runs in | may import | modules |
|---|---|---|---|
| (top) | the caller's process: this face, and the CLI (`python -m evaluator`) | anything but `agent` | __main__ |
| shared/ | wherever imported (`agent` too, through this face): trusted data and pure helpers, no process of their own: problems and their shapes, draws and weights, precision, results, GPU cards, winners per GPU model, timing, the one command-line parser rule, and the typed wire between the processes (wire; handover: the inbox outputs are handed over in, GPU memory the oracle owns); Landlock's write seal, which ncu's target puts on itself; seccomp's SIGCHLD seal, which the candidate's process puts on itself | shared | shared.problem, shared.loader, shared.derive, shared.inputs, shared.draw, shared.weights, shared.precision, shared.result, shared.candidate, shared.card, shared.rules, shared.stats, shared.files, shared.paths, shared.interpret, shared.best, shared.timing, shared.lifeline, shared.cli, shared.wire, shared.handover, shared.landlock, shared.seccomp |
| static/ | the parent, before any candidate code runs: the source only: its AST (the bans and the host-code contract, a package by concern) and the lines Triton and the importer read from its text | shared, static | static.scan, static.bans, static.finding, static.source, static.contract.allowlist, static.contract.syntax, static.contract.region, static.contract.inference, static.contract.places, static.contract.structures, static.contract.kinds, static.contract.definitions, static.contract.device, static.contract.calls, static.contract.operands, static.contract.checker |
| parent/ | the evaluating process (the judge): evaluate() and its one plan, the pools that run it (threads, Ray), Ctrl-C's cancel; seeds, clocks, every verdict; the one spawner (process.spawn), the jail it builds (and polls: usage; its witness of the candidate's processes), the warm zygotes it forks from; the parent side of ncu and of the race; the baselines' cache, the roofline | shared, static, parent | parent.evaluation, parent.plan, parent.executor, parent.cancel, parent.judge, parent.calls, parent.supervisor, parent.process, parent.jail, parent.usage, parent.witness, parent.warm, parent.roofline, parent.ncu, parent.racing, parent.baselines |
| oracle/ | its own trusted process: the memory plan, reference outputs and the comparison on the device, the blame of an ignored parameter; never imports the candidate | shared, oracle | oracle.oracle, oracle.reference, oracle.determinism, oracle.correctness, oracle.memory, oracle.blame |
| child/ | the jail (namespaces, a minimal root, private /tmp): runs ModelNew, hands its outputs over and audit findings; forked per candidate from a warm zygote in the jail | shared, child | child.boot, child.root, child.zygote, child.candidate, child.trial, child.audit, child.guards |
| worker/ | a worker process reporting through a file: the reference's baselines (trusted) and the profiler's target under ncu (in the candidate's jail, child.boot --exec) | shared, oracle, worker | worker.worker, worker.profile_target |

tests/test_architecture.py holds this table to the package: every folder is a row, every module is named in
exactly one row (its folder's), and the "may import" column is the rule its imports are checked against.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {  # name -> the module that owns it
    "CliParser": "evaluator.shared.cli",
    "evaluate": "evaluator.parent.evaluation",
    "EvalConfig": "evaluator.parent.evaluation",
    "code_hash": "evaluator.shared.candidate",
    "Candidate": "evaluator.shared.candidate",
    "EvalResult": "evaluator.shared.result",
    "Status": "evaluator.shared.result",
    "Limits": "evaluator.parent.supervisor",
    "Problem": "evaluator.shared.problem",
    "ProblemError": "evaluator.shared.problem",
    "load_problem": "evaluator.shared.loader",
    "import_file": "evaluator.shared.problem",
    "check_reference": "evaluator.oracle.determinism",
    "KERNELS_DIR": "evaluator.shared.loader",
    "derive_sets": "evaluator.shared.derive",
    "cannot_derive": "evaluator.shared.derive",
    "work_floors": "evaluator.shared.derive",
    "HAND_HINT": "evaluator.shared.derive",
    "Policy": "evaluator.shared.precision",
    "POLICIES": "evaluator.shared.precision",
    "get_policy": "evaluator.shared.precision",
    "make_executor": "evaluator.parent.executor",
    "race": "evaluator.parent.racing",
    "jit_functions": "evaluator.static",
    "MAX_SOURCE_BYTES": "evaluator.static",
    "contract_lines": "evaluator.static.contract",
    "DEFAULT_METRICS": "evaluator.parent.ncu",
    "geomean": "evaluator.shared.stats",
    "write_atomic": "evaluator.shared.files",
    "umask_mode": "evaluator.shared.files",
    "BestBook": "evaluator.shared.best",
    "BestError": "evaluator.shared.best",
    "CPU_KEY": "evaluator.shared.best",
    "Speedups": "evaluator.shared.best",
    "Winner": "evaluator.shared.best",
    "device_key": "evaluator.shared.best",
    "load_best": "evaluator.shared.best",
    "local_gpu": "evaluator.shared.best",
    "parse_best": "evaluator.shared.best",
    "pick": "evaluator.shared.best",
    "GpuCard": "evaluator.shared.card",
    "GpuError": "evaluator.shared.card",
    "card_keys": "evaluator.shared.card",
    "find_card": "evaluator.shared.card",
    "load_card": "evaluator.shared.card",
    "Cancelled": "evaluator.parent.cancel",
    "cancelled": "evaluator.parent.cancel",
    "raise_if_cancelled": "evaluator.parent.cancel",
    "stop_everything": "evaluator.parent.cancel",
    "exit_now": "evaluator.parent.cancel",
    "data_dir": "evaluator.shared.paths",
    "is_installed_copy": "evaluator.shared.paths",
    "problem_dirs": "evaluator.shared.paths",
    "writable_kernels_dir": "evaluator.shared.paths",
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
    from evaluator.oracle.determinism import check_reference  # noqa: F401
    from evaluator.parent.cancel import Cancelled, cancelled, exit_now, raise_if_cancelled, stop_everything  # noqa: F401
    from evaluator.parent.evaluation import EvalConfig, evaluate  # noqa: F401
    from evaluator.parent.executor import make_executor  # noqa: F401
    from evaluator.parent.ncu import DEFAULT_METRICS  # noqa: F401
    from evaluator.parent.racing import race  # noqa: F401
    from evaluator.parent.supervisor import Limits  # noqa: F401
    from evaluator.shared.best import (  # noqa: F401
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
    from evaluator.shared.candidate import Candidate, code_hash  # noqa: F401
    from evaluator.shared.card import GpuCard, GpuError, card_keys, find_card, load_card  # noqa: F401
    from evaluator.shared.cli import CliParser  # noqa: F401
    from evaluator.shared.derive import HAND_HINT, cannot_derive, derive_sets, work_floors  # noqa: F401
    from evaluator.shared.files import umask_mode, write_atomic  # noqa: F401
    from evaluator.shared.loader import KERNELS_DIR, load_problem  # noqa: F401
    from evaluator.shared.paths import data_dir, is_installed_copy, problem_dirs, writable_kernels_dir  # noqa: F401
    from evaluator.shared.precision import POLICIES, Policy, get_policy  # noqa: F401
    from evaluator.shared.problem import Problem, ProblemError, import_file  # noqa: F401
    from evaluator.shared.result import EvalResult, Status  # noqa: F401
    from evaluator.shared.stats import geomean  # noqa: F401
    from evaluator.static import MAX_SOURCE_BYTES, jit_functions  # noqa: F401
    from evaluator.static.contract import contract_lines  # noqa: F401
