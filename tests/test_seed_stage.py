"""The `seed` stage end to end on the CPU interpreter: a problem with no seed.py starts from the bare
PyTorch reference; a broken first reply is repaired, and the run continues into `fusion` from the
correct kernel. Replies are replayed (reply 1 broken, reply 2 correct, reply 3 the fusion sample)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, only_run, run_cli

PROBLEMS = FIXTURES / "problems"


def reply(code: str, words: str) -> str:
    return f"{words}\n\n```python\n{code.rstrip()}\n```\n"


def replies_for(problem: str, folder: Path) -> Path:
    honest = (PROBLEMS / problem / "honest.py").read_text()
    broken = honest.replace("tl.store(", "tl.stor(", 1)  # an API that does not exist: fails to compile
    assert broken != honest
    faster = honest.replace("BLOCK_F=64", "BLOCK_F=128").replace("# One program per", "# Fused: one program per")
    folder.mkdir()
    (folder / "01_seed.md").write_text(reply(broken, "A first kernel."))
    (folder / "02_repair.md").write_text(reply(honest, "Fixed: tl.store."))
    (folder / "03_fusion.md").write_text(reply(faster + "\n# fusion: same grid\n", "Fusion stage."))
    return folder


@pytest.mark.parametrize("name", ["cross_entropy", "rowsum_bf16"])
def test_seed_stage_repairs_then_continues_into_fusion(name, tmp_path):
    problem = tmp_path / name
    shutil.copytree(PROBLEMS / name, problem)
    for f in ("honest.py", "torch_does_it.py"):
        (problem / f).unlink()  # a bare reference: no seed.py, no kernel
    runs = tmp_path / "runs"
    p = run_cli(
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--llm",
        f"replay:{replies_for(name, tmp_path / 'replies')}",
        "--iterations",
        "1",
        "--repairs",
        "1",
        "--stage",
        "fusion",
    )
    assert p.returncode == 0, p.stdout + p.stderr
    store = only_run(runs)
    recs = store.records()
    # Under the interpreter a missing tl function fails at the first call, on a GPU at compile time.
    broken = "compile_error" if recs[0].status == "compile_error" else "runtime_error"
    assert [(r.id, r.stage, r.status) for r in recs] == [
        ("0001-1", "seed", broken),
        ("0001-1r1", "repair", "correct"),
        ("0002-1", "fusion", "correct"),
    ]
    assert recs[1].repair_of == "0001-1" and recs[2].parent == "0001-1r1"  # fusion starts from the repair
    seed_prompt = store.read("0001-1", "prompt.md")
    assert "FIRST KERNEL" in seed_prompt and "[PYTORCH REFERENCE]" in seed_prompt
    assert "class Model(nn.Module)" in seed_prompt and "No kernel yet" in seed_prompt
    repair = store.read("0001-1r1", "prompt.md")
    assert "[PYTORCH REFERENCE]" in repair and "stor" in repair  # the reference and the failed code
    assert f"[ALREADY TRIED FROM THIS PARENT]\n- 0001-1 (seed): {broken}" in repair
    fusion = store.read("0002-1", "prompt.md")
    assert "Grid layout & indexing for FUSED operations" in fusion and "[PYTORCH REFERENCE]" in fusion
    assert "tl.store(" in fusion  # [CURRENT CODE] is the repaired kernel


def test_seed_stage_alone_and_no_correct_kernel_says_so(tmp_path):
    problem = tmp_path / "greater"
    problem.mkdir()
    shutil.copy(PROBLEMS / "greater" / "reference.py", problem / "reference.py")
    replies = tmp_path / "replies"
    replies.mkdir()
    honest = (PROBLEMS / "greater" / "honest.py").read_text()
    (replies / "01.md").write_text(reply(honest.replace("x > y", "x >= y + 1.0"), "wrong"))
    (replies / "02.md").write_text(reply(honest.replace("x > y", "x < y"), "still wrong"))
    runs = tmp_path / "runs"
    p = run_cli(
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--llm",
        f"replay:{replies}",
        "--iterations",
        "2",
        "--repairs",
        "0",
        "--stage",
        "seed",
    )
    assert p.returncode == 1, p.stdout + p.stderr  # no correct kernel: a negative verdict (issue 27)
    store = only_run(runs)
    assert [(r.id, r.stage, r.status) for r in store.records()] == [
        ("0001-1", "seed", "incorrect"),
        ("0002-1", "seed", "incorrect"),
    ]
    # Two iterations from one parent (the reference) never send the same prompt: the second lists the first.
    first, second = store.read("0001-1", "prompt.md"), store.read("0002-1", "prompt.md")
    assert first != second and "- 0001-1 (seed): incorrect" in second
    assert "no correct first kernel after 2 seed-stage iteration(s)" in p.stdout


def test_seed_flag_starts_from_a_given_kernel_and_bad_seed_is_exit_2(tmp_path):
    problem = tmp_path / "fma3"
    problem.mkdir()
    shutil.copy(PROBLEMS / "fma3" / "reference.py", problem / "reference.py")
    runs = tmp_path / "runs"
    bad = run_cli(
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--llm",
        "manual",
        "--seed",
        str(tmp_path / "nope.py"),
    )
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "nope.py: no such file" in bad.stderr
    assert not runs.exists()
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text(reply((PROBLEMS / "fma3" / "honest.py").read_text().replace("256", "128"), "x"))
    p = run_cli(
        "-m",
        "agent.run",
        "--problem",
        str(problem),
        "--runs-dir",
        str(runs),
        "--no-ncu",
        "--llm",
        f"replay:{replies}",
        "--iterations",
        "1",
        "--repairs",
        "0",
        "--seed",
        str(PROBLEMS / "fma3" / "honest.py"),
    )
    assert p.returncode == 0, p.stdout + p.stderr
    recs = only_run(runs).records()
    assert [(r.id, r.stage, r.status) for r in recs] == [
        ("000-seed", "seed", "correct"),
        ("0001-1", "fusion", "correct"),
    ]


def test_a_resumed_run_counts_its_seed_iterations_and_keeps_its_start(tmp_path):
    """A run that wrote its first kernel in the seed stage and ran out of replies resumes where it stopped:
    0001-1 was the seed stage's, so fusion's iterations are 0002 and 0003 (not 0001 again, which would skip
    one), and a kernel to start from that appears meanwhile (a seed.py) does not turn it into a seed.py run."""
    problem = tmp_path / "greater"
    problem.mkdir()
    shutil.copy(PROBLEMS / "greater" / "reference.py", problem / "reference.py")
    honest = (PROBLEMS / "greater" / "honest.py").read_text()
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text(reply(honest, "first kernel"))
    runs = tmp_path / "runs"
    flags = ["--runs-dir", str(runs), "--no-ncu", "--iterations", "2", "--repairs", "0", "--stage", "fusion"]
    p = run_cli("-m", "agent.run", "--problem", str(problem), "--llm", f"replay:{replies}", *flags)
    assert "ran out of replies" in p.stdout + p.stderr, p.stdout + p.stderr
    store = only_run(runs)
    assert [(r.id, r.stage) for r in store.records()] == [("0001-1", "seed")]
    (replies / "02.md").write_text(reply(honest + "\n# fusion 1\n", "fusion 1"))
    (replies / "03.md").write_text(reply(honest + "\n# fusion 2\n", "fusion 2"))
    shutil.copy(PROBLEMS / "greater" / "honest.py", problem / "seed.py")  # a start that was not there before
    p = run_cli("-m", "agent.run", "--resume", store.path.name, "--runs-dir", str(runs))
    assert p.returncode == 0, p.stdout + p.stderr
    assert [(r.id, r.stage, r.status) for r in store.records()] == [
        ("0001-1", "seed", "correct"),
        ("0002-1", "fusion", "correct"),
        ("0003-1", "fusion", "correct"),
    ]


def test_resume_takes_the_same_relative_paths_again_and_works_from_anywhere(tmp_path):
    """--problem, --seed and --llm replay:DIR given relative to the working directory are saved absolute: a
    resume that repeats them as typed is the same run (not a change), and one from another folder finds them."""
    import os
    import subprocess
    import sys

    shutil.copytree(PROBLEMS / "greater", tmp_path / "greater")
    honest = (PROBLEMS / "greater" / "honest.py").read_text()
    (tmp_path / "replies").mkdir()
    (tmp_path / "replies" / "01.md").write_text(reply(honest + "\n# fusion 1\n", "fusion 1"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "agent.run", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    same = ["--problem", "./greater", "--seed", "greater/honest.py"]
    flags = [*same, "--llm", "replay:replies", "--runs-dir", "runs", "--no-ncu", "--iterations", "2"]
    p = run(*flags, "--repairs", "0", "--stage", "fusion", cwd=tmp_path)
    assert "ran out of replies" in p.stdout + p.stderr, p.stdout + p.stderr
    store = only_run(tmp_path / "runs")
    (tmp_path / "replies" / "02.md").write_text(reply(honest + "\n# fusion 2\n", "fusion 2"))
    p = run("--resume", store.path.name, "--runs-dir", "runs", *same, cwd=tmp_path)  # the same, as typed
    assert p.returncode == 0 and "cannot change" not in p.stderr, p.stdout + p.stderr
    assert [r.id for r in store.records()] == ["000-seed", "0001-1", "0002-1"]
    (tmp_path / "elsewhere").mkdir()  # from another folder: nothing left to do, and nothing missing
    p = run("--resume", store.path.name, "--runs-dir", str(tmp_path / "runs"), cwd=tmp_path / "elsewhere")
    assert p.returncode == 0, p.stdout + p.stderr
