"""`python -m evaluator` from a user's seat: the table, the JSON, and one-line errors on bad input."""

from __future__ import annotations

import json

import pytest
from conftest import SEED, has_cuda, run_cli


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_seed_prints_table_and_writes_json(tmp_path):
    out = tmp_path / "result.json"
    p = run_cli("-m", "evaluator", str(SEED), "--problem", "conv2d_scale_min", "--shapes", "small", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "correct" in p.stdout and "small[0]" in p.stdout and "{" not in p.stdout  # a table, not JSON
    data = json.loads(out.read_text())
    assert data["status"] == "correct" and len(data["checks"]) >= 30  # >= 30 checked calls (evaluator.parent.calls)
    assert data["device"]["torch"] and data["device"]["triton"]


@pytest.mark.slow  # runs the loop or evaluations on the CPU interpreter
def test_problem_given_as_path(tmp_path):
    p = run_cli(
        "-m",
        "evaluator",
        str(SEED),
        "--problem",
        "kernels/conv2d_scale_min/reference.py",
        "--shapes",
        "small",
        "--trials",
        "1",
    )
    assert p.returncode == 0, p.stdout + p.stderr


def _bad(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "unknown_problem",
        "not_kernelbench",
        "non_utf8",
        "huge",
        "bad_shapes",
        "problem_syntax",
        "cuda_without_cuda",
        "json_dir_missing",
        "unknown_flag",
        "bad_limit",
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, case):
    cand, problem = str(SEED), "conv2d_scale_min"
    if case == "missing":
        cand = str(tmp_path / "nope.py")
    elif case == "unknown_problem":
        problem = "no_such_problem"
    elif case == "not_kernelbench":
        problem = _bad(tmp_path, "prob.py", b"import torch\nclass Model(torch.nn.Module):\n    pass\n")
    elif case == "non_utf8":
        cand = _bad(tmp_path, "latin1.py", "# caf\xe9\n".encode("latin-1"))
    elif case == "huge":
        cand = _bad(tmp_path, "huge.py", b"#" * (10 * 1024 * 1024))
    elif case == "bad_shapes":
        cand, problem = str(SEED), "conv2d_scale_min --shapes enormous"
    elif case == "problem_syntax":
        problem = _bad(tmp_path, "broken.py", b"def (:\n")
    out = tmp_path / "result.json"
    extra = []
    if case == "cuda_without_cuda":
        if has_cuda():
            pytest.skip("this machine has CUDA")
        extra = ["--device", "cuda"]
    elif case == "json_dir_missing":
        out = tmp_path / "no_such_dir" / "result.json"
    elif case == "unknown_flag":
        extra = ["--fast-please"]
    elif case == "bad_limit":
        extra = ["--limit", "reference=900", "--limit", "warp=10"]
    p = run_cli("-m", "evaluator", cand, "--problem", *problem.split(), "--json", str(out), *extra)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    assert "Traceback" not in p.stderr and not out.exists()
    assert out.parent == tmp_path or not out.parent.exists()  # a missing --json folder is not created
