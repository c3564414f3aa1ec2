"""Shared test helpers: the seed problem, seed-derived candidates, and the evaluator CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "kernels" / "conv2d_scale_min" / "seed.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def has_cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:
        return False


# Modules whose tests run candidate evaluations, loop runs or jailed processes (seconds to minutes each
# on the CPU interpreter): all marked `slow`, so that `pytest -m "not slow"` is the quick subset (the
# README gives both commands). Other modules mark their slow tests one by one with @pytest.mark.slow.
SLOW_MODULES = {
    "test_adversarial",
    "test_derive_kernelbench",
    "test_evaluator",
    "test_executor",
    "test_fixture_problems",
    "test_gluon",
    "test_interrupt",
    "test_jail_paths",
    "test_limits",
    "test_loop",
    "test_perturbed_weights",
    "test_problem_add",
    "test_promote",
    "test_seed_stage",
    "test_suite",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
    if has_cuda():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def seed_variant(tmp_path: Path, name: str, edits: list[tuple[str, str]]) -> Path:
    """The seed kernel with textual edits applied; every `old` must occur, so a stale edit fails loudly."""
    code = SEED.read_text()
    for old, new in edits:
        assert old in code, f"{name}: {old!r} not in seed.py"
        code = code.replace(old, new, 1)
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    return path


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, COLUMNS="200", PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def agent_run(problem: Path, runs: Path, *flags: str) -> subprocess.CompletedProcess:
    """`python -m agent.run` on a problem, into its own runs folder, without NCU."""
    return run_cli("-m", "agent.run", "--problem", str(problem), "--runs-dir", str(runs), "--no-ncu", *flags)


def only_run(runs: Path):
    """The one run folder under `runs` (a test that made more has a bug)."""
    from agent.history import RunStore

    [path] = [p for p in runs.iterdir() if p.is_dir()]
    return RunStore(path)


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_reaches_the_tools():
    """The Ctrl-C tests send SIGINT to the tools they start. A shell starts a background job (`bash .ci/run &`)
    with SIGINT ignored, and an ignored signal stays ignored through exec, so every tool would shrug it off and
    those tests fail for the way pytest was launched. Python's own handler is reset to the default at exec."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
