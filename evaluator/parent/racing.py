"""Time several already-evaluated candidates side by side on the same GPU, each in its own jailed process.

    from evaluator.parent.racing import race
    medians = race({"candidate": Path("new.py"), "current": Path("best.py")}, problem, config)
    medians["candidate"]["full[0]"]["median_ms"]

Used by promote: two numbers taken minutes apart differ by the machine's drift as well as by the code, so
the contenders take turns, `ROUNDS` rounds of one full evaluation each (evaluator.parent.evaluation.evaluate
on the timed shape set: correctness, the in-process audits, the candidate's benchmark and the parent's
wall-clock cross-check), and each one's figure per case is the median of its round medians.

Why the order rotates: with a fixed order, anything tied to a turn's place in its round (the state the GPU
is left in by the turn before) becomes a difference between the contenders. Raced against itself with the
candidate first every round (the same cubin in two files, one NVIDIA H100, session 18), the kernel took 1.515,
1.522 and 1.581 ms, its copy 1.599, 1.608 and 1.641 ms: 5.6 % between medians, past the noise the promotion
rule allows. (Short turns were most of that; see below.) So round r starts with the contender r places down
the list, and ROUNDS is a multiple of two (each of two contenders leads as often as it follows): a place effect
lands in each contender's spread across rounds (its IQR, which promote's rule counts as noise) instead of
between the contenders. Each case keeps its round medians (`rounds_ms`) and which of them the contender led
(`led`).

Why each turn times at least TURN_MS: a turn of 25-33 ms of work (the evaluation's 100 ms over the rounds) lands
wherever the power cap's throttling happens to be. The same kernel evaluated 6 times per window in turns
(benchmarks/seed_eval.py, one H100, session 18): 25 ms windows 1.546-1.616 ms (4.4 % between the extremes),
400 ms windows 1.627-1.661 ms (2.1 %; five of six within 0.7 %), and 2.5 % slower: the clock the cap allows
under sustained TF32 work, which is what a user's workload runs at. The longer window costs about 0.6 s a
turn against some 20 s of process, compile and correctness.

Why evaluations, one process per turn, and not all contenders in one process: a contender is an adversary
of the others. In a shared process it could slow its rival (patch what the rival calls, keep the GPU busy
during the rival's turns) or rewrite the race's report; the report was the contenders' own file. Here each
turn is a fresh process in the candidate's jail, killed with everything it started before the next turn
begins (a dead process's GPU context and queued work die with it), and every figure is an evaluation's,
under the same checks and clocks as any verdict. A turn that is not `correct`, or whose timing the
evaluation flags as suspicious, fails the race with one line saying which contender and why.
GPU only: on the CPU there is no timing to race.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.shared.problem import Problem
from evaluator.shared.result import EvalResult, Status, Timing
from evaluator.shared.timing import summarize

ROUNDS = 4  # even: with two contenders, each leads two rounds and follows two
TURN_MS = 400.0  # the least measured work per timed case in one turn (ms): the GPU's sustained, power-capped state


def race(
    contenders: dict[str, Path],
    problem: Problem,
    config: EvalConfig,
    shape_set: str | None = None,
    evaluator: Callable[[Path, Problem, EvalConfig], EvalResult] = evaluate,
    rounds: int = ROUNDS,
) -> dict:
    """{label: {case: timing}} on the cases an evaluation of `shape_set` (default: the config's) times
    (Problem.timed_cases: the `full` set if the problem has it, else all), each timing a wire.TimingStats as a
    dict over the rounds' medians, with `rounds_ms` (those medians, round by round) and `led` (per round, whether
    this contender's turn came first); raises RuntimeError with one line on why if the race fails.
    `evaluator`: what runs one turn (evaluate; a test may record turns). `rounds`: a multiple of the number of
    contenders, so that each leads as often as the others (benchmarks/race_self.py runs more)."""
    if rounds < 1 or rounds % len(contenders):
        raise ValueError(
            f"a race of {len(contenders)} contenders needs a positive multiple of {len(contenders)} rounds"
        )
    turn = config.model_copy(
        update={
            "shapes": round_shapes(problem, shape_set or config.shapes),
            "target_ms": max(config.target_ms, TURN_MS),
            "ncu": False,  # the promotion's own evaluations profiled; the race only times
            "keep_dir": None,
            "seed": None,  # fresh seeds every turn
        }
    )
    times: dict[str, dict[str, list[Timing]]] = {label: {} for label in contenders}
    led: dict[str, list[bool]] = {label: [] for label in contenders}
    labels = list(contenders)
    for r in range(rounds):
        order = labels[r % len(labels) :] + labels[: r % len(labels)]
        for label in order:
            path = contenders[label]
            led[label].append(label == order[0])
            result = evaluator(Path(path), problem, turn)
            where = f"{label} in round {r + 1} of {rounds}"
            if result.status is not Status.correct:
                raise RuntimeError(f"race failed: {where} is {result.status.value}: {_line(result.message)}")
            if result.suspicious:
                why = _line("; ".join(result.suspicious))
                raise RuntimeError(f"race failed: {where} has a suspicious timing: {why}")
            timed = {t.case: t.candidate for t in result.timings if t.candidate is not None}
            if not timed:
                raise RuntimeError(f"race failed: {where} was not timed (a race needs a GPU)")
            if r and set(timed) != set(times[label]):
                raise RuntimeError(f"race failed: {where} timed other cases than in round 1")
            for case, t in timed.items():
                times[label].setdefault(case, []).append(t)
    out = {}
    for label, per_case in times.items():
        out[label] = {}
        for case, timings in per_case.items():
            # summarize's median of the round medians; its reps counted rounds, ours count repetitions
            stats = summarize([t.median_ms for t in timings], 0)
            out[label][case] = stats | {
                "reps": sum(t.reps for t in timings),
                "rounds_ms": [t.median_ms for t in timings],
                "led": led[label],
            }
    return out


def round_shapes(problem: Problem, shapes: str) -> str:
    """The shape set one turn evaluates: only the timed one (`full`) when the asked sets include it."""
    names = list(problem.sets) if shapes == "auto" else problem.set_names(shapes)
    return "full" if "full" in names and "full" in problem.sets else shapes


def _line(text: str) -> str:
    return " ".join(text.split())[:400]
