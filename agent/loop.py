"""The optimization loop: parent -> stage prompt -> K replies -> evaluate -> repair -> next parent.

    from agent.loop import Loop
    best = Loop(settings, store, llm, on_event=print).run()     # -> the best attempt's Record

The first kernel: `--seed FILE`, else the problem's seed.py, is evaluated as `000-seed` (the first
parent and the baseline). Without either (or with `--stage seed`) the `seed` stage writes it: the LLM
sees the bare PyTorch reference, its iterations (and their repairs) run until one candidate is correct,
at most --iterations of them, and the optimisation stages continue from the best correct one.

Attempt ids are positions, so a resumed run walks the same sequence: `IIII-K` for sample K of
iteration IIII (iterations count on across stages, the seed stage's first), and `IIII-Kr1`, `-Kr2`...
for repairs of a failed sample. An attempt already in history.jsonl is never redone; one whose reply.md
exists is evaluated from that reply without asking the LLM again. Every prompt shows the PyTorch
reference, the timed shapes and one line per attempt already made from its parent.

When the LLM keeps answering with code already evaluated (`--stop-after-repeats N` replies in a row,
default 3), the loop stops asking: `run()` returns what it has and `stopped` says why. After Ctrl-C
(evaluator.parent.cancel) nothing more is recorded: an evaluation cut short is no verdict. Nor is one
that failed through no fault of the candidate (the jailed process could not start on this host, or the
problem's reference failed): `run()` raises CannotJudge with the evaluator's message instead of asking the
LLM to repair what no reply can fix; a resume, once that is fixed, evaluates the same attempt again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from agent.archive import SEED_ID, Archive, geomean_ms
from agent.best import local_gpu, starting_kernel
from agent.extract import extract
from agent.gpu import select_card
from agent.history import Record, RunStore
from agent.llm import LLM, Completion, LLMUnavailable, ReplayExhausted
from agent.prompt import brief, capability_skip, get_stage, load_stages, render, should_skip
from agent.settings import RunSettings
from evaluator import (
    Candidate,
    EvalConfig,
    EvalResult,
    Limits,
    Problem,
    Status,
    code_hash,
    get_policy,
    load_problem,
    make_executor,
    raise_if_cancelled,
)

LLM_ERROR = "llm_error"  # a history status of its own: the LLM refused the request, no code to judge


def for_stage(ncu: dict | None, stage: str) -> dict | None:
    """The parent's metrics, narrowed to the ones the stage's prompt asks for (in its order)."""
    if not ncu:
        return ncu
    wanted = get_stage(stage).metrics
    return {k: {m: v[m] for m in wanted if m in v} for k, v in ncu.items()}


def failure_text(result: EvalResult) -> str:
    """What the repair prompt quotes: the evaluator's message plus the error's tail."""
    text = result.message
    if result.error_tail and result.status in (Status.compile_error, Status.runtime_error):
        text += "\n\nError output (last lines):\n" + "\n".join(result.error_tail.splitlines()[-25:])
    return text


class RepliesRepeat(RuntimeError):
    """The LLM keeps returning code already evaluated: asking again would spend tokens on nothing."""


# Verdicts on the host or the problem, not the candidate (evaluator.parent.judge): the jailed process failed
# before any candidate code ran, or the problem's own reference failed. No reply can repair either.
NOT_THE_CANDIDATE = ("harness_failed", "reference_failed")


class CannotJudge(RuntimeError):
    """The evaluator could not judge a candidate, through no fault of the candidate: the run stops (a repair
    prompt would ask the LLM to fix the machine or the problem). The attempt is not recorded; its reply is
    kept, so a resume evaluates it again."""


def extraction_failure(
    problem: Problem, messages: list[str], code: str | None, candidate: str, gate: str
) -> EvalResult:
    """A reply that never reached the evaluator: no code, broken output rules, or a failed request
    (gate "llm", reason "llm_refused": the server refused it, e.g. HTTP 400, nothing to judge)."""
    return EvalResult(
        status=Status.static_error,
        gate=gate,
        reason="llm_refused" if gate == "llm" else None,
        message=" ".join(messages),
        problem=problem.name,
        candidate=candidate,
        code_hash=code_hash(code or ""),
        precision="",
        shape_sets=[],
    )


class Loop:
    def __init__(
        self,
        settings: RunSettings,
        store: RunStore,
        llm: LLM,
        on_event: Callable[[str, Record | None], None] | None = None,
        executor=None,
    ):
        self.settings, self.store, self.llm = settings, store, llm
        self.on_event = on_event or (lambda msg, rec: None)
        self.executor = executor or make_executor(
            settings.executor, workers=settings.workers, address=settings.ray_address
        )
        self.problem = load_problem(settings.problem)
        self.card, self.card_note = select_card(settings.gpu)
        self.policy = get_policy(settings.precision)
        self.config = EvalConfig(
            shapes=settings.shapes,
            precision=settings.precision,
            ncu=settings.ncu,
            # Every stage's metrics, so any later stage's prompt and skip criterion can read them.
            ncu_metrics=list(dict.fromkeys(m for st in load_stages().values() for m in st.metrics)),
            limits=Limits.from_timeouts(settings.compile_timeout, settings.run_timeout),
            env={"TRITON_CACHE_DIR": str(store.path.resolve() / "triton_cache")},
        )  # one compile cache per run
        self.brief = brief(self.problem)
        self.archive = Archive(store)  # what was done, the best, the parent, dedup: the loop's memory
        self.done = self.archive.done  # read-only views for the stage walk
        self.stopped: str | None = None  # why run() stopped early (replies repeating), for the user

    @property
    def best(self) -> Record | None:
        return self.archive.best

    # ------------------------------------------------------------ one attempt

    def _evaluate(self, rec: Record, code: str | None, problems: list[str], gate: str = "extract") -> Record:
        cand = self.store.attempt_dir(rec.id) / "code.py"
        t0 = time.monotonic()
        if code is not None:
            self.store.save(rec.id, "code.py", code)
        twin, event = self.archive.claim(rec.id, code) if code is not None and not problems else (None, None)
        try:
            if code is None or problems:
                result = extraction_failure(self.problem, problems, code, str(cand), gate)
            elif twin is not None:
                if event is not None:
                    event.wait()
                result = self.archive.result(twin).model_copy(deep=True)  # same code, same verdict: not evaluated again
                result.notes.append(f"duplicate of attempt {twin}: its result, not re-evaluated")
                rec.duplicate_of = twin
            else:
                self.on_event(f"evaluating {rec.id}", None)
                result = self.executor.submit(
                    Candidate(source=code, origin=str(cand)), self.problem, self.config
                ).result()
            raise_if_cancelled()  # Ctrl-C while it ran: a killed evaluation is no verdict, record nothing
            if result.reason in NOT_THE_CANDIDATE:  # no verdict on the candidate: record nothing, stop
                raise CannotJudge(f"attempt {rec.id}: {result.message}")
            rec.eval_s = round(time.monotonic() - t0, 2)
            rec.status, rec.gate, rec.message = result.status.value, result.gate, result.message[:400]
            if result.reason == "llm_refused":
                rec.status = LLM_ERROR
            rec.geomean_ms, rec.interpreter_ms = geomean_ms(result), result.interpreter_ms
            rec.speedup_vs_eager, rec.speedup_vs_compile = result.speedup_vs_eager, result.speedup_vs_compile
            rec.code_hash, rec.suspicious = result.code_hash, list(result.suspicious)
            if result.ncu or result.ncu_reason:  # the attempt's NCU metrics, beside its result
                self.store.save(
                    rec.id, "metrics.json", json.dumps({"ncu": result.ncu, "reason": result.ncu_reason}, indent=2)
                )
            self.archive.record(rec, code, result, on_record=lambda r: self.on_event("attempt", r))
        finally:
            if twin is None and event is not None:  # ours: release any twin waiting on it
                self.archive.release(code, event)
        return rec

    def _ask(self, ids: list[str], prompt: str) -> dict[str, Completion]:
        """Replies for these attempt ids: saved ones reused, the rest asked for in one call."""
        out: dict[str, Completion] = {}
        for i in ids:
            self.store.save(i, "prompt.md", prompt)
            saved = self.store.read(i, "reply.md")
            if saved is not None:
                out[i] = Completion(text=saved, model="(saved reply)")
        missing = [i for i in ids if i not in out]
        if missing:
            self.check_repeats()
            self.on_event(f"asking {self.llm.name} for {len(missing)} repl{'y' if len(missing) == 1 else 'ies'}", None)
            try:
                replies = self.llm.complete([{"role": "user", "content": prompt}], len(missing))
            except (LLMUnavailable, ReplayExhausted) as e:  # keep what arrived (reused on resume), record no attempt
                for k, c in e.replies.items():
                    self.store.save(missing[k], "reply.md", c.text)
                    self.store.save(missing[k], "llm.json", c.model_dump_json(indent=1))
                raise
            for i, c in zip(missing, replies):
                if c.error is None:
                    self.store.save(i, "reply.md", c.text)
                self.store.save(i, "llm.json", c.model_dump_json(indent=1))
                out[i] = c
        return out

    def check_repeats(self) -> None:
        """Before asking the LLM: raise RepliesRepeat when the last --stop-after-repeats replies all
        repeated earlier code (a CPU-only loop, where nothing is timed, often gets the same reply back)."""
        limit = self.settings.stop_after_repeats
        streak = self.archive.repeat_streak()
        if limit and len(streak) >= limit:
            last = streak[-1]
            raise RepliesRepeat(
                f"the last {len(streak)} replies repeated code already evaluated (latest: {last.id}, the same "
                f"as {last.duplicate_of}); stopped asking the LLM (--stop-after-repeats {limit}; 0 never stops)"
            )

    def _attempt(self, rec: Record, completion: Completion) -> Record:
        rec.model, rec.llm_s = completion.model, round(completion.latency_s, 2)
        rec.prompt_tokens, rec.completion_tokens = completion.prompt_tokens, completion.completion_tokens
        if completion.error:
            return self._evaluate(rec, None, [f"The LLM request failed: {completion.error}"], gate="llm")
        code, problems = extract(completion.text)
        return self._evaluate(rec, code, problems)

    # ------------------------------------------------------------ the run

    def start_path(self):
        """The kernel to start from (--seed FILE, else the problem's best for this GPU, else its seed.py), or
        None: the seed stage."""
        return start_kernel(self.settings, self.problem)

    def run_seed(self) -> None:
        if SEED_ID in self.done:
            return
        start = self.start_path()
        if start is None or not start.is_file():
            raise FileNotFoundError(f"problem {self.problem.name}: no kernel to start from at {start}")
        self.on_event(f"evaluating the starting kernel {start.name}", None)
        self._evaluate(Record(id=SEED_ID, stage="seed"), start.read_text(encoding="utf-8"), [])

    def seed_stage(self) -> int:
        """Write the first kernel from the bare reference; returns the iterations it used."""
        iteration = 0
        for _ in range(self.settings.iterations):
            ids = [f"{iteration + 1:04d}-{k}" for k in range(1, self.settings.samples + 1)]
            if self.best is not None and not any(i in self.done and self.done[i].stage == "seed" for i in ids):
                break  # a resumed run counts the seed iterations it recorded before its first correct kernel
            iteration += 1
            todo = [i for i in ids if i not in self.done]
            replies = {}
            if todo:
                prompt = render(
                    "seed",
                    gpu=self.card,
                    code="",
                    ncu=None,
                    precision=self.policy,
                    ncu_reason="no kernel yet",
                    problem=self.brief,
                    history=self.archive.tried(None),
                    template_dir=self.settings.template_dir,
                )
                replies = self._ask(todo, prompt)

            def chain(k: int, i: str, it: int = iteration) -> None:
                rec = self.done.get(i) or self._attempt(Record(id=i, stage="seed", iteration=it, sample=k), replies[i])
                if rec.status != Status.correct.value:
                    self.repairs(rec, "seed")

            self._each(chain, list(enumerate(ids, 1)))
        return iteration

    def repairs(self, failed: Record, prompt_stage: str) -> None:
        last = failed
        for r in range(1, self.settings.repairs + 1):
            if last.status in (Status.correct.value, Status.needs_gpu.value) or last.gate == "llm":
                return  # nothing to repair: correct, not runnable here (Gluon, no GPU), or no candidate
            rid = f"{failed.id}r{r}"
            if rid in self.done:
                last = self.done[rid]
                continue
            result = self.archive.result(last.id)
            failure = {
                "status": last.status,
                "message": failure_text(result) if result else last.message,
                "code": self.archive.code(last.id) or "(no code was extracted from the reply)",
            }
            prompt = render(
                "repair",
                gpu=self.card,
                code=failure["code"],
                ncu=None,
                precision=self.policy,
                failure=failure,
                ncu_reason="the candidate failed before profiling",
                problem=self.brief,
                history=self.archive.tried(failed.parent),
                template_dir=self.settings.template_dir,
            )
            rec = Record(
                id=rid,
                stage="repair",
                iteration=failed.iteration,
                sample=failed.sample,
                parent=failed.parent,
                repair_of=last.id,
            )
            last = self._attempt(rec, self._ask([rid], prompt)[rid])

    def run(self) -> Record | None:
        """The whole run; returns the best attempt (None: no correct kernel). Stops early, with the
        reason in `stopped`, when the LLM's replies keep repeating code already evaluated."""
        # The evaluator's warm processes come up while the first prompt is rendered and answered.
        self.executor.prestart(self.problem, self.config)
        try:
            return self._run()
        except RepliesRepeat as e:
            self.stopped = str(e)
            self.on_event(f"stopped: {e}", None)
            return self.best

    def began_with_seed_stage(self) -> bool:
        """Whether this run wrote its first kernel in the seed stage: what it recorded decides on resume, not
        whether a kernel to start from exists now (a winner promoted since, a seed.py added)."""
        if SEED_ID in self.done:
            return False
        if any(r.stage == "seed" for r in self.done.values()):
            return True
        return self.start_path() is None

    def _run(self) -> Record | None:
        iteration = 0
        if not self.began_with_seed_stage():
            self.run_seed()
        else:
            iteration = self.seed_stage()
            if self.best is None:
                self.on_event(f"the seed stage found no correct kernel in {iteration} iteration(s)", None)
                return None
        for stage in self.settings.stages:
            skip, why = capability_skip(stage, self.card)
            if skip:  # e.g. the hopper stage (Gluon TMA/wgmma) on a GPU older than sm_90
                self.on_event(why, None)
                self.archive.skip(stage, None, why)
                continue
            if self.settings.stage == "all":
                pid, _, presult = self.archive.parent(self.start_path())
                skip, why = should_skip(get_stage(stage), getattr(presult, "ncu", None))
                self.on_event(why, None)
                if skip:
                    self.archive.skip(stage, pid, why)
                    continue
            for _ in range(self.settings.iterations):
                iteration += 1
                ids = [f"{iteration:04d}-{k}" for k in range(1, self.settings.samples + 1)]
                todo = [i for i in ids if i not in self.done]
                if todo:
                    pid, pcode, presult = self.archive.parent(self.start_path())
                    ncu = for_stage(getattr(presult, "ncu", None), stage)
                    reason = getattr(presult, "ncu_reason", None) or "the parent was not profiled"
                    prompt = render(
                        stage,
                        gpu=self.card,
                        code=pcode,
                        ncu=ncu,
                        precision=self.policy,
                        ncu_reason=reason,
                        problem=self.brief,
                        history=self.archive.tried(pid),
                        template_dir=self.settings.template_dir,
                    )
                    replies = self._ask(todo, prompt)
                else:
                    pid, replies = "", {}

                def chain(k: int, i: str, it: int = iteration, st: str = stage, parent: str = pid) -> None:
                    """One sample and its repairs: evaluations of other samples overlap its LLM calls."""
                    rec = self.done.get(i) or self._attempt(
                        Record(id=i, stage=st, iteration=it, sample=k, parent=parent), replies[i]
                    )
                    if rec.status != Status.correct.value:
                        self.repairs(rec, st)

                self._each(chain, list(enumerate(ids, 1)))
        return self.best

    def _each(self, fn, items: list[tuple]) -> None:
        """Run sample chains in parallel when order cannot matter (a live LLM, several eval slots);
        replay and manual replies are consumed in order, so they run one after another."""
        if len(items) > 1 and getattr(self.llm, "parallel_safe", False) and self.executor.size > 1:
            with ThreadPoolExecutor(min(len(items), self.executor.size)) as pool:
                list(pool.map(lambda a: fn(*a), items))
        else:
            for a in items:
                fn(*a)


def start_kernel(settings: RunSettings, problem: Problem):
    """Loop.start_path for these settings and problem: agent.run asks it before a run folder exists."""
    if settings.seed is not None:
        return settings.seed
    if settings.stage != "seed":  # the promoted winner for this GPU model, else seed.py (agent.best)
        seed = problem.seed_path if problem.seed_path.is_file() else None
        return starting_kernel(problem.path, seed, local_gpu())
    return None


def replies_used(store: RunStore) -> int:
    """How many replies a replay provider already gave this run (attempts that saved one)."""
    attempts = store.path / "attempts"
    return sum(1 for d in attempts.iterdir() if (d / "reply.md").is_file()) if attempts.is_dir() else 0
