"""promote: correctness first, suspicious results need --force, a win must beat the noise, and a
GPU-measured winner is never replaced from a CPU or another GPU model without --force."""

from __future__ import annotations

import json
import shutil

from conftest import ROOT, run_cli

from agent.history import Record, RunStore
from agent.promote import decide, device_refusal, history
from agent.settings import RunSettings
from evaluator.result import EvalResult, Status

H100 = "NVIDIA H100 80GB HBM3"


def result(status=Status.correct, **kw) -> EvalResult:
    return EvalResult(
        status=status,
        gate="done",
        message=kw.pop("message", ""),
        problem="p",
        candidate="c",
        code_hash="h",
        precision="tf32",
        shape_sets=["full"],
        **kw,
    )


def raced(new_ms: float, cur_ms: float, iqr: float = 0.05) -> dict:
    return {
        "candidate": {"full[0]": {"median_ms": new_ms, "iqr_ms": iqr}},
        "current": {"full[0]": {"median_ms": cur_ms, "iqr_ms": iqr}},
    }


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


def test_interpreter_times_are_never_compared():
    # 33 ms vs 230 ms in the interpreter would once have "won"; the interpreter's time is no speed signal.
    why = decide(result(interpreter_ms=33.0), result(interpreter_ms=230.0), False)
    assert "CPU interpreter" in why and "--force" in why
    assert decide(result(interpreter_ms=33.0), result(interpreter_ms=230.0), True) is None
    assert decide(result(interpreter_ms=33.0), None, False) is None  # nothing promoted yet: correct suffices


def test_a_gpu_winner_is_kept_from_a_cpu_or_another_gpu_model():
    recorded = {"measure": "gpu", "median_ms": 2.608, "device": {"name": H100}}
    cpu = device_refusal(recorded, None, force=False)
    assert H100 in cpu and "2.608 ms" in cpu and "no GPU" in cpu and "--force" in cpu
    other = device_refusal(recorded, "NVIDIA A100-SXM4-80GB", force=False)
    assert "different GPU model" in other and "A100" in other
    assert device_refusal(recorded, H100, force=False) is None  # same model: the race decides
    assert device_refusal(recorded, None, force=True) is None
    assert device_refusal({"measure": "cpu-interpreter"}, None, force=False) is None
    assert device_refusal(None, None, force=False) is None
    renamed = {"measure": "gpu", "geomean_ms": 2.5, "device": {"name": H100}}  # best.json since 2026-11-26
    assert "2.5 ms" in device_refusal(renamed, None, force=False)


def test_history_keeps_every_replaced_winner_oldest_first():
    first = {"attempt": "0001-1", "history": []}
    second = {"attempt": "0003-1", "history": history(first)}
    assert history(second) == [{"attempt": "0001-1"}, {"attempt": "0003-1"}]
    assert history(None) == []


def _run_with_seed_attempt(tmp_path):
    """A problem folder whose best.py was promoted on an H100, and a run whose attempt is the seed."""
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py", "best.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    recorded = {
        "problem": "conv_min",
        "attempt": "0003-1",
        "measure": "gpu",
        "median_ms": 2.608,
        "device": {"name": H100},
        "history": [{"attempt": "0001-1", "measure": "gpu"}],
    }
    (folder / "best.json").write_text(json.dumps(recorded))
    runs = tmp_path / "runs"
    store = RunStore.create(runs, RunSettings(problem=str(folder / "reference.py"), llm="manual"), "conv_min")
    store.save("0001-1", "code.py", (folder / "seed.py").read_text())
    store.append(Record(id="0001-1", stage="fusion", status="correct"))
    return folder, runs, store.name, recorded


def test_cpu_promote_refuses_to_replace_a_gpu_winner_unless_forced(tmp_path):
    folder, runs, name, recorded = _run_with_seed_attempt(tmp_path)
    before = (folder / "best.py").read_text()
    p = run_cli("-m", "agent.promote", name, "0001-1", "--runs-dir", str(runs), "--shapes", "small")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "not promoted" in p.stdout and H100 in p.stdout and "--force" in p.stdout
    assert "re-evaluating" not in p.stdout  # refused before spending an evaluation
    assert (folder / "best.py").read_text() == before and json.loads((folder / "best.json").read_text()) == recorded
    forced = run_cli(
        "-m",
        "agent.promote",
        name,
        "0001-1",
        "--runs-dir",
        str(runs),
        "--shapes",
        "small",
        "--force",
        "--note",
        "dry run",
    )
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert (folder / "best.py").read_text() == (folder / "seed.py").read_text()
    meta = json.loads((folder / "best.json").read_text())
    assert meta["forced"] is True and meta["measure"] == "cpu-interpreter" and meta["geomean_ms"] is None
    assert [h["attempt"] for h in meta["history"]] == ["0001-1", "0003-1"]  # the H100 winner is kept
    assert meta["history"][1]["device"]["name"] == H100
