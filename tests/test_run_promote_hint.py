"""The closing lines of agent.run say how to promote its best, as commands that work pasted into the same shell.
A run on a plain KernelBench file (--problem path/to/file.py) used to be told `python -m agent.promote RUN ID`,
which refuses it (a winner is written into a problem folder, and the run has none): it is told to add the file
as a problem and re-check the kernel in a run there, whose own closing lines give the promote command."""

from __future__ import annotations

import re
import shlex

import pytest
from conftest import FIXTURES, run_cli

from agent.history import Record, RunStore
from agent.run import promote_hint
from agent.settings import RunSettings

KB = FIXTURES / "kernelbench"
FMA3 = FIXTURES / "problems" / "fma3"


def _store(runs, problem) -> RunStore:
    store = RunStore.create(runs, RunSettings(problem=str(problem), llm="manual"), "p")
    store.unlock()
    return store


def test_a_plain_file_run_is_told_to_add_the_file_as_a_problem_first(tmp_path):
    runs = tmp_path / "runs"
    store = _store(runs, KB / "19_ReLU.py")
    best = Record(id="0002-1", stage="fusion", status="correct", geomean_ms=1.0)
    lines = promote_hint(store, best, KB / "19_ReLU.py")
    assert lines == [
        "to promote it, add 19_ReLU.py as a problem (agent.promote writes into a problem folder) and re-check "
        "0002-1 there; that run ends with the promote command:",
        f"  python -m agent.problem add {KB / '19_ReLU.py'}",
        f"  python -m agent.run --problem 19_ReLU --seed {store.path / 'attempts' / '0002-1' / 'code.py'} "
        f"--stage seed --llm manual --runs-dir {runs}",
    ]
    assert not any("python -m agent.promote" in line for line in lines)  # no command that cannot work


def test_a_problem_folder_run_is_told_the_promote_command(tmp_path):
    runs = tmp_path / "runs"
    store = _store(runs, FMA3 / "reference.py")
    untimed = Record(id="000-seed", stage="seed", status="correct")
    assert promote_hint(store, untimed, FMA3 / "reference.py") == [
        f"promote it on a GPU machine with:  python -m agent.promote {store.name} 000-seed --runs-dir {runs}"
    ]


@pytest.mark.slow
def test_the_commands_a_plain_file_run_prints_promote_its_kernel(tmp_path):
    """The run on the file, then its printed commands (agent.problem add writes into tmp_path, not the
    checkout's kernels/: --kernels-dir added, --problem that folder), then the promote command that run prints."""
    runs, kernels = tmp_path / "runs", tmp_path / "kernels"
    first = run_cli(
        "-m", "agent.run", "--problem", str(KB / "19_ReLU.py"), "--seed", str(KB / "relu_triton.py"),
        "--stage", "seed", "--llm", "manual", "--runs-dir", str(runs), "--no-ncu", timeout=600,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert "python -m agent.promote" not in first.stdout, first.stdout
    add, rerun = [shlex.split(line) for line in first.stdout.splitlines() if line.startswith("  python -m ")]
    assert add[:4] == ["python", "-m", "agent.problem", "add"] and rerun[:3] == ["python", "-m", "agent.run"]
    p = run_cli(*add[1:], "--kernels-dir", str(kernels), timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    rerun[rerun.index("--problem") + 1] = str(kernels / "19_ReLU")
    second = run_cli(*rerun[1:], "--no-ncu", timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    promote = re.search(r"promote it on a GPU machine with:  (python -m agent\.promote .*)", second.stdout)
    assert promote, second.stdout
    p = run_cli(*shlex.split(promote.group(1))[1:], timeout=600)  # a CPU promotes where no winner exists yet
    assert p.returncode == 0, p.stdout + p.stderr
    assert (kernels / "19_ReLU" / "best.py").read_text() == (KB / "relu_triton.py").read_text()


def test_a_suite_on_plain_files_says_how_to_promote_them_and_promote_suite_writes_nothing(tmp_path):
    """A suite on a KernelBench level's files: its closing hint and `promote --suite` say what to do with each
    plain file (add it as a problem: the commands), rather than offering a promotion that fails as bad input."""
    runs, replies = tmp_path / "runs", tmp_path / "replies" / "19_ReLU"
    replies.mkdir(parents=True)
    (replies / "01.md").write_text(f"A ReLU.\n\n```python\n{(KB / 'relu_triton.py').read_text()}```\n")
    suite = run_cli(
        "-m", "agent.suite", str(KB / "19_ReLU.py"), "--name", "level", "--runs-dir", str(runs), "--no-ncu",
        "--iterations", "1", "--repairs", "0", "--llm", f"replay:{replies.parent}", timeout=600,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout + suite.stderr
    assert "correct 1/1" in suite.stdout, suite.stdout
    hint = [line for line in suite.stdout.splitlines() if line.startswith("promote the winners")]
    assert len(hint) == 1 and "they are plain KernelBench files" in hint[0], suite.stdout
    command = shlex.split(hint[0].split(":  ", 1)[1].split("  (", 1)[0])
    assert command[:4] == ["python", "-m", "agent.promote", "--suite"], hint
    p = run_cli(*command[1:], timeout=600)
    out = p.stdout + p.stderr
    assert p.returncode == 1 and "Traceback" not in out, out  # nothing promoted; not bad input
    assert re.search(r"19_ReLU\s.*not promoted: a plain KernelBench file", p.stdout), out
    assert f"python -m agent.problem add {KB / '19_ReLU.py'}" in p.stdout, out
    assert not (KB / "best.py").exists() and not (KB / "best.json").exists()
