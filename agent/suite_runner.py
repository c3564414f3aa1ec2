"""Running a suite: its problems in threads over one shared executor, each the loop of agent.run,
each finished problem appended to suite.jsonl and the scorecard rewritten (agent.suite is the command).

    runner = SuiteRunner(store, cfg, overrides, executor, console)
    card = runner.run()        # every problem not yet done (or retried), then the Scorecard

Evaluations never exceed the executor's slots (one per GPU) while one problem's LLM calls overlap
another's evaluations; `cfg.jobs` bounds the problems in flight. A problem whose run raises, or whose
LLM cannot be reached, is recorded as `error` / `llm failed` and the others go on; `runner.stopped` keeps,
for each such problem, the exit code it stands for and its reason (agent.suite exits with the gravest).
Such a problem stopped before its run was finished: it counts as correct only where one of its LLM
attempts was (a correct starting kernel alone is nothing this run judged). Each finished problem's run
gets its report.html (agent.report), which suite.html links to.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from rich.console import Console
from rich.text import Text

from agent.display import Display
from agent.gpu import GpuError
from agent.history import HistoryError, Record, RunStore
from agent.llm import LLMError, LLMUnavailable, ReplayExhausted
from agent.numbers import fmt_x
from agent.report import write_report
from agent.run import attempt_line, open_run
from agent.scorecard import ProblemRow, Scorecard, row_from_run, write_files
from agent.suite_store import Entry, SuiteConfig, SuiteStore, settings_for, typed_again
from evaluator import Cancelled

RETRIED = ("error", "llm failed")  # statuses a resume runs again: the cause may be gone
# What a stopped problem makes the suite exit with (agent.suite's exit codes), gravest first: the endpoint
# (fix it once for all problems), the evaluator (this machine or a reference), bad input, anything else.
LLM_DOWN, CANNOT_JUDGE, BAD_INPUT, FAILED = 3, 4, 2, 1
GRAVITY = (LLM_DOWN, CANNOT_JUDGE, BAD_INPUT, FAILED)


def write_run_report(link) -> None:
    """The problem's runs/<name>/report.html (agent.report: one plot and a table, well under a second),
    which suite.html links to. A report that cannot be written costs the link, never the suite."""
    try:
        write_report(RunStore(link.resolve()))
    except (HistoryError, OSError, ValueError):
        pass


class ProblemStates:
    """What a suite's live display shows: one line per problem (queued, its latest event and for how
    long, or its verdict); piped, one line per finished attempt and per finished problem."""

    def __init__(self, console: Console, names: list[str]):
        self.console, self.lock = console, threading.Lock()
        self.state = {n: ("queued", time.monotonic()) for n in names}
        self.display = Display(console, self.render, transient=True)

    def render(self) -> Text:
        width = max(20, self.console.width - 1)
        now = time.monotonic()
        return Text(
            "\n".join(
                f"{n}: {s}{'' if s == 'queued' or s.startswith('done') else f' ({now - t:.0f} s)'}"[:width]
                for n, (s, t) in self.state.items()
            )
        )

    def set(self, name: str, text: str, log: bool = False) -> None:
        """`log`: also a line of its own when piped (finished attempts and problems, notes)."""
        with self.lock:
            self.state[name] = (text, time.monotonic())
            if log:
                self.display.log(f"{name}: {text}")

    def on_event(self, name: str):
        def event(message: str, rec: Record | None) -> None:
            if rec is not None:
                self.set(name, attempt_line(rec), log=True)
            else:
                self.set(name, message, log=message.startswith("stopped"))

        return event


def is_llm_failure(exc: BaseException) -> bool:
    """The run stopped because its LLM could not be reached or set up (agent.llm's exceptions)."""
    return isinstance(exc, (LLMError, LLMUnavailable, ReplayExhausted))


def exit_code_of(exc: BaseException) -> int:
    """The exit code agent.run would give for this stop: 3 the endpoint, 4 the evaluator could not judge,
    2 bad input (an LLM set-up, settings, a problem, a template or seed file), 1 anything else."""
    from agent.loop import CannotJudge  # torch: only once a problem has run (`runs list` imports agent.suite)

    if isinstance(exc, LLMUnavailable):
        return LLM_DOWN
    if isinstance(exc, CannotJudge):
        return CANNOT_JUDGE
    if isinstance(exc, (ValueError, GpuError, FileNotFoundError)):  # LLMError, SettingsError, ProblemError...
        return BAD_INPUT
    return FAILED


def reason_of(exc: BaseException) -> str:
    """One line: the exception's own words (its class name only where it has none)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


class SuiteRunner:
    def __init__(self, store: SuiteStore, cfg: SuiteConfig, overrides: dict, executor, console: Console):
        self.store, self.cfg, self.overrides, self.console = store, cfg, overrides, console
        self.flags = {**cfg.flags, **overrides}
        self.executor = executor  # shared by every problem's loop: its slots bound the evaluations
        self.write_lock = threading.Lock()
        self.stopped: dict[str, tuple[int, str]] = {}  # problem -> (exit code, reason): its run did not finish

    def exit_code(self) -> int:
        """The gravest stop among this invocation's problems (GRAVITY), 0 where every run finished."""
        codes = {code for code, _ in self.stopped.values()}
        return next((c for c in GRAVITY if c in codes), 0)

    def run_one(self, entry: Entry, states: ProblemStates) -> ProblemRow:
        t0 = time.monotonic()
        link = self.store.link(entry.name)
        rel = str(link.relative_to(self.store.path))
        loop = None
        stop: tuple[int, str] | None = None
        try:
            settings = settings_for(entry, self.flags)
            given: dict = {}
            if link.exists():  # started before: resume that run, under any flags given to --resume
                given = typed_again(entry, settings, self.overrides)
                settings = settings.model_copy(update={"resume": str(link.resolve())})
            loop = open_run(settings, given, executor=self.executor)
            if not link.exists():
                self.store.make_link(entry.name, loop.store.path)
            loop.on_event = states.on_event(entry.name)
            if loop.card_note:
                states.set(entry.name, f"note: {loop.card_note}", log=True)
            try:
                loop.run()
            except ReplayExhausted:
                pass  # the replies ran out: the run is complete up to here, as agent.run says
            row = row_from_run(entry.name, entry.problem, loop.store, run_link=rel)
        except (KeyboardInterrupt, SystemExit, Cancelled):  # Ctrl-C: nothing recorded for this problem
            raise
        except BaseException as e:  # noqa: BLE001 - one problem's failure never stops the others
            why = f"{type(e).__name__}: {e}".replace("\n", " ")[:400]
            kind = {"llm_error": why} if is_llm_failure(e) else {"error": why}
            stop = exit_code_of(e), reason_of(e)
            if link.exists():
                try:
                    row = row_from_run(entry.name, entry.problem, RunStore(link.resolve()), run_link=rel, **kind)
                except (HistoryError, ValueError):
                    row = ProblemRow(problem=entry.name, spec=entry.problem, run=rel, status="error", message=why)
            else:
                row = ProblemRow(
                    problem=entry.name,
                    spec=entry.problem,
                    status=next(iter(kind)).replace("llm_error", "llm failed"),
                    message=why,
                )
        row.seconds = round(time.monotonic() - t0, 1)
        if loop is not None:
            loop.store.unlock()  # this problem's run is done with: release its lock now, not when collected
        if stop is None and row.status in RETRIED:  # the run's last request failed (e.g. refused by the server)
            stop = LLM_DOWN if row.status == "llm failed" else FAILED, reason_of(ValueError(row.message))
        if stop is not None:
            # An unfinished run counts as correct only for a correct kernel its LLM wrote: the starting
            # kernel (seed.py, a promoted winner) being correct says nothing about this suite's run.
            row.correct = row.correct and row.correct_attempts > 0
            self.stopped[entry.name] = stop
        with self.write_lock:  # one thread at a time: matplotlib's pyplot is not thread-safe
            self.store.append(row)
            if link.exists():
                write_run_report(link)
            write_files(self.store.card(), self.store.path)
        done = f"done: {row.status}" + (
            f", {fmt_x(row.speedup_vs_compile)} vs compile" if row.speedup_vs_compile else ""
        )
        states.set(entry.name, done + (f": {stop[1]}" if stop else ""), log=True)
        return row

    def run(self) -> Scorecard:
        done = self.store.rows()
        todo = [e for e in self.cfg.problems if e.name not in done or done[e.name].status in RETRIED]
        jobs = self.cfg.jobs or self.executor.size
        states = ProblemStates(self.console, [e.name for e in todo])
        if todo:
            pool = ThreadPoolExecutor(max(1, min(jobs, len(todo))), thread_name_prefix="problem")
            try:
                with states.display:
                    for f in as_completed([pool.submit(self.run_one, e, states) for e in todo]):
                        f.result()
            finally:  # on Ctrl-C, do not wait for the problems in flight: the caller exits
                pool.shutdown(wait=False, cancel_futures=True)
        self.executor.close()
        card = self.store.card()
        write_files(card, self.store.path)
        return card
