"""Executors: many evaluations at once, on every local GPU or across machines with Ray.

    from evaluator.parent.executor import make_executor
    with make_executor("local") as ex:                  # one worker per visible GPU (CPU: 2 interpreter workers)
        futures = [ex.submit(path, problem, config) for path in candidates]
        results = [f.result() for f in futures]         # EvalResult each, never an exception
    make_executor("ray", address="auto")                # each evaluation a Ray task with num_gpus=1

Both run `evaluate()` unchanged, so verdicts do not depend on the executor. A worker that dies in the
middle of an evaluation (the child process killed, a Ray worker lost) is retried once; a second death
is recorded as `crashed`, with a note, and the caller goes on. Results come back to the caller, which
alone writes `runs/`.
"""

from __future__ import annotations

import os
import queue
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from evaluator.parent.cancel import raise_if_cancelled
from evaluator.parent.evaluation import EvalConfig, cuda_available, evaluate, prestart
from evaluator.shared.candidate import Candidate
from evaluator.shared.loader import load_problem
from evaluator.shared.problem import Problem
from evaluator.shared.result import EvalResult, Status

CPU_WORKERS = 2  # interpreter workers on a machine without CUDA


def visible_gpus() -> list[str]:
    """GPU ids a child may be pinned to, honouring an existing CUDA_VISIBLE_DEVICES."""
    if not cuda_available():
        return []
    import torch

    listed = [d.strip() for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return listed or [str(i) for i in range(torch.cuda.device_count())]


def _died(result: EvalResult) -> bool:
    """The process died under the evaluation (a crash, or a child lost before any candidate code ran):
    tried once more before it becomes the verdict."""
    return result.status is Status.crashed or result.reason == "harness_failed"


class LocalExecutor:
    """A thread per slot; each slot is one GPU (the child sees only it) or one CPU interpreter worker."""

    name = "local"

    def __init__(self, workers: int | None = None):
        gpus = visible_gpus()
        slots: list[str | None] = gpus[:workers] if gpus and workers else gpus or [None] * (workers or CPU_WORKERS)
        self.slot_ids = list(slots)  # what prestart() warms up, one set of processes per distinct slot
        self.slots: queue.Queue = queue.Queue()
        for s in slots:
            self.slots.put(s)
        self.size = len(slots)
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="eval")

    def _run(self, candidate: Candidate | Path, problem: Problem, config: EvalConfig) -> EvalResult:
        raise_if_cancelled()  # queued before Ctrl-C: never started
        slot = self.slots.get()
        try:
            cfg = self._pinned(config, slot)
            result = evaluate(candidate, problem, cfg)
            raise_if_cancelled()  # Ctrl-C killed it: no verdict, and no retry
            if _died(result):  # once more: a lost worker is not the candidate's verdict yet
                result = evaluate(candidate, problem, cfg)
                raise_if_cancelled()
                result.notes.append("the evaluation process died twice; retried once")
            return result
        finally:
            self.slots.put(slot)

    @staticmethod
    def _pinned(config: EvalConfig, slot: str | None) -> EvalConfig:
        """`config` with the child pinned to the slot's GPU (the child sees only it)."""
        return (
            config if slot is None else config.model_copy(update={"env": {**config.env, "CUDA_VISIBLE_DEVICES": slot}})
        )

    def prestart(self, problem: Problem, config: EvalConfig) -> None:
        """Each slot's warm processes, brought up in the background before the first submit
        (evaluation.prestart): the loop calls this before it first asks the LLM."""
        for slot in dict.fromkeys(self.slot_ids):
            prestart(problem, self._pinned(config, slot))

    def submit(self, candidate: Candidate | Path, problem: Problem, config: EvalConfig) -> Future:
        return self.pool.submit(self._run, Candidate.of(candidate), problem, config)

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _ray_evaluate(candidate_json: str, problem_name: str, problem_source: str, config_json: str) -> str:
    """One evaluation on a Ray worker: the candidate and the problem travel as text."""
    with tempfile.TemporaryDirectory(prefix="kloop-ray-") as tmp:
        folder = Path(tmp) / problem_name
        folder.mkdir()
        (folder / "reference.py").write_text(problem_source)
        cand = Candidate.model_validate_json(candidate_json)
        result = evaluate(cand, load_problem(str(folder / "reference.py")), EvalConfig.model_validate_json(config_json))
        return result.model_dump_json()


class RayExecutor:
    """Each evaluation is a Ray task (num_gpus=1 when the cluster has GPUs), retried once if its worker dies."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None, gpus_per_task: float | None = None):
        import ray

        root = str(Path(__file__).resolve().parents[2])
        if not ray.is_initialized():
            try:
                ray.init(
                    address=address,
                    num_cpus=num_cpus,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env={"env_vars": {"PYTHONPATH": root}},
                )
            except (ConnectionError, TimeoutError) as e:  # an address with no cluster behind it: the user's input
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise ValueError(f"--ray-address {address}: no Ray cluster answered ({first[:160]})") from None
        gpus = ray.cluster_resources().get("GPU", 0)
        per_task = gpus_per_task if gpus_per_task is not None else (1 if gpus else 0)
        self.ray = ray
        self.size = int(gpus // per_task) if per_task else int(ray.cluster_resources().get("CPU", 1))
        self.task = ray.remote(num_gpus=per_task, num_cpus=1, max_retries=1, retry_exceptions=False)(_ray_evaluate)

    def prestart(self, problem: Problem, config: EvalConfig) -> None:
        """Nothing: each Ray task starts its own processes on whatever machine runs it."""

    def submit(self, candidate: Candidate | Path, problem: Problem, config: EvalConfig) -> Future:
        candidate = Candidate.of(candidate)
        ref = self.task.remote(
            candidate.model_dump_json(),
            problem.name,
            problem.path.read_text(encoding="utf-8"),
            config.model_dump_json(),
        )
        out: Future = Future()

        def done(f: Future) -> None:
            try:
                out.set_result(EvalResult.model_validate_json(f.result()))
            except Exception as e:  # the task's worker died twice, or the cluster went away
                out.set_result(
                    EvalResult(
                        status=Status.crashed,
                        gate="executor",
                        problem=problem.name,
                        candidate=candidate.origin,
                        code_hash=candidate.hash,
                        precision=config.precision,
                        shape_sets=[],
                        message=f"The Ray worker evaluating this candidate died ({type(e).__name__}) and its "
                        "retry died too.",
                        notes=["ray task retried once"],
                    )
                )

        ref.future().add_done_callback(done)
        return out

    def close(self) -> None:
        pass  # the cluster belongs to the caller; a local instance ends with the process

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def make_executor(kind: str = "local", *, workers: int | None = None, address: str | None = None):
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("the ray executor needs Ray: pip install -e '.[ray]'") from None
        return RayExecutor(address=address, num_cpus=workers if address is None else None)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
