"""Suites: many problems, each the optimisation loop of agent.run, run concurrently and scored in one table.

    python -m agent.suite relu softmax --stage all --llm replay:replies/    # replies/<problem>/ each
    python -m agent.suite problems.txt --name level1 --iterations 2 --note "replies by hand"
    python -m agent.suite path/to/kernelbench_level1/ --jobs 4
    python -m agent.suite --resume level1                                   # finish what is missing

PROBLEMS are problem names (kernels/<name>), KernelBench files, problem folders, folders of those, or a
text file listing them one per line (`#` starts a comment; flags after a problem apply to it alone,
e.g. `relu.py --iterations 5 --llm replay:replies/relu`). Every agent.run flag applies to each problem,
except --problem, --resume and --manual-stdin; --executor, --workers, --ray-address and --runs-dir are
the suite's own (one executor, one runs folder). `--llm replay:DIR` gives a problem the replies in
DIR/<problem>/ when that folder exists.

The suite lives in <runs-dir>/suites/<name>/:
    config.json       problems, flags, --note, environment (GPU, driver, torch, triton), each resume
    suite.jsonl       one line per finished problem (agent.scorecard.ProblemRow), appended, never rewritten
    runs/<problem>    a relative link to that problem's run folder in <runs-dir>/, made when it starts
    suite.md, suite.json, suite.html    the scorecard (agent.scorecard), rewritten as problems finish
Problems run in threads over one shared executor: evaluations never exceed its slots (one per GPU),
while one problem's LLM calls overlap another's evaluations; --jobs bounds the problems in flight
(default: the executor's slots). A problem whose run raises, or whose LLM cannot be reached, is recorded
as `error` / `llm failed`; the others go on. `--resume` resumes each unfinished problem's run (its
finished attempts are never redone, its saved replies never asked for again), retries the problems
that ended in `error` or `llm failed`, and leaves finished ones alone.

Exit codes: 0 the suite ran to the end (whatever each problem's verdict), 2 bad input (one line on
stderr, nothing written), 130 interrupted (resumable).
"""

from __future__ import annotations

import datetime as _dt
import json
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agent.gpu import GpuError
from agent.history import HistoryError, Record, RunStore, now
from agent.llm import LLMError, ReplayExhausted, make_llm
from agent.run import attempt_line, open_run
from agent.scorecard import (
    ProblemRow,
    Scorecard,
    fmt_x,
    row_from_run,
    terminal,
    write_files,
)
from agent.settings import RunSettings, build_parser, runs_dir_flag
from agent.suite_store import (
    NAME_RE,
    SUITE_SETS,
    SUITE_WIDE,
    Entry,
    SuiteConfig,
    SuiteError,
    SuiteStore,
    checked,
    expand,
    own_flags,
    settings_for,
)
from evaluator import Cancelled, exit_now, load_problem, stop_everything

RETRIED = ("error", "llm failed")  # statuses a resume runs again: the cause may be gone


def parser():
    p = build_parser("python -m agent.suite", exclude=SUITE_SETS)
    p.description = "Run the loop on many problems and score them in one table (fast_p, geometric mean)."
    p.add_argument(
        "problems",
        nargs="*",
        default=[],
        metavar="PROBLEM",
        help="problem names, KernelBench files, problem folders, folders of them, or a list file",
    )
    p.add_argument("--name", default=None, help="the suite's folder under <runs-dir>/suites/ (default: a timestamp)")
    p.add_argument("--resume", default=None, metavar="NAME", help="finish this suite: what is missing, nothing done")
    p.add_argument("--jobs", type=int, default=None, help="problems in flight at once (default: executor slots)")
    p.add_argument("--note", default=None, help="free text kept in config.json and shown under the table")
    return p


def resolve(specs: list[str], flags: dict) -> list[Entry]:
    """Every problem loaded, named, and its settings and LLM checked, before anything is written."""
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for spec in specs:
        for e in expand(spec):
            e.name = load_problem(e.problem).name  # ProblemError: one line naming the file
            if e.name in seen:
                raise SuiteError(
                    f"two problems are named {e.name!r} ({seen[e.name]} and {e.problem}); a suite needs distinct names"
                )
            seen[e.name] = e.problem
            s = settings_for(e, flags)
            if s.llm != "manual":  # the provider can be set up (key, replay folder) - no request is made
                make_llm(s.llm, model=s.model, base_url=s.base_url)
            entries.append(e)
    if not entries:
        raise SuiteError("no problems given: name problems, files, folders or a list file (or --resume NAME)")
    return entries


def environment() -> dict:
    """GPU name and driver (nvidia-smi, so this process never holds a CUDA context), torch, triton."""
    import torch
    import triton

    env = {"gpu": None, "driver": None, "torch": torch.__version__, "triton": triton.__version__}
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        lines = out.stdout.strip().splitlines() if out.returncode == 0 else []
        gpus = [line.split(",", 1) for line in lines if "," in line]
        if gpus:  # one line per GPU: name, driver
            env["gpu"] = " + ".join(dict.fromkeys(name.strip() for name, _ in gpus))
            env["driver"] = gpus[0][1].strip()
    except (OSError, subprocess.SubprocessError):
        pass  # no NVIDIA driver: a CPU-only suite
    return env


# ------------------------------------------------------------ running


class Display:
    """On a terminal: one live line per problem (queued, its latest event and for how long, or its
    verdict). Piped or logged: one line per finished attempt and per finished problem, flushed."""

    def __init__(self, console: Console, names: list[str]):
        self.console, self.lock = console, threading.Lock()
        self.state = {n: ("queued", time.monotonic()) for n in names}
        self.t0 = time.monotonic()
        self.live = (
            Live(console=console, refresh_per_second=4, transient=True, get_renderable=self.render)
            if console.is_terminal
            else None
        )

    def __enter__(self):
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)

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
            if log and self.live is None:
                print(f"[{time.monotonic() - self.t0:6.0f}s] {name}: {text}", file=self.console.file, flush=True)

    def on_event(self, name: str):
        def event(message: str, rec: Record | None) -> None:
            if rec is not None:
                self.set(name, attempt_line(rec), log=True)
            else:
                self.set(name, message, log=message.startswith("stopped"))

        return event


def is_llm_failure(exc: BaseException) -> bool:
    """The run stopped because its LLM could not be reached or set up (agent.llm's exceptions)."""
    return isinstance(exc, LLMError) or type(exc).__module__ == "agent.llm"


class SuiteRunner:
    def __init__(self, store: SuiteStore, cfg: SuiteConfig, overrides: dict, executor, console: Console):
        self.store, self.cfg, self.overrides, self.console = store, cfg, overrides, console
        self.flags = {**cfg.flags, **overrides}
        self.executor = executor  # shared by every problem's loop: its slots bound the evaluations
        self.write_lock = threading.Lock()

    def run_one(self, entry: Entry, display: Display) -> ProblemRow:
        t0 = time.monotonic()
        link = self.store.link(entry.name)
        rel = str(link.relative_to(self.store.path))
        loop = None
        try:
            settings = settings_for(entry, self.flags)
            given: dict = {}
            if link.exists():  # started before: resume that run, under any flags given to --resume
                given = {k: getattr(settings, k) for k in {**self.overrides, **own_flags(entry)}}
                settings = settings.model_copy(update={"resume": str(link.resolve())})
            loop = open_run(settings, given, executor=self.executor)
            if not link.exists():
                self.store.make_link(entry.name, loop.store.path)
            loop.on_event = display.on_event(entry.name)
            if loop.card_note:
                display.set(entry.name, f"note: {loop.card_note}", log=True)
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
        with self.write_lock:
            self.store.append(row)
            write_files(self.store.card(), self.store.path)
        display.set(
            entry.name,
            f"done: {row.status}" + (f", {fmt_x(row.speedup_vs_compile)} vs compile" if row.speedup_vs_compile else ""),
            log=True,
        )
        return row

    def run(self) -> Scorecard:
        done = self.store.rows()
        todo = [e for e in self.cfg.problems if e.name not in done or done[e.name].status in RETRIED]
        jobs = self.cfg.jobs or self.executor.size
        display = Display(self.console, [e.name for e in todo])
        if todo:
            pool = ThreadPoolExecutor(max(1, min(jobs, len(todo))), thread_name_prefix="problem")
            try:
                with display:
                    for f in as_completed([pool.submit(self.run_one, e, display) for e in todo]):
                        f.result()
            finally:  # on Ctrl-C, do not wait for the problems in flight: the caller exits
                pool.shutdown(wait=False, cancel_futures=True)
        self.executor.close()
        card = self.store.card()
        write_files(card, self.store.path)
        return card


# ------------------------------------------------------------ the command


def executor_for(flags: dict):
    from evaluator import make_executor  # torch: only once a suite starts (`runs list` imports this module)

    wide = checked({k: v for k, v in flags.items() if k in SUITE_WIDE})
    return make_executor(wide.executor, workers=wide.workers, address=wide.ray_address)


def start(args, given: dict) -> tuple[SuiteStore, SuiteConfig, dict, object]:
    """A new suite (everything checked first, the executor started before the folder is made) or the
    one --resume names, with its overriding flags."""
    if args.resume:
        if args.problems or args.name:
            raise SuiteError("--resume takes no problems and no --name: it finishes the suite as configured")
        runs_dir = checked(given).runs_dir
        store = SuiteStore.open(args.resume, runs_dir)
        cfg = store.config()
        for e in cfg.problems:  # the overrides must make sense for each problem still to run
            settings_for(e, {**cfg.flags, **given})
        if args.jobs:
            cfg.jobs = args.jobs
        executor = executor_for({**cfg.flags, **given})
        cfg.resumes.append({"time": now(), "flags": json.loads(json.dumps(given, default=str))})
        store.save_config(cfg)
        return store, cfg, given, executor
    name = args.name or _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-suite"
    if not NAME_RE.match(name):
        raise SuiteError(f"--name {name!r}: use letters, digits, '.', '_' and '-'")
    if args.jobs is not None and args.jobs < 1:
        raise SuiteError("--jobs: must be at least 1")
    runs_dir = checked(given).runs_dir
    entries = resolve(args.problems, given)
    if (SuiteStore.folder(runs_dir) / name).exists():
        raise SuiteError(
            f"suite {name!r} exists in {SuiteStore.folder(runs_dir)}/; finish it with --resume {name} "
            f"or pick another --name"
        )
    flags = json.loads(checked(given).model_dump_json(include=set(given)))
    cfg = SuiteConfig(
        name=name,
        created=now(),
        problems=entries,
        flags=flags,
        jobs=args.jobs,
        note=args.note or "",
        environment=environment(),
    )
    executor = executor_for(flags)
    return SuiteStore.create(runs_dir, cfg), cfg, {}, executor


def main(argv: list[str] | None = None) -> int:
    console = Console()
    try:
        args = parser().parse_args(argv)
        given = {k: v for k, v in vars(args).items() if k in RunSettings.model_fields and k not in SUITE_SETS}
        store, cfg, overrides, executor = start(args, given)
        runner = SuiteRunner(store, cfg, overrides, executor, console)
    except (ValueError, GpuError) as e:  # SuiteError, SettingsError, ProblemError, LLMError...
        print(f"error: {e}", file=sys.stderr)
        return 2
    console.print(f"suite {store.name}: {len(cfg.problems)} problems, folder {store.path}", highlight=False)
    try:
        card = runner.run()
    except KeyboardInterrupt:
        clean = stop_everything()  # the evaluations in flight killed, their folders removed, nothing recorded
        print(f"interrupted: resume with  {resume_command(store)}", flush=True)
        if not clean:  # a problem's thread is still blocked in an LLM request: do not wait for it
            exit_now(130)
        return 130
    console.print(terminal(card))
    console.print(f"wrote {store.path}/suite.md, suite.json, suite.html", highlight=False)
    if any(r.correct for r in card.rows):
        print(
            f"promote the winners with:  python -m agent.promote --suite {shlex.quote(store.name)}"
            f"{runs_dir_flag(store.path.parent.parent)}"
        )
    return 0


def resume_command(store: SuiteStore) -> str:
    """The command that finishes this suite, as it works when pasted into the same shell."""
    return f"python -m agent.suite --resume {shlex.quote(store.name)}{runs_dir_flag(store.path.parent.parent)}"


def show(name: str, runs_dir: Path, console: Console) -> bool:
    """agent.runs show SUITE: print its table again (False: no such suite)."""
    try:
        store = SuiteStore.open(name, runs_dir)
    except SuiteError:
        return False
    console.print(terminal(store.card()))
    return True


def suites_table(runs_dir: Path) -> Table | None:
    """agent.runs list: one line per suite, or None when there are none."""
    root = SuiteStore.folder(runs_dir)
    paths = sorted(p for p in root.iterdir() if (p / "suite.jsonl").is_file()) if root.is_dir() else []
    if not paths:
        return None
    t = Table(title=f"suites in {root}/")
    for col in ("suite", "problems", "done", "correct", "fast_1 vs comp", "geomean vs comp"):
        t.add_column(col, overflow="fold", justify="left" if col == "suite" else "right")
    for p in paths:
        try:
            card = SuiteStore(p).card()
        except (SuiteError, ValueError) as e:
            t.add_row(p.name, "", "", "", f"unreadable: {e}", "")
            continue
        fast1 = next((f.vs_compile for f in card.fast_p if f.p == 1.0), None)
        t.add_row(
            p.name,
            str(card.total + len(card.pending)),
            str(card.total),
            str(card.correct),
            "-" if fast1 is None else f"{fast1}/{card.total}",
            fmt_x(card.geomean_vs_compile),
        )
    return t


def promote_suite(args, argv: list[str], promote_one, console: Console) -> int:
    """agent.promote --suite NAME: offer each correct problem's best to `promote_one` (agent.promote's own
    main: the same re-check and race), one after another. 0: every winner promoted; 1: some were not;
    2: bad input."""
    if not args.suite or args.run is not None:
        print("error: give a RUN [ATTEMPT], or --suite NAME alone", file=sys.stderr)
        return 2
    try:
        store = SuiteStore.open(args.suite, args.runs_dir)
        card = store.card()
    except (SuiteError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rest, skip = [], False  # the flags for each promotion: everything but --suite NAME
    for a in argv:
        if skip or a.startswith("--suite="):
            skip = False
            continue
        skip = a == "--suite"
        if not skip:
            rest.append(a)
    outcomes: list[tuple[str, str]] = []
    for row in card.rows:
        if not row.correct or row.best is None:
            outcomes.append((row.problem, f"skipped: no correct kernel ({row.status})"))
            continue
        console.rule(f"{row.problem}: {row.best}")
        rc = promote_one([str(store.link(row.problem).resolve()), row.best, *rest])
        outcomes.append((row.problem, {0: "promoted", 1: "not promoted (see above)"}.get(rc, "error (see above)")))
    for name in card.pending:
        outcomes.append((name, "skipped: not finished"))
    t = Table(title=f"promote --suite {store.name}")
    t.add_column("problem", overflow="fold")
    t.add_column("outcome", overflow="fold")
    for name, what in outcomes:
        t.add_row(name, Text(what, style="green" if what == "promoted" else "red"))
    console.print(t)
    offered = [w for _, w in outcomes if not w.startswith("skipped")]
    return 2 if any(w.startswith("error") for w in offered) else 0 if all(w == "promoted" for w in offered) else 1


if __name__ == "__main__":
    sys.exit(main())
