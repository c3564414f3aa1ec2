"""Warm processes (evaluator.parent.warm, evaluator.child.zygote): one zygote serves many candidates, and no
candidate sees what another left behind or what the zygote computed for itself (issue 23 item 2)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import SEED

from evaluator.parent.evaluation import EvalConfig, evaluate, prestart
from evaluator.parent.jail import probe
from evaluator.parent.supervisor import Limits
from evaluator.parent.warm import POOL
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

PROBLEM = load_problem("conv2d_scale_min")
FAST = Limits(start_s=120, import_s=60, compile_s=120, correctness_s=120, total_s=400)


def _config(**kw) -> EvalConfig:
    # bans off: these candidates use `os`, `tempfile` and module attributes on purpose (runtime defences only)
    return EvalConfig(shapes="small", trials=1, device="cpu", time=False, min_calls=2, limits=FAST, **kw)


def _variant(tmp_path: Path, name: str, prelude: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(prelude + "\n" + SEED.read_text())
    return path


def test_one_zygote_serves_consecutive_candidates_from_a_fresh_fork(tmp_path):
    if probe(False) is not None:
        pytest.skip("no namespaces here: the candidate's process starts fresh (its orphans need a PID namespace)")
    first = evaluate(SEED, PROBLEM, _config())
    started = POOL.started
    second = evaluate(SEED, PROBLEM, _config())
    assert first.status is Status.correct and second.status is Status.correct, (first.message, second.message)
    assert POOL.started == started  # the second evaluation forked from the zygotes the first one started
    assert second.gate_seconds["spawn"] < 2.0, second.gate_seconds  # no interpreter start, no torch import
    # The candidate's own account of its start-up, step by step, and only the steps the judge knows.
    steps = {k for k in second.gate_seconds if k.startswith("import.")}
    assert {"import.confine", "import.cuda_context", "import.snapshot", "import.candidate"} <= steps, steps
    assert all(0 <= second.gate_seconds[k] < 60 for k in steps), second.gate_seconds


def test_a_candidate_never_sees_another_ones_leftovers(tmp_path):
    """A sets a module attribute on torch and a file in its folder; B, forked from the same zygote, looks
    for both. Each is its own process, forked from a zygote that never ran candidate code."""
    a = _variant(
        tmp_path,
        "marks",
        "import os, torch\ntorch._kloop_leftover = 1\n"
        "open(os.path.join(os.getcwd(), 'leftover.txt'), 'w').write('x')\n",
    )
    b = _variant(
        tmp_path,
        "looks",
        "import os, torch\n"
        "print('SEES', hasattr(torch, '_kloop_leftover'), os.path.exists('leftover.txt'), flush=True)\n",
    )
    ra = evaluate(a, PROBLEM, _config(disable={"bans"}))
    rb = evaluate(b, PROBLEM, _config(disable={"bans"}))
    assert ra.status is Status.correct and rb.status is Status.correct, (ra.message, rb.message)
    assert "SEES False False" in rb.stdout_tail, rb.stdout_tail


def test_each_fork_computes_its_own_temp_folder(tmp_path):
    """The zygote has computed tempfile's folder (its own, outside any fork's jail); a fork must compute
    its own again, as a fresh process would, or its first temporary file fails (found on an H200)."""
    cand = _variant(
        tmp_path,
        "tempdir",
        "import tempfile\nwith tempfile.NamedTemporaryFile() as f:\n    print('TEMP', f.name, flush=True)\n",
    )
    r = evaluate(cand, PROBLEM, _config(disable={"bans"}))
    assert r.status is Status.correct, (r.status, r.message, r.stderr_tail[-500:])
    line = next(ln for ln in r.stdout_tail.splitlines() if ln.startswith("TEMP"))
    assert "kloop-warm-" not in line and "kloop-eval-" in line, line


def test_prestart_brings_the_zygotes_up_before_the_first_evaluation(tmp_path):
    """evaluation.prestart (the loop calls it before its first LLM request): the first evaluate() after it
    forks from zygotes that are already up, and starts none of its own."""
    cfg = _config(env={"CUDA_CACHE_PATH": str(tmp_path)})  # settings no other test uses: zygotes of its own
    confined = probe(False) is None
    started = POOL.started
    prestart(PROBLEM, cfg)
    want = started + (2 if confined else 1)  # the candidate's process is forked only inside the jail
    deadline = time.monotonic() + 300
    while (POOL.started < want or POOL.pending) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert POOL.started == want and not POOL.pending
    r = evaluate(SEED, PROBLEM, cfg)
    assert r.status is Status.correct, r.message
    assert POOL.started == want  # nothing started again: both came from the prestart
    if confined:
        assert r.gate_seconds["spawn"] < 2.0, r.gate_seconds


def test_idle_zygotes_are_bounded(monkeypatch):
    """A suite runs one loop per problem, each with settings of its own: past MAX_IDLE idle zygotes the one
    idle longest is closed (its process gone), not kept for a run that has finished."""
    from evaluator.parent import warm

    monkeypatch.setattr(warm, "MAX_IDLE", 1)
    pool = warm.Pool()
    try:
        first = pool.acquire("oracle", interpret=True, env={"CUDA_CACHE_PATH": "/tmp/kloop-a"}, jail=None)
        second = pool.acquire("oracle", interpret=True, env={"CUDA_CACHE_PATH": "/tmp/kloop-b"}, jail=None)
        pool.release(first)
        pool.release(second)
        assert [z for zs in pool.idle.values() for z in zs] == [second]
        assert first.proc.wait(10) is not None  # closed: its process has exited
    finally:
        pool.shutdown()
