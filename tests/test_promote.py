"""promote.decide(): correctness first, suspicious results need --force, and a win must beat the noise."""
from __future__ import annotations

from agent.promote import decide
from evaluator.result import EvalResult, Status


def result(status=Status.correct, **kw) -> EvalResult:
    return EvalResult(status=status, gate="done", message=kw.pop("message", ""), problem="p", candidate="c",
                      code_hash="h", precision="tf32", shape_sets=["full"], **kw)


def raced(new_ms: float, cur_ms: float, iqr: float = 0.05) -> dict:
    return {"candidate": {"full[0]": {"median_ms": new_ms, "iqr_ms": iqr}},
            "current": {"full[0]": {"median_ms": cur_ms, "iqr_ms": iqr}}}


def test_incorrect_is_refused_with_the_evaluator_message():
    why = decide(result(Status.incorrect, message="Wrong result on odd[0]"), None, force=False)
    assert "incorrect" in why and "Wrong result on odd[0]" in why


def test_suspicious_needs_force():
    sus = result(suspicious=["faster than the arithmetic floor"])
    assert "too good to be true" in decide(sus, None, force=False)
    assert decide(sus, None, force=True) is None


def test_race_win_within_noise_is_not_a_win():
    # 2.862 vs 2.899 ms with a 1.7% IQR: measured on an H100 on 2026-11-24, and not a real difference.
    why = decide(result(), result(), False, raced(2.862, 2.899, iqr=0.0504))
    assert "not faster" in why and "noise" in why
    assert decide(result(), result(), False, raced(2.5, 2.899, iqr=0.0504)) is None


def test_without_a_race_interpreter_times_are_compared():
    assert "not faster" in decide(result(interpreter_ms=230.0), result(interpreter_ms=33.0), False)
    assert decide(result(interpreter_ms=33.0), result(interpreter_ms=230.0), False) is None
    assert decide(result(interpreter_ms=33.0), None, False) is None  # nothing promoted yet
