"""The promotion race (evaluator.parent.racing) is made of evaluations: the contenders take turns, each turn
a full evaluation in its own jailed process, so a contender can neither slow its rival nor write the
figures. Here: on the CPU the real race stops at once with one line (nothing to time without a GPU);
the turn order, the median over rounds, and the refusal of a turn that is not correct, is flagged or
timed other cases, run on recorded results (a CPU cannot time). tests/test_gpu.py races for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED

from agent.promotion import decide
from evaluator.parent.evaluation import EvalConfig
from evaluator.parent.racing import ROUNDS, TURN_MS, race, round_shapes
from evaluator.shared.loader import load_problem
from evaluator.shared.result import CaseTiming, EvalResult, Status, Timing

PROBLEM = load_problem("conv2d_scale_min")


def timed(ms: dict[str, float], status=Status.correct, suspicious=()) -> EvalResult:
    return EvalResult(
        status=status,
        gate="done",
        message="" if status is Status.correct else "output mismatch on full[0]",
        problem="p",
        candidate="c",
        code_hash="h",
        precision="tf32",
        shape_sets=["full"],
        timings=[
            CaseTiming(
                case=c, shapes="s", candidate=Timing(median_ms=v, iqr_ms=0, min_ms=v, max_ms=v, reps=10, warmup=2)
            )
            for c, v in ms.items()
        ],
        suspicious=list(suspicious),
    )


class Turns:
    """Stands in for evaluate(): hands out recorded results per contender, in order, and logs each turn."""

    def __init__(self, **results: list[EvalResult]):
        self.results = {Path(f"{k}.py"): list(v) for k, v in results.items()}
        self.turns: list[tuple[str, str]] = []

    def __call__(self, path: Path, problem, config: EvalConfig) -> EvalResult:
        self.turns.append((path.stem, config.shapes))
        assert config.seed is None and not config.ncu and config.keep_dir is None
        assert config.target_ms >= TURN_MS  # the sustained state, not the first milliseconds of a burst
        return self.results[path].pop(0)


def contenders(*labels: str) -> dict[str, Path]:
    return {label: Path(f"{label}.py") for label in labels}


def test_turns_alternate_who_leads_and_each_figure_is_the_median_of_the_rounds():
    turns = Turns(
        new=[timed({"full[0]": v}) for v in (1.0, 1.3, 1.1, 1.2)],
        cur=[timed({"full[0]": v}) for v in (2.0, 1.9, 2.6, 2.2)],
    )
    out = race(contenders("new", "cur"), PROBLEM, EvalConfig(shapes="all", target_ms=90), evaluator=turns)
    assert ROUNDS % 2 == 0  # two contenders lead equally often
    # only the timed set, in turns, the lead changing hands every round
    assert turns.turns == [("new", "full"), ("cur", "full"), ("cur", "full"), ("new", "full")] * (ROUNDS // 2)
    new, cur = out["new"]["full[0]"], out["cur"]["full[0]"]
    assert new["median_ms"] == pytest.approx(1.15) and cur["median_ms"] == pytest.approx(2.1)
    assert new["reps"] == 10 * ROUNDS and new["iqr_ms"] > 0  # the rounds' spread
    assert cur["min_ms"] == 1.9 and cur["max_ms"] == 2.6
    assert new["rounds_ms"] == [1.0, 1.3, 1.1, 1.2] and new["led"] == [True, False, True, False]
    assert cur["led"] == [False, True, False, True]


class PlaceBiased:
    """Stands in for evaluate() on a GPU where a turn's place in its round moves its time: the contenders are
    the same kernel, and whichever goes first in a round measures `bias` faster (a fixed-order race in session 18
    put a kernel 5.6 % ahead of a copy of itself on an H100)."""

    def __init__(self, ms: float, bias: float):
        self.ms, self.bias, self.calls = ms, bias, 0

    def __call__(self, path: Path, problem, config: EvalConfig) -> EvalResult:
        first = self.calls % 2 == 0  # two contenders: every other turn opens a round
        self.calls += 1
        return timed({"full[0]": self.ms * (1 - self.bias if first else 1.0)})


def test_a_kernel_raced_against_itself_wins_nothing_when_going_first_is_faster():
    out = race(contenders("candidate", "current"), PROBLEM, EvalConfig(), evaluator=PlaceBiased(1.6, 0.056))
    new, cur = out["candidate"]["full[0]"], out["current"]["full[0]"]
    assert new["median_ms"] == cur["median_ms"]  # the place effect cancels between them ...
    assert new["iqr_ms"] / new["median_ms"] > 0.05  # ... and shows as each one's spread
    same = timed({"full[0]": 1.6})
    why = decide(same, same, force=False, raced=out)
    assert why is not None and why.startswith("not faster than the current best.py side by side")


@pytest.mark.parametrize(
    "bad, why",
    [
        (timed({"full[0]": 1.0}, Status.incorrect), "race failed: new in round 2 of 4 is incorrect: output mismatch"),
        (
            timed({"full[0]": 0.2}, suspicious=["full[0]: the timing disagrees with the wall clock"]),
            "race failed: new in round 2 of 4 has a suspicious timing: full[0]: the timing disagrees",
        ),
        (timed({}), "race failed: new in round 2 of 4 was not timed"),
        (timed({"full[1]": 1.0}), "race failed: new in round 2 of 4 timed other cases than in round 1"),
    ],
)
def test_a_bad_turn_fails_the_race_in_one_line(bad, why):
    turns = Turns(new=[timed({"full[0]": 1.0}), bad], cur=[timed({"full[0]": 2.0})] * 3)
    with pytest.raises(RuntimeError) as e:
        race(contenders("new", "cur"), PROBLEM, EvalConfig(), evaluator=turns)
    assert str(e.value).startswith(why) and "\n" not in str(e.value)
    assert turns.turns[-1] == ("new", "full")  # it stopped at the bad turn


def test_a_turn_evaluates_only_the_timed_set():
    assert round_shapes(PROBLEM, "all") == round_shapes(PROBLEM, "auto") == "full"
    assert round_shapes(PROBLEM, "odd") == "odd"


def test_on_the_cpu_the_real_race_stops_at_its_first_turn():
    with pytest.raises(RuntimeError, match=r"^race failed: seed in round 1 of 4 was not timed \(a race needs a GPU\)$"):
        race({"seed": SEED}, PROBLEM, EvalConfig(device="cpu"), shape_set="small")
