"""The user's main job: run the optimization loop on a problem.

    python -m agent.run --stage fusion                          # OPENAI_API_KEY or OPENAI_BASE_URL set
    python -m agent.run --stage all --iterations 2 --samples 4 --llm openai --model gpt-4o
    python -m agent.run --llm replay:runs/<earlier-run>         # reproduce a run without an LLM
    python -m agent.run --llm manual                            # answer the prompts yourself
    python -m agent.run --resume <run>                          # pick up a killed run where it stopped
    python -m agent.run --problem path/to/kernelbench.py        # no seed.py: the seed stage writes the first kernel
    python -m agent.run --problem kernels/relu --stage seed     # only the first correct kernel
    python -m agent.run --problem relu --seed my_kernel.py      # start from your own kernel

On a terminal a live display shows the stage, attempts, statuses, the best so far and what is
happening now (with its elapsed time); piped or logged, one line per finished attempt is printed as
it finishes. The run ends with a table, how to promote its best (for a plain KernelBench file, which
agent.promote cannot take, the commands that add it as a problem and re-check that kernel there first) and
the path of its folder under runs/. Exit codes: 0 the run has a correct kernel, 1 it has none (every
attempt failed, or the seed stage found none), 2 bad input or setup (one line on stderr, no run folder
left behind), 3 the LLM endpoint is unreachable or
refuses the run (one line on stderr; nothing recorded as an attempt; resumable), 4 the evaluator could not
judge a candidate through no fault of its own (its jailed process could not start here, or the problem's
reference failed: one line on stderr; that attempt not recorded; resumable once fixed), 130 interrupted by
Ctrl-C (the evaluation in flight is killed and not recorded; resumable). Every printed resume
command names --runs-dir when the run is not under the default folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from agent.archive import is_better
from agent.best import BestError
from agent.display import Display
from agent.gpu import GpuError
from agent.history import Record, RunStore
from agent.llm import LLMUnavailable, ReplayExhausted, make_llm, resolve_spec
from agent.numbers import fmt_ms, fmt_x
from agent.settings import (
    RunSettings,
    absolute_llm,
    given_flags,
    is_problem_path,
    parse_cli,
    resumed,
    runs_dir_flag,
)
from evaluator import load_problem

if TYPE_CHECKING:
    from rich.console import Console

    from agent.loop import Loop

# Heavy imports (torch through the evaluator, rich's live display) wait until a run starts, so that
# `--help` and a bad flag answer at once.


def resume_command(store: RunStore, extra: str = "") -> str:
    """The command that resumes this run, as it works when pasted into the same shell."""
    return f"python -m agent.run --resume {shlex.quote(store.name)}{runs_dir_flag(store.path.parent)}{extra}"


class RunStatus:
    """What one run's live display shows: the stage, attempts and their statuses, the best so far and
    what is happening now, for how long (agent.display.Display draws it; piped, one line per attempt)."""

    def __init__(self, console: Console, run_name: str):
        self.run_name = run_name
        self.records: list[Record] = []
        self.best: Record | None = None
        self.now, self.since = "starting", time.monotonic()
        self.display = Display(console, self.render)

    def render(self):
        from rich.text import Text

        counts = Counter(r.status for r in self.records)
        stage = self.records[-1].stage if self.records else "-"
        if self.best is None:
            best = "no correct candidate yet"
        elif self.best.geomean_ms is None:
            best = f"parent {self.best.id} (correct; untimed on the CPU interpreter)"
        else:
            best = (
                f"best {self.best.id}: {fmt_ms(self.best.geomean_ms)} ms, "
                f"{fmt_x(self.best.speedup_vs_compile)} vs compile"
            )
        line = (
            f"[bold]{self.run_name}[/]  stage {stage}  attempts {len(self.records)}  "
            + "  ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"\n{best}\n[dim]{self.now} ({time.monotonic() - self.since:.0f} s)[/]"
        )
        return Text.from_markup(line)

    def event(self, message: str, rec: Record | None) -> None:
        if rec is not None:
            self.records.append(rec)
            if is_better(rec, self.best):
                self.best = rec
            message = attempt_line(rec)
            self.display.log(message)
        self.now, self.since = message, time.monotonic()


def attempt_line(rec: Record) -> str:
    """One finished attempt: id, stage, verdict, the gate it stopped at and how long it took."""
    where = "" if rec.status == "correct" else f" at {rec.gate}"
    took = f", evaluated in {rec.eval_s:.1f} s" if rec.eval_s else ""
    dup = f" (same code as {rec.duplicate_of})" if rec.duplicate_of else ""
    return f"{rec.id} ({rec.stage}) -> {rec.status}{where}{dup}{took}"


def open_run(settings: RunSettings, given: dict | None = None, executor=None) -> Loop:
    """The loop of a new run (its folder created once the problem and LLM check out) or of the run
    `settings.resume` names, whose config.json is the base under the `given` flags (agent.settings.resumed
    says which may differ). `executor`: a shared one (agent.suite runs many problems on one). Raises
    ValueError/GpuError for bad input, leaving no run folder behind."""
    store = None
    if settings.resume:  # locked first: a second process on the same run is refused before it writes
        store = RunStore.open(settings.resume, settings.runs_dir, lock=True)
    try:
        return _open(settings, given, store, executor)
    except BaseException:
        if store is not None:
            store.unlock()
        raise


def _open(settings: RunSettings, given: dict | None, store: RunStore | None, executor) -> Loop:
    """open_run, once a resumed run's folder is open and locked (`store`; None for a new run)."""
    from agent.loop import Loop, replies_used, start_kernel

    if store is not None:
        given = given or {}
        settings = resumed(store.config(), given)
        if set(given) - {"resume", "runs_dir"}:  # the config says what the run uses from now on
            store.update_config(settings)
        problem = load_problem(settings.problem)
    else:
        problem = load_problem(settings.problem)  # fail fast, before a run folder exists
        problem_name = problem.name
        if settings.shapes != "auto":
            problem.set_names(settings.shapes)  # ProblemError: a set it lacks (--resume cannot change it later)
        if settings.seed is not None:
            if not settings.seed.is_file():
                raise ValueError(f"--seed {settings.seed}: no such file")
            settings = settings.model_copy(update={"seed": settings.seed.resolve()})  # resumable from anywhere
        # a problem or replay folder given by path is saved absolute too: resume and promote find them anywhere
        if is_problem_path(settings.problem):
            settings = settings.model_copy(update={"problem": str(Path(settings.problem).resolve())})
        settings = settings.model_copy(update={"llm": absolute_llm(settings.llm)})  # make_llm refuses an empty one
    settings = settings.checked_templates()
    # Every template the run will render, compiled now: a broken one is bad input before anything is written.
    check_templates(settings, seed_stage=start_kernel(settings, problem) is None)
    # config.json records the provider used, not None for "picked from the environment".
    settings = settings.model_copy(update={"llm": resolve_spec(settings.llm, settings.base_url)})
    if settings.llm == "openai" and settings.base_url is None and os.environ.get("OPENAI_BASE_URL"):
        # config.json says which endpoint answered, also when the environment named it
        settings = settings.model_copy(update={"base_url": os.environ["OPENAI_BASE_URL"]})
    manual = settings.llm == "manual"
    # Other providers are checked before a run folder exists; manual's prompts live in that folder.
    llm = (
        None
        if manual
        else make_llm(
            settings.llm,
            model=settings.model,
            temperature=settings.temperature,
            base_url=settings.base_url,
            concurrency=settings.concurrency,
            timeout_s=settings.llm_timeout,
            max_retries=settings.llm_retries,
            max_tokens=settings.max_tokens,
        )
    )
    created = None  # a run folder made by this call: removed again if the setup fails
    try:
        if store is None:
            store = created = RunStore.create(settings.runs_dir, settings, problem_name)
        if manual:
            llm = make_llm("manual", inbox=store.path / "manual", stdin=settings.manual_stdin)
        if callable(getattr(llm, "skip", None)):  # replay, manual: replies already used by recorded attempts
            llm.skip(replies_used(store))
        return Loop(settings, store, llm, executor=executor)
    except BaseException:
        if created is not None:
            created.unlock()
            shutil.rmtree(created.path, ignore_errors=True)
        raise


def check_templates(settings: RunSettings, seed_stage: bool) -> None:
    """Compile the --template-dir templates this run renders (the seed stage's where it writes the first kernel,
    its stages', repair's, and the base they extend): PromptError for one jinja2 cannot compile."""
    if settings.template_dir is None:
        return
    from agent.prompt import compile_templates, get_stage

    stages = [*(["seed"] if seed_stage else []), *settings.stages, "repair"]
    names = dict.fromkeys([*(get_stage(s).template for s in stages), "base.j2"])
    compile_templates(list(names), settings.template_dir)


# The run this process works on, once open_run has returned it (a folder open_run gives up is removed), and
# whether its resume command was printed: a Ctrl-C anywhere after that prints it, once.
_current: dict = {"store": None, "hinted": False}


def hold_interrupts() -> None:
    """A second Ctrl-C is ignored until the first one's lines are printed (stop_everything then makes the
    next one leave at once)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def print_interrupted() -> None:
    """`interrupted: resume with ...` where a run folder exists, else `interrupted`; once per process."""
    store = _current["store"]
    if _current["hinted"]:
        return
    _current["hinted"] = True
    if store is not None and (store.path / "config.json").is_file():
        print(f"interrupted: resume with  {resume_command(store)}", flush=True)
    else:  # Ctrl-C before the run started (e.g. while torch loads): nothing to resume
        print("interrupted", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    _current.update(store=None, hinted=False)
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before the run's loop started, or a second Ctrl-C while the first was handled
        hold_interrupts()
        from evaluator import exit_now, stop_everything

        print_interrupted()
        if not stop_everything():
            exit_now(130)
        return 130


def _main(argv: list[str] | None) -> int:
    from rich.console import Console

    console = Console(stderr=False)
    try:
        loop = open_run(parse_cli(argv), given_flags(argv))
    except (ValueError, GpuError) as e:  # SettingsError, ProblemError, LLMError, HistoryError, PromptError...
        print(f"error: {e}", file=sys.stderr)
        return 2
    _current["store"] = loop.store
    try:  # the run's lock is held until it ends (the OS drops it if the process dies first)
        return _drive(loop, console)
    finally:
        loop.store.unlock()


def _drive(loop: Loop, console: Console) -> int:
    store = loop.store
    from agent.loop import CannotJudge
    from agent.prompt import PromptError  # (torch, through the precision policies: only once a run starts)

    if loop.card_note:
        print(f"note: {loop.card_note}", flush=True)
    status = RunStatus(console, store.name)
    loop.on_event = status.event
    try:
        with status.display:
            best = loop.run()
    except KeyboardInterrupt:
        hold_interrupts()
        from evaluator import exit_now, stop_everything

        print_interrupted()  # first: a second Ctrl-C while the evaluation is stopped leaves at once
        clean = stop_everything()  # kill the evaluation in flight; nothing half-done is recorded
        if not clean:  # a thread is still blocked in an LLM request: do not wait for it
            exit_now(130)
        return 130
    except (PromptError, FileNotFoundError, BestError) as e:  # BestError: best.json spoilt since the run opened
        print(f"error: {e}", file=sys.stderr)
        return 2
    except LLMUnavailable as e:  # nothing was recorded for the attempts it could not ask about
        print(
            f"error: {e}; nothing was recorded for the unanswered attempts: fix the endpoint, then "
            f"{resume_command(store)}",
            file=sys.stderr,
        )
        return 3
    except CannotJudge as e:
        print(
            f"error: {e.args[0].rstrip('.')}; no reply can fix that, so the run stopped: fix it, then "
            f"{resume_command(store)}",
            file=sys.stderr,
        )
        return 4
    except ReplayExhausted as e:
        best = loop.best
        print(f"stopped: {e}; the run is complete up to here (resumable with more replies)", flush=True)
    if loop.stopped:
        print(f"warning: {loop.stopped}", file=sys.stderr, flush=True)
    from agent.tables import attempts_table

    console.print(attempts_table(store.records(), best, title=f"run {store.name}"))
    # Commands and paths are printed plainly: rich would wrap them mid-token at 80 columns when piped.
    if best is None and loop.start_path() is None:
        print(
            f"no correct first kernel after {loop.settings.iterations} seed-stage iteration(s); resume with more:  "
            f"{resume_command(store, ' --iterations N')}"
        )
    elif best is None:
        print("no correct kernel in this run")
    if best is not None and best.geomean_ms is None:
        print(f"parent: {best.id} (correct; no timing on the CPU interpreter, so nothing was ranked)")
    elif best is not None:
        print(
            f"best: {best.id} ({fmt_ms(best.geomean_ms)} ms, {fmt_x(best.speedup_vs_eager)} vs eager, "
            f"{fmt_x(best.speedup_vs_compile)} vs torch.compile)"
        )
    if best is not None:
        print("\n".join(promote_hint(store, best, loop.problem.path)))
    print(f"run folder: {store.path}", flush=True)
    return 0 if best is not None else 1


def promote_hint(store: RunStore, best: Record, problem: Path) -> list[str]:
    """The closing lines that say how to promote `best` (agent.promotion.promote_commands): one command, or
    for a run on a plain KernelBench file, which agent.promote cannot take, the commands that make it a
    problem folder and re-check the kernel there."""
    from agent.promotion import promote_commands  # (torch, through the evaluator: only once a run ended)

    commands = promote_commands(store, best.id, problem)
    if len(commands) == 1:
        where = " on a GPU machine" if best.geomean_ms is None else ""
        return [f"promote it{where} with:  {commands[0]}"]
    return [
        f"to promote it, add {problem.name} as a problem (agent.promote writes into a problem folder) and re-check "
        f"{best.id} there; that run ends with the promote command:",
        *(f"  {c}" for c in commands),
    ]


if __name__ == "__main__":
    sys.exit(main())
