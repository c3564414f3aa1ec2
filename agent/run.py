"""The user's main job: run the optimization loop on a problem.

    python -m agent.run --stage fusion                          # OPENAI_API_KEY or OPENAI_BASE_URL set
    python -m agent.run --stage all --iterations 2 --samples 4 --llm openai --model gpt-4o
    python -m agent.run --llm replay:runs/<earlier-run>         # reproduce a run without an LLM
    python -m agent.run --llm manual                            # answer the prompts yourself
    python -m agent.run --resume <run>                          # pick up a killed run where it stopped
    python -m agent.run --problem path/to/kernelbench.py        # no seed.py: the seed stage writes the first kernel
    python -m agent.run --problem kernels/relu --stage seed     # only the first correct kernel
    python -m agent.run --problem relu --seed my_kernel.py      # start from your own kernel

A live display shows the stage, attempts, statuses and the best speedup; the run ends with a table
and the path of its folder under runs/. Exit codes: 0 the run finished, 2 bad input or setup
(one line on stderr, no run folder left behind), 3 the LLM endpoint is unreachable or refuses the
run (one line on stderr; nothing recorded as an attempt; resumable), 130 interrupted (resumable).
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from agent.gpu import GpuError
from agent.history import Record, RunStore
from agent.llm import LLMUnavailable, ManualLLM, ReplayExhausted, ReplayLLM, make_llm, resolve_spec
from agent.loop import Loop, replies_used
from agent.prompt import PromptError
from agent.ranking import is_better
from agent.settings import RunSettings, given_flags, parse_cli, resumed
from agent.tables import attempts_table, fmt_ms, fmt_x
from evaluator import load_problem


class Display:
    """Live status: stage, attempts, statuses, best speedup, and what is happening now."""

    def __init__(self, console: Console, run_name: str):
        self.console, self.run_name = console, run_name
        self.records: list[Record] = []
        self.best: Record | None = None
        self.now = "starting"
        self.live = Live(self.render(), console=console, refresh_per_second=4, transient=False)

    def render(self) -> Group:
        counts = Counter(r.status for r in self.records)
        stage = self.records[-1].stage if self.records else "-"
        if self.best is None:
            best = "no correct candidate yet"
        elif self.best.geomean_ms is None:
            best = f"parent {self.best.id} (correct; untimed on the CPU interpreter)"
        else:
            best = f"best {self.best.id}: {fmt_ms(self.best)} ms, {fmt_x(self.best.speedup_vs_compile)} vs compile"
        line = (
            f"[bold]{self.run_name}[/]  stage {stage}  attempts {len(self.records)}  "
            + "  ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"\n{best}\n[dim]{self.now}[/]"
        )
        return Group(Text.from_markup(line))

    def event(self, message: str, rec: Record | None) -> None:
        if rec is not None:
            self.records.append(rec)
            if is_better(rec, self.best):
                self.best = rec
            self.now = f"{rec.id} -> {rec.status}"
        else:
            self.now = message
        self.live.update(self.render())


def open_run(settings: RunSettings, given: dict | None = None, executor=None) -> Loop:
    """The loop of a new run (its folder created once the problem and LLM check out) or of the run
    `settings.resume` names, whose config.json is the base under the `given` flags (agent.settings.resumed
    says which may differ). `executor`: a shared one (agent.suite runs many problems on one). Raises
    ValueError/GpuError for bad input, leaving no run folder behind."""
    if settings.resume:
        store = RunStore.open(settings.resume, settings.runs_dir)
        given = given or {}
        settings = resumed(store.config(), given)
        if set(given) - {"resume", "runs_dir"}:  # the config says what the run uses from now on
            store.update_config(settings)
    else:
        problem_name = load_problem(settings.problem).name  # fail fast, before a run folder exists
        if settings.seed is not None:
            if not settings.seed.is_file():
                raise ValueError(f"--seed {settings.seed}: no such file")
            settings = settings.model_copy(update={"seed": settings.seed.resolve()})  # resumable from anywhere
        store = None
    # config.json records the provider used, not None for "picked from the environment".
    settings = settings.model_copy(update={"llm": resolve_spec(settings.llm, settings.base_url)})
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
        )
    )
    created = None  # a run folder made by this call: removed again if the setup fails
    try:
        if store is None:
            store = created = RunStore.create(settings.runs_dir, settings, problem_name)
        if manual:
            llm = make_llm("manual", inbox=store.path / "manual", stdin=settings.manual_stdin)
        if isinstance(llm, (ReplayLLM, ManualLLM)):  # replies already used by recorded attempts
            llm.skip(replies_used(store))
        return Loop(settings, store, llm, executor=executor)
    except BaseException:
        if created is not None:
            shutil.rmtree(created.path, ignore_errors=True)
        raise


def main(argv: list[str] | None = None) -> int:
    console = Console(stderr=False)
    try:
        loop = open_run(parse_cli(argv), given_flags(argv))
        store = loop.store
    except (ValueError, GpuError) as e:  # SettingsError, ProblemError, LLMError, HistoryError, PromptError...
        print(f"error: {e}", file=sys.stderr)
        return 2
    if loop.card_note:
        console.print(f"note: {loop.card_note}", markup=False)
    display = Display(console, store.name)
    loop.on_event = display.event
    try:
        with display.live:
            best = loop.run()
    except KeyboardInterrupt:
        console.print(f"interrupted: resume with  python -m agent.run --resume {store.name}")
        return 130
    except (PromptError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except LLMUnavailable as e:  # nothing was recorded for the attempts it could not ask about
        print(
            f"error: {e}; nothing was recorded for the unanswered attempts: fix the endpoint, then "
            f"python -m agent.run --resume {store.name}",
            file=sys.stderr,
        )
        return 3
    except ReplayExhausted as e:
        best = loop.best
        console.print(f"stopped: {e}; the run is complete up to here (resumable with more replies)")
    console.print(attempts_table(store.records(), best, title=f"run {store.name}"))
    if best is None and loop.start_path() is None:
        console.print(
            f"no correct first kernel after {loop.settings.iterations} seed-stage iteration(s); resume "
            f"with more:  python -m agent.run --resume {store.name} --iterations N"
        )
    if best is not None and best.geomean_ms is None:
        console.print(f"parent: {best.id} (correct; no timing on the CPU interpreter, so nothing was ranked)")
        console.print(f"promote it on a GPU machine with:  python -m agent.promote {store.name} {best.id}")
    elif best is not None:
        console.print(
            f"best: {best.id} ({fmt_ms(best)} ms, {fmt_x(best.speedup_vs_eager)} vs eager, "
            f"{fmt_x(best.speedup_vs_compile)} vs torch.compile)"
        )
        console.print(f"promote it with:  python -m agent.promote {store.name} {best.id}")
    console.print(f"run folder: {store.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
