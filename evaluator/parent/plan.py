"""One evaluation's plan: every setting resolved once, before anything runs, as one typed object.

    from evaluator.parent.plan import EvalPlan
    plan = EvalPlan.resolve(problem, config, cuda=True)   # shape sets, cases, timed cases, policy, seeds, limits
    plan.job("oracle", workdir)                           # what a child needs (wire.Job), cut from the plan

The judge, the oracle and the candidate's process (through their Jobs), the baselines, the profiler and
the race all read the same plan, so no two of them can disagree on which cases are timed, which policy
is in force or which seed the evaluation runs under. The timed cases follow one rule everywhere
(evaluator.shared.problem.Problem.timed_cases): the `full` set when it is evaluated, else every evaluated case.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evaluator.parent.supervisor import Limits
from evaluator.shared.precision import Policy, get_policy
from evaluator.shared.problem import Problem, ShapeCase, import_file
from evaluator.shared.wire import DynamicRange, Job


def resolve_sets(problem: Problem, shapes: str, cuda: bool) -> tuple[list[str], list[str]]:
    """Shape sets to run, and notes. Without CUDA only sets small enough for the interpreter run."""
    notes = []
    if shapes == "auto":
        shapes = "all" if cuda else "small" if "small" in problem.sets else "all"
    names = problem.set_names(shapes)
    if not cuda and "full" in names and len(names) > 1:
        names.remove("full")
        notes.append("shape set 'full' skipped: no CUDA device (the interpreter would take hours)")
    return names, notes


class EvalPlan(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    problem_name: str
    problem_path: Path
    device: Literal["cuda", "cpu"]
    sets: list[str]
    cases: list[ShapeCase]
    time_cases: list[str]  # labels; empty when nothing is timed (no GPU, or time=False)
    policy: Policy
    dynamic: DynamicRange | None  # the dynamic-range trial, its scale resolved from the policy
    seed: int  # the evaluation's seed: baselines and the profiler draw from it
    call_seed: int | None  # None: each call's seed comes from the system RNG (unpredictable to the candidate)
    trials: int
    min_calls: int
    timing: dict[str, int | float]  # evaluator.shared.timing.benchmark keywords: repetition counts stay ints
    limits: Limits
    disabled: set[str] = Field(default_factory=set)
    env: dict[str, str] = Field(default_factory=dict)
    warm: bool = True
    notes: list[str] = Field(default_factory=list)

    @property
    def cuda(self) -> bool:
        return self.device == "cuda"

    @classmethod
    def resolve(cls, problem: Problem, config, cuda: bool, warm: bool = True) -> EvalPlan:
        """From an EvalConfig (evaluator.parent.evaluation) and the problem: the one place settings are interpreted."""
        policy = get_policy(config.precision)
        sets, notes = resolve_sets(problem, config.shapes, cuda)
        dynamic = None
        if "dynamic" not in config.disable:
            from evaluator.parent.calls import dynamic_range

            dynamic = dynamic_range(import_file(problem.path, "_problem_dynamic"))
            if dynamic is not None and dynamic.scale is None:
                dynamic.scale = policy.dynamic_scale
        timed = [c.label for c in problem.timed_cases(sets)] if cuda and config.time else []
        return cls(
            problem_name=problem.name,
            problem_path=problem.path,
            device="cuda" if cuda else "cpu",
            sets=sets,
            cases=problem.cases_of(sets),
            time_cases=timed,
            policy=policy,
            dynamic=dynamic,
            seed=config.seed if config.seed is not None else secrets.randbits(62),
            call_seed=config.seed,
            trials=config.trials,
            min_calls=config.min_calls,
            timing={"target_ms": config.target_ms, "min_reps": config.min_reps, "max_reps": config.max_reps},
            limits=config.limits,
            disabled=set(config.disable),
            env=dict(config.env),
            warm=warm,
            notes=notes,
        )

    def case(self, label: str) -> ShapeCase:
        return next(c for c in self.cases if c.label == label)

    def job(self, mode: str, workdir: Path, **more) -> Job:
        """A child's Job, cut from this plan (the candidate's process gets no policy: it judges nothing)."""
        base = dict(
            mode=mode,
            problem_path=str(self.problem_path),
            cases=self.cases,
            device=self.device,
            disabled=sorted(self.disabled),
            timing=self.timing,
            workdir=str(workdir),
            seed=self.seed,
        )
        if mode == "oracle":
            base.update(policy=self.policy, dynamic=self.dynamic)
        return Job(**{**base, **more})
