"""evaluator.shared.wire: a malformed or forged message is one line naming the model and the field, never a KeyError
or an echo of what was sent; file messages (a worker's report, the profiler's job and marker) are read
under the same bounds as a line and never through a link or from a FIFO."""

from __future__ import annotations

import json
import os
import time

import pytest

from evaluator.shared.precision import get_policy
from evaluator.shared.problem import ShapeCase
from evaluator.shared.wire import (
    MAX_DEPTH,
    MAX_LINE,
    Baselines,
    BaselinesReport,
    CallSpec,
    Profiled,
    ProfileJob,
    TimingStats,
    WireError,
    parse,
    read_message,
)

T = {"median_ms": 1.5, "iqr_ms": 0.1, "min_ms": 1.4, "max_ms": 1.7, "reps": 30, "warmup": 5}


def rejected(data, model) -> str:
    line = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(WireError) as e:
        parse(line, model)
    message = str(e.value)
    assert "\n" not in message and len(message) <= 300, message
    return message


def test_a_baselines_report_round_trips_typed():
    report = BaselinesReport(
        phase="done", done=True, timings={"full[0]": Baselines(eager=TimingStats(**T), compiled=TimingStats(**T))}
    )
    back = parse(report.model_dump_json().encode(), BaselinesReport)
    assert back == report and back.timings["full[0]"].eager.median_ms == 1.5


@pytest.mark.parametrize(
    "timing, field",
    [
        ({**T, "median_ms": "fast"}, "median_ms: Input should be a valid number"),
        ({**T, "median_ms": 0.0}, "median_ms: Input should be greater than 0"),  # speedups divide by it
        ({**T, "median_ms": float("nan")}, "median_ms: Input should be a finite number"),
        ({**T, "iqr_ms": float("inf")}, "iqr_ms: Input should be a finite number"),
        ({k: v for k, v in T.items() if k != "reps"}, "reps: Field required"),
        ({**T, "verdict": "correct"}, "verdict: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_timing_is_one_line_naming_the_field(timing, field):
    message = rejected({"done": True, "timings": {"full[0]": {"eager": timing, "compiled": T}}}, BaselinesReport)
    assert message.startswith("malformed BaselinesReport: ") and f"timings.full[0].eager.{field}" in message
    assert "fast" not in message and "correct" not in message.replace("Extra", "")  # values are not echoed


def test_reports_refuse_other_shapes():
    assert "timings.full[0]: Input should be a valid dictionary" in rejected(
        {"timings": {"full[0]": [1]}}, BaselinesReport
    )
    assert "(top): Input should be a valid dictionary" in rejected([1, 2], BaselinesReport)
    assert "done: Input should be a valid boolean" in rejected({"done": [True]}, BaselinesReport)
    assert "timings.small[0].compiled: Field required" in rejected(
        {"timings": {"small[0]": {"eager": T}}}, BaselinesReport
    )
    assert rejected(b"{not json", BaselinesReport).startswith("malformed BaselinesReport: Expecting property name")
    assert rejected(b"\xff\xfe", BaselinesReport).startswith("malformed BaselinesReport: ")


def test_many_errors_are_summarised_in_one_line():
    message = rejected({"timings": {"a": {"eager": {}, "compiled": {}}}}, BaselinesReport)  # twelve missing
    assert message.count("Field required") == 3 and message.endswith("(and 9 more)")


def test_a_profile_job_and_marker_are_typed():
    case = ShapeCase(set="small", index=0, init=[3], inputs=[])
    calls = [CallSpec(n=0, case=case.label, seed=2), CallSpec(n=1, case=case.label, seed=3)]
    job = ProfileJob(
        problem_path="/w/reference.py", candidate_path="/w/c.py", cases=[case], calls=calls, profiled=1,
        policy=get_policy("tf32"), done_path="/w/done.json",
    )  # fmt: skip
    back = parse(job.model_dump_json().encode(), ProfileJob)
    assert back.cases == [case] and back.calls == calls and back.profiled == 1 and back.writable is None
    assert "cases: Field required" in rejected(
        {"problem_path": "p", "candidate_path": "c", "done_path": "d"}, ProfileJob
    )
    raw = json.loads(job.model_dump_json())
    assert "profiled must index calls" in rejected({**raw, "profiled": 2}, ProfileJob)
    assert "every call's case must be one of cases" in rejected(
        {**raw, "calls": [{"n": 0, "case": "full[0]", "seed": 1}]}, ProfileJob
    )
    assert "profiled_s: Field required" in rejected({"warmup_s": 1.0}, Profiled)
    assert "correct: Field required" in rejected({"warmup_s": 1.0, "profiled_s": 0.1}, Profiled)


def test_read_message_reads_a_file_under_the_bounds(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(BaselinesReport(done=True).model_dump_json())
    assert read_message(path, BaselinesReport).done
    with pytest.raises(WireError, match=r"^no BaselinesReport in absent.json \(No such file or directory\)$"):
        read_message(tmp_path / "absent.json", BaselinesReport)
    path.write_bytes(b'{"phase": "' + b"x" * MAX_LINE + b'"}')
    with pytest.raises(WireError, match="longer than"):
        read_message(path, BaselinesReport)
    path.write_bytes(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(WireError, match="nested deeper"):
        read_message(path, BaselinesReport)


def test_read_message_refuses_a_link_and_a_fifo_without_blocking(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text('{"done": true}')
    (tmp_path / "link.json").symlink_to(secret)
    with pytest.raises(WireError, match=r"^no BaselinesReport in link.json \(a link\)$"):
        read_message(tmp_path / "link.json", BaselinesReport)
    os.mkfifo(tmp_path / "fifo.json")  # no writer: a plain open() would wait for one forever
    t0 = time.monotonic()
    with pytest.raises(WireError, match="not a regular file"):
        read_message(tmp_path / "fifo.json", Profiled)
    assert time.monotonic() - t0 < 5
