"""Issue 27, the rest: the evaluator's tables, prompt's default problem, suite links, token totals, batch
evaluation of a folder of kernels, a config file and a template folder for agent.run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

FMA3 = FIXTURES / "problems" / "fma3"
GREATER = FIXTURES / "problems" / "greater"


def _variant(src: Path, dest: Path, old: str, new: str) -> Path:
    code = src.read_text()
    assert old in code
    dest.write_text(code.replace(old, new, 1))
    return dest


@pytest.mark.slow
def test_incorrect_result_prints_no_empty_table(tmp_path):
    """A wrong-shape output has no errors to show: no blank line reads as an empty header, and the
    error columns, all "-", are left out; a wrong value keeps them."""
    shape = _variant(
        FMA3 / "honest.py", tmp_path / "shape.py", "torch.empty_like(a)", "torch.empty(a.shape[0], a.shape[1] + 1)"
    )
    p = run_cli("-m", "evaluator", str(shape), "--problem", str(FMA3 / "reference.py"), timeout=300)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("incorrect"), p.stdout
    assert not [x for x in lines if not x.strip()], p.stdout  # no blank (or all-space) line anywhere
    title = lines.index("correctness")
    assert lines[title + 1].split()[:4] == ["case", "shapes", "call", "ok"], p.stdout
    assert "max abs err" not in p.stdout
    wrong = _variant(FMA3 / "honest.py", tmp_path / "wrong.py", "a * b + alpha * c, mask", "a * b + c, mask")
    p = run_cli("-m", "evaluator", str(wrong), "--problem", str(FMA3 / "reference.py"), timeout=300)
    assert p.returncode == 1 and "max abs err" in p.stdout, p.stdout
    assert not [x for x in p.stdout.splitlines() if not x.strip()], p.stdout


def test_prompt_defaults_to_the_runs_problem():
    """`kernel-loop prompt --stage fusion` works as `kernel-loop run --stage fusion` does: the shipped problem."""
    bare = run_cli("-m", "agent.cli", "prompt", "--stage", "fusion", "--gpu", "h100", timeout=120)
    assert bare.returncode == 0, bare.stderr
    named = run_cli("-m", "agent.prompt", "--stage", "fusion", "--gpu", "h100", "--problem", "conv2d_scale_min")
    assert named.returncode == 0 and bare.stdout == named.stdout and "Triton" in bare.stdout
    from agent.settings import RunSettings

    assert RunSettings().problem == "conv2d_scale_min"
