"""Executors give the same verdicts as a plain evaluate(), and survive a worker dying mid-evaluation."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import SEED, seed_variant

from evaluator.parent.evaluation import EvalConfig
from evaluator.parent.executor import LocalExecutor, make_executor, visible_gpus
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

PROBLEM = load_problem("conv2d_scale_min")
CONFIG = EvalConfig(shapes="small", trials=1)
FORWARD = "        return conv_scale_min_triton(x, self.weight, self.bias, self.scale_factor)"


def batch(tmp_path: Path) -> list[tuple[Path, Status]]:
    wrong = seed_variant(tmp_path, "wrong", [("    acc = acc * scale\n", "    acc = acc * scale * 1.01\n")])
    broken = seed_variant(tmp_path, "broken", [("def conv2d_scale_triton(", "def conv2d_scale_triton((")])
    return [(SEED, Status.correct), (wrong, Status.incorrect), (broken, Status.static_error)]


def test_local_executor_runs_two_workers_with_the_same_verdicts(tmp_path):
    cases = batch(tmp_path)
    with LocalExecutor(workers=2) as ex:
        gpus = visible_gpus()
        assert ex.size == (min(2, len(gpus)) if gpus else 2)  # one slot per GPU, or 2 interpreter workers
        results = [f.result() for f in [ex.submit(p, PROBLEM, CONFIG) for p, _ in cases]]
    assert [r.status for r in results] == [s for _, s in cases]


def _evaluation_children(marker: str) -> list[int]:
    """The candidate's own processes (not their launchers) whose job carries `marker`: started fresh
    (evaluator.child.boot, the job path in argv) or forked by a warm zygote (its argv is the zygote's;
    it runs in its work folder, which holds its job)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().decode(errors="replace")
                cwd = os.readlink(d / "cwd") if "evaluator.child.zygote" in cmd else ""
            except OSError:
                continue
            if cmd.startswith(("setpriv", "unshare")):
                continue  # setpriv/unshare carry the same arguments
            if "evaluator.child.boot" in cmd and marker in cmd:
                pids.append(int(d.name))
            elif cwd and marker in cwd and (Path(cwd) / "candidate.job.json").exists():
                pids.append(int(d.name))
    return pids


def _job_of(pid: int) -> Path:
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    if b"evaluator.child.zygote" in b" ".join(cmd):
        return Path(os.readlink(f"/proc/{pid}/cwd")) / "candidate.job.json"
    return Path(cmd[3].decode())


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _kill_while(victims, stop: threading.Event, kills: list[int]) -> None:
    """Until `stop`: SIGKILL each pid that `victims()` names, once, half a second after first seeing it
    (started, mid-evaluation), and record it in `kills`."""
    while not stop.is_set():
        for pid in victims():
            if pid not in kills:
                time.sleep(0.5)
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except ProcessLookupError:
                    pass
        time.sleep(0.05)


def test_worker_dying_mid_evaluation_is_retried_once_then_crashed(tmp_path):
    marker = str(tmp_path)  # the evaluation's temp dir lives under TMPDIR=tmp_path
    stop, kills = threading.Event(), []
    # A worker dying mid-evaluation: kill the evaluation child whose job path contains the marker.
    killer = threading.Thread(target=_kill_while, args=(lambda: _evaluation_children(marker), stop, kills), daemon=True)
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = marker
    import tempfile

    tempfile.tempdir = None
    try:
        killer.start()
        with LocalExecutor(workers=1) as ex:
            result = ex.submit(SEED, PROBLEM, CONFIG).result()
    finally:
        stop.set()
        if old is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old
        tempfile.tempdir = None
    assert len(kills) == 2, kills  # the first try and its one retry
    # The jail's launcher (unshare) reports its killed child as an exit status, not always as SIGKILL.
    assert result.status is Status.crashed and "process died" in result.message, result.message
    assert any("retried once" in n for n in result.notes)
    with LocalExecutor(workers=1) as ex:  # and the executor goes on: the next evaluation is fine
        assert ex.submit(SEED, PROBLEM, CONFIG).result().status is Status.correct


@pytest.fixture(scope="module")
def ray_executor():
    pytest.importorskip("ray")
    import ray

    ex = make_executor("ray", workers=2)
    yield ex
    ray.shutdown()


def test_ray_executor_gives_the_same_verdicts_as_local(tmp_path, ray_executor):
    cases = batch(tmp_path)
    results = [f.result() for f in [ray_executor.submit(p, PROBLEM, CONFIG) for p, _ in cases]]
    assert [r.status for r in results] == [s for _, s in cases]
    assert results[1].message.startswith("Wrong result on small[0]")


def _ray_workers_running(marker: str) -> list[int]:
    """Ray worker processes whose evaluation child is checking the candidate carrying `marker`."""
    found = []
    for pid in _evaluation_children(""):
        try:
            code = Path(json.loads(_job_of(pid).read_text())["candidate_path"]).read_text()
            ppid = _parent(pid)
            while Path(f"/proc/{ppid}/cmdline").read_bytes().startswith((b"unshare", b"setpriv")) or (
                b"evaluator.child.zygote" in Path(f"/proc/{ppid}/cmdline").read_bytes()
            ):  # the jail's launcher, the warm zygote and the fork between it and the candidate
                ppid = _parent(ppid)
            # Only ever a Ray worker: an orphaned child's parent is init, never to be touched.
            is_ray = Path(f"/proc/{ppid}/cmdline").read_bytes().startswith(b"ray::")
        except (OSError, IndexError, ValueError, KeyError):
            continue
        if marker in code and is_ray and ppid > 1:
            found.append(ppid)
    return found


def test_ray_worker_dying_is_retried_once_then_crashed(tmp_path, ray_executor):
    marker = f"# marker {tmp_path.name}"
    path = seed_variant(tmp_path, "doomed", [(FORWARD, FORWARD + "  " + marker)])
    stop, kills = threading.Event(), []
    killer = threading.Thread(target=_kill_while, args=(lambda: _ray_workers_running(marker), stop, kills), daemon=True)
    killer.start()
    try:
        result = ray_executor.submit(path, PROBLEM, CONFIG).result()
    finally:
        stop.set()
    assert len(kills) == 2, kills  # the task and its one retry, each on a fresh Ray worker
    assert result.status is Status.crashed and "retry died too" in result.message
    ok = ray_executor.submit(SEED, PROBLEM, CONFIG).result()  # the cluster goes on
    assert ok.status is Status.correct
