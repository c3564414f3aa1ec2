"""promote: correctness first, suspicious results need --force, a win must beat the noise, and each GPU
model keeps its own winner: a winner measured on another model is raced here, a CPU result never
replaces a GPU one. A CPU machine cannot produce GPU results, so the GPU paths run promote's main() on
recorded EvalResults (evaluate, race and the local GPU replaced); the CPU path runs for real."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import FIXTURES, ROOT

import agent.promote as promote
from agent.best import BestBook, Winner, device_key, load_best, parse_best, pick, starting_kernel
from agent.history import Record, RunStore
from agent.loop import Loop
from agent.promotion import contender, cpu_refusal, decide
from agent.settings import RunSettings
from evaluator.shared.result import CaseTiming, DeviceInfo, EvalResult, Status, Timing

H100 = "NVIDIA H100 80GB HBM3"
H200 = "NVIDIA H200"
H100_KEY, H200_KEY = "nvidia-h100-80gb-hbm3", "nvidia-h200"


def result(status=Status.correct, **kw) -> EvalResult:
    return EvalResult(
        status=status,
        gate="done",
        message=kw.pop("message", ""),
        problem="p",
        candidate="c",
        code_hash="h",
        precision="tf32",
        shape_sets=kw.pop("shape_sets", ["full"]),
        **kw,
    )


def gpu_result(ms: float, gpu: str = H200) -> EvalResult:
    """A correct result as the evaluator records it on `gpu`: one timed full case."""
    t = Timing(median_ms=ms, iqr_ms=ms * 0.01, min_ms=ms, max_ms=ms, reps=30, warmup=10)
    return result(
        shape_sets=["small", "odd", "full"],
        timings=[CaseTiming(case="full[0]", shapes="64x64x256x256", candidate=t, speedup_vs_compile=2.7 / ms)],
        speedup_vs_compile=2.7 / ms,
        device=DeviceInfo(name=gpu, cuda=True, capability="9.0", torch="2.13.0", triton="3.6.0"),
    )


def raced(new_ms: float, cur_ms: float, iqr: float = 0.05) -> dict:
    return {
        "candidate": {"full[0]": {"median_ms": new_ms, "iqr_ms": iqr}},
        "current": {"full[0]": {"median_ms": cur_ms, "iqr_ms": iqr}},
    }


# ------------------------------------------------------------ the decision on records


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


def test_an_interpreter_time_never_beats_a_gpu_time_even_forced():
    why = decide(result(interpreter_ms=33.0), gpu_result(2.6), True)
    assert "cannot compare" in why and "--force" not in why


def book_of(**models: Winner) -> BestBook:
    return BestBook(problem="p", latest=list(models)[-1], models=models)


def winner(gpu: str | None, ms: float | None, attempt: str = "0001-1") -> Winner:
    measure = "gpu" if gpu else "cpu-interpreter"
    return Winner(file=f"best/{device_key(gpu)}.py", measure=measure, geomean_ms=ms, device=gpu, attempt=attempt)


def test_device_keys_are_file_safe_model_names():
    assert device_key(H100) == H100_KEY and device_key(H200) == H200_KEY
    assert device_key(None) == "cpu" == device_key("cpu (TRITON_INTERPRET=1)")


def test_each_model_picks_its_own_winner_else_the_most_recent_and_the_cpu_never_a_gpu_one():
    book = book_of(**{H100_KEY: winner(H100, 2.6), H200_KEY: winner(H200, 1.9)})
    assert pick(book, H100_KEY).device == H100 and pick(book, H200_KEY).device == H200
    assert pick(book, "nvidia-a100-sxm4-80gb").device == H200  # none here: the most recent
    assert pick(book, "cpu") is None  # a GPU kernel (TMA, Gluon) may not even run in the interpreter
    with_cpu = book_of(cpu=winner(None, None), **{H100_KEY: winner(H100, 2.6)})
    assert pick(with_cpu, "cpu").measure == "cpu-interpreter"


def test_a_cpu_never_replaces_a_gpu_winner_and_a_gpu_races_the_most_recent():
    book = book_of(**{H100_KEY: winner(H100, 2.608)})
    why = cpu_refusal(book, "cpu")
    assert H100 in why and "2.608 ms" in why and "never replaces a GPU one" in why and "--force included" in why
    assert cpu_refusal(book, H200_KEY) is None  # a GPU races instead
    assert contender(book, H200_KEY).device == H100
    assert cpu_refusal(book_of(cpu=winner(None, None)), "cpu") is None  # between CPU winners: decide()
    assert cpu_refusal(BestBook(), "cpu") is None


def test_the_single_record_best_json_still_loads():
    # kernels/conv2d_scale_min/best.json as promoted on an H100 on 2026-11-24, before per-model winners.
    book = parse_best(json.loads((FIXTURES / "best_single_record.json").read_text()))
    [(key, w)] = book.models.items()
    assert key == H100_KEY == book.latest and w.file == "best.py" and w.device == H100
    assert w.geomean_ms == pytest.approx(2.6078720092773438)  # its `median_ms`
    assert w.speedups.vs_compile == pytest.approx(1.2306432187063914) and w.torch == "2.11.0+cu130"
    assert w.run == "20261124-110018-all-conv2d_scale_min" and w.replaced["measure"] == "gpu"
    # The repository's own file, whatever its format now, still holds that winner: as the H100's current
    # winner, or among the earlier winners it replaced (`history`, oldest first) once a faster one was promoted.
    now = load_best(ROOT / "kernels" / "conv2d_scale_min").models[H100_KEY]
    held = [(e.attempt, e.geomean_ms, e.code_sha256) for e in [*now.history, now]]
    assert (w.attempt, w.geomean_ms, w.code_sha256) in held
    assert now.history == [] or (now.history[0].run, now.history[0].attempt) == (w.run, w.attempt)


def test_a_rewritten_book_reads_back_as_models_and_keeps_single_record_fields_on_top():
    book = book_of(**{H100_KEY: winner(H100, 2.6, "0003-1"), H200_KEY: winner(H200, 1.9, "0007-1")})
    data = json.loads(json.dumps(book.dump()))
    assert data["attempt"] == "0007-1" and data["geomean_ms"] == 1.9 and data["format"] == 2
    again = parse_best(data)
    assert isinstance(again.models[H100_KEY], Winner) and again == book


def test_the_loop_starts_from_this_gpus_best_else_the_most_recent_else_the_seed(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    (folder / "best").mkdir(parents=True)
    for name in ("reference.py", "seed.py", "best.py", "best/nvidia-h100-80gb-hbm3.py", "best/nvidia-h200.py"):
        (folder / name).write_text(f"# {name}\n")
    book = book_of(**{H100_KEY: winner(H100, 2.6), H200_KEY: winner(H200, 1.9)})
    (folder / "best.json").write_text(json.dumps(book.dump()))
    ref, seed = folder / "reference.py", folder / "seed.py"
    assert starting_kernel(ref, seed, H100) == folder / "best" / "nvidia-h100-80gb-hbm3.py"
    assert starting_kernel(ref, seed, "NVIDIA A100-SXM4-80GB") == folder / "best" / "nvidia-h200.py"
    assert starting_kernel(ref, seed, None) == seed
    # agent.run's starting parent goes through it (Loop.start_path), unless --seed or the seed stage.
    monkeypatch.setattr("agent.loop.local_gpu", lambda: H100)
    fake = SimpleNamespace(settings=SimpleNamespace(seed=None, stage="all"), problem=SimpleNamespace(path=ref))
    fake.problem.seed_path = seed
    assert Loop.start_path(fake) == folder / "best" / "nvidia-h100-80gb-hbm3.py"
    fake.settings.stage = "seed"
    assert Loop.start_path(fake) is None


# ------------------------------------------------------------ promote's main() on recorded GPU results


def _problem_with_h100_winner(tmp_path):
    """A problem folder whose best.json is the single-record file promoted on an H100, and a run whose
    0001-1 is the seed kernel (its code differs from best.py)."""
    folder = tmp_path / "kernels" / "conv_min"
    folder.mkdir(parents=True)
    for name in ("reference.py", "seed.py", "best.py"):
        shutil.copy(ROOT / "kernels" / "conv2d_scale_min" / name, folder / name)
    shutil.copy(FIXTURES / "best_single_record.json", folder / "best.json")
    runs = tmp_path / "runs"
    store = RunStore.create(runs, RunSettings(problem=str(folder / "reference.py"), llm="manual"), "conv_min")
    for attempt in ("0001-1", "0002-1"):
        store.save(attempt, "code.py", (folder / "seed.py").read_text() + f"\n# {attempt}\n")
        store.append(Record(id=attempt, stage="fusion", status="correct"))
    return folder, runs, store.name


class Recorded:
    """evaluate/race replaced by recorded results, keyed by the evaluated file's name."""

    def __init__(self, monkeypatch, gpu: str | None, results: dict, race_ms: tuple[float, float] | None = None):
        self.evaluated: list[str] = []
        monkeypatch.setattr(promote, "local_gpu", lambda: gpu)
        monkeypatch.setattr(promote, "environment", lambda: {"driver": "570.86.15"})
        monkeypatch.setattr(promote, "evaluate", self.evaluate)
        monkeypatch.setattr(promote, "race", lambda contenders, problem, config: raced(*race_ms))
        self.results = results

    def evaluate(self, path, problem, config):
        self.evaluated.append(path.name)
        return self.results[path.name]


def test_an_h200_result_races_the_h100_winner_and_both_are_kept(tmp_path, monkeypatch, capsys):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    h100_code = (folder / "best.py").read_text()
    fake = Recorded(monkeypatch, H200, {"code.py": gpu_result(1.93), "best.py": gpu_result(2.30)}, (1.92, 2.31))
    rc = promote.main([name, "0001-1", "--runs-dir", str(runs), "--note", "h200"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert fake.evaluated == ["code.py", "best.py"]  # the H100's winner was evaluated here, then raced
    assert "[1/3] re-checking" in out and "[2/3] evaluating" in out and "[3/3] racing" in out
    assert "kept the winners of NVIDIA H100 80GB HBM3" in out
    new_code = (runs / name / "attempts" / "0001-1" / "code.py").read_text()
    assert (folder / "best" / "nvidia-h200.py").read_text() == new_code == (folder / "best.py").read_text()
    assert (folder / "best" / f"{H100_KEY}.py").read_text() == h100_code  # moved out before best.py changed
    book = load_best(folder)
    assert book.latest == H200_KEY and set(book.models) == {H100_KEY, H200_KEY}
    h100, h200 = book.models[H100_KEY], book.models[H200_KEY]
    assert h100.geomean_ms == pytest.approx(2.6078720092773438) and h100.file == f"best/{H100_KEY}.py"
    assert h200.geomean_ms == pytest.approx(1.93) and h200.device == H200 and h200.driver == "570.86.15"
    assert h200.raced_against == H100_KEY and h200.race["current"]["full[0]"]["median_ms"] == 2.31
    assert h200.history == [] and h200.note == "h200" and not h200.forced
    top = json.loads((folder / "best.json").read_text())
    assert top["attempt"] == "0001-1" and top["format"] == 2  # single-record readers see the latest

    # The next H200 promotion races the H200's own winner, and the H100's stays untouched.
    fake = Recorded(monkeypatch, H200, {"code.py": gpu_result(1.80), "nvidia-h200.py": gpu_result(1.93)}, (1.79, 1.93))
    assert promote.main([name, "0002-1", "--runs-dir", str(runs)]) == 0, capsys.readouterr().out
    assert fake.evaluated == ["code.py", "nvidia-h200.py"]
    book = load_best(folder)
    assert [h.attempt for h in book.models[H200_KEY].history] == ["0001-1"]
    assert book.models[H100_KEY] == h100


def test_losing_to_another_models_winner_raced_here_changes_nothing_and_says_so(tmp_path, monkeypatch, capsys):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    before = {p: p.read_bytes() for p in folder.iterdir()}
    Recorded(monkeypatch, H200, {"code.py": gpu_result(2.5), "best.py": gpu_result(2.30)}, (2.5, 2.3))
    rc = promote.main([name, "0001-1", "--runs-dir", str(runs)])
    out = " ".join(capsys.readouterr().out.split())
    assert rc == 1 and "not promoted" in out and "not faster than NVIDIA H100 80GB HBM3's winner raced" in out
    assert "has no winner of its own" in out
    assert {p: p.read_bytes() for p in folder.iterdir()} == before


def test_a_winner_that_fails_here_does_not_block_and_a_failed_candidate_spends_nothing_more(
    tmp_path, monkeypatch, capsys
):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    wrong = result(Status.incorrect, message="Wrong result on odd[0]")
    fake = Recorded(monkeypatch, H200, {"code.py": wrong})
    assert promote.main([name, "0001-1", "--runs-dir", str(runs)]) == 1
    assert "Wrong result on odd[0]" in capsys.readouterr().out and fake.evaluated == ["code.py"]
    # The H100's winner (say a Gluon kernel) is incorrect on this GPU: no race, the candidate wins here.
    fake = Recorded(monkeypatch, H200, {"code.py": gpu_result(2.4), "best.py": wrong})
    assert promote.main([name, "0001-1", "--runs-dir", str(runs)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "is incorrect here, so it does not stand in the way" in out and "no race" in out
    book = load_best(folder)
    assert book.latest == H200_KEY and book.models[H200_KEY].race is None and H100_KEY in book.models


def test_a_cpu_never_replaces_a_gpu_winner_not_even_forced(tmp_path, monkeypatch, capsys):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    before = {p: p.read_bytes() for p in folder.iterdir()}
    fake = Recorded(monkeypatch, None, {})
    for force in ([], ["--force"]):
        assert promote.main([name, "0001-1", "--runs-dir", str(runs), *force]) == 1
        out = " ".join(capsys.readouterr().out.split())
        assert "not promoted" in out and H100 in out and "never replaces a GPU one" in out
    assert fake.evaluated == []  # refused before spending an evaluation
    assert {p: p.read_bytes() for p in folder.iterdir()} == before


def test_the_cpu_says_the_shape_sets_it_runs_for_all(tmp_path, monkeypatch, capsys):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    for f in ("best.py", "best.json"):
        (folder / f).unlink()
    cpu = result(shape_sets=["small", "odd"], interpreter_ms=300.0)
    Recorded(monkeypatch, None, {"code.py": cpu})
    assert promote.main([name, "0001-1", "--runs-dir", str(runs)]) == 0
    out = capsys.readouterr().out
    # `all` without a GPU is small + odd (the evaluator skips full): said before and after, never "all".
    assert "[1/1] re-checking" in out and "on shape sets small, odd" in out and "'all'" not in out
    assert "candidate: correct on shape sets small, odd" in out


def test_a_broken_best_json_is_one_line_and_exit_2(tmp_path, capsys):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    (folder / "best.json").write_text('{"models": {"x": {"geomean_ms": "fast"}}}')
    assert promote.main([name, "0001-1", "--runs-dir", str(runs)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "best.json" in err and "geomean_ms" in err and "\n" not in err


# ------------------------------------------------------------ a real promotion on this CPU


def test_cpu_promotion_end_to_end_where_there_is_no_best_yet(tmp_path):
    folder, runs, name = _problem_with_h100_winner(tmp_path)
    for f in ("best.py", "best.json"):
        (folder / f).unlink()
    cmd = [sys.executable, "-m", "agent.promote", name, "0001-1", "--runs-dir", str(runs), "--shapes", "small"]
    cmd += ["--note", "cpu"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline() + proc.stdout.readline()
    running = proc.poll() is None  # the phase line reached the pipe while the evaluation was still going
    out, err = proc.communicate(timeout=600)
    out = first + out
    assert proc.returncode == 0, out + err
    assert running and "[1/1] re-checking" in first
    assert "on shape sets small" in out and "correct on shape sets small" in out
    code = (runs / name / "attempts" / "0001-1" / "code.py").read_text()
    assert (folder / "best.py").read_text() == code == (folder / "best" / "cpu.py").read_text()
    book = load_best(folder)
    assert list(book.models) == ["cpu"] and book.latest == "cpu"
    w = book.models["cpu"]
    assert w.measure == "cpu-interpreter" and w.geomean_ms is None and w.shape_sets == ["small"]
    assert w.note == "cpu" and w.run == name and w.attempt == "0001-1" and w.triton
    # A second CPU result cannot beat the first: interpreter time is no speed signal (test_loop runs that).
