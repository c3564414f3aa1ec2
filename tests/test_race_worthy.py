"""benchmarks/device/race_worthy.py: which attempt of a device run goes to promote's race."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "device" / "race_worthy.py"
spec = importlib.util.spec_from_file_location("race_worthy", SCRIPT)
race_worthy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(race_worthy)


def line(id, stage, status, ms):
    return json.dumps(dict(kind="attempt", id=id, stage=stage, status=status, geomean_ms=ms))


def test_a_candidate_slightly_slower_than_the_seed_in_the_loop_is_still_raced():
    # session 17 on an H100: 1.613 against 1.571 ms in the loop, faster under ncu; the race decides
    attempt, why = race_worthy.pick(
        [line("000-seed", "seed", "correct", 1.571), line("0001-1", "hopper", "correct", 1.613)]
    )
    assert attempt == "0001-1" and "1.027x" in why


def test_a_much_slower_or_failed_candidate_is_not():
    slow = [line("000-seed", "seed", "correct", 1.5), line("0001-1", "hopper", "correct", 1.8)]
    assert race_worthy.pick(slow)[0] is None
    failed = [line("000-seed", "seed", "correct", 1.5), line("0001-1", "hopper", "incorrect", None)]
    assert race_worthy.pick(failed) == (None, "no correct, timed attempt besides the seed")


def test_the_fastest_correct_attempt_is_picked_and_a_torn_last_line_is_skipped():
    lines = [
        line("000-seed", "seed", "correct", 1.7),
        line("0001-1", "hopper", "correct", 1.65),
        line("0002-1", "hopper", "correct", 1.60),
        line("0003-1", "hopper", "incorrect", 1.0),
        '{"kind": "attempt", "id": "0004-1", "geomean_ms": 0.',
    ]
    assert race_worthy.pick(lines)[0] == "0002-1"


def test_the_command_line_prints_the_attempt_alone_on_stdout(tmp_path):
    history = tmp_path / "history.jsonl"
    history.write_text(
        line("000-seed", "seed", "correct", 1.7) + "\n" + line("0001-1", "hopper", "correct", 1.6) + "\n"
    )
    out = subprocess.run([sys.executable, str(SCRIPT), str(history)], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "0001-1\n") and "0.941x" in out.stderr
    missing = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "none.jsonl")], capture_output=True, text=True
    )
    assert (
        missing.returncode == 2
        and missing.stderr.startswith("race_worthy: cannot read")
        and "Traceback" not in missing.stderr
    )


def test_race_self_reads_a_race_as_promote_would():
    """benchmarks/race_self.py's verdict: session 18's A/A race on an H100 (one kernel against a copy of itself,
    the lead alternating) was refused by a hair; the fixed-order race before it promoted the copy."""
    spec = importlib.util.spec_from_file_location("race_self", ROOT / "benchmarks" / "race_self.py")
    race_self = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(race_self)

    from evaluator.shared.timing import summarize  # what race() makes of the round medians

    def side(ms, led):
        return {"full[0]": summarize(ms, 0) | {"rounds_ms": ms, "led": led}}

    alternating = {
        "candidate": side([1.5530, 1.5515, 1.6255, 1.5585], [True, False, True, False]),
        "current": side([1.5480, 1.6397, 1.6196, 1.6360], [False, True, False, True]),
    }
    assert race_self.verdict(alternating, copies=True).startswith("refuses: not faster than")
    wide = {label: {c: t | {"iqr_ms": 0.0} for c, t in v.items()} for label, v in alternating.items()}
    assert race_self.verdict(wide, copies=True) == "PROMOTES the copy (a false promotion)"  # no spread: 4.4 % wins
    assert race_self.verdict(wide, copies=False) == "promotes the candidate"
