"""Suites: many problems, each the optimisation loop of agent.run, run concurrently and scored in one table.

    python -m agent.suite relu softmax --stage all --llm replay:replies/    # replies/<problem>/ each
    python -m agent.suite problems.txt --name level1 --iterations 2 --note "replies by hand"
    python -m agent.suite path/to/kernelbench_level1/ --jobs 4
    python -m agent.suite --resume level1                                   # finish what is missing

PROBLEMS are problem names (kernels/<name>), KernelBench files, problem folders, folders of those, or a
text file listing them one per line (`#` starts a comment; flags after a problem apply to it alone,
e.g. `relu.py --iterations 5 --llm replay:replies/relu`). Every agent.run flag applies to each problem,
--config FILE.json included (agent.run's: a JSON object of settings, overridden by the flags typed),
except --problem, --resume and --manual-stdin; --executor, --workers, --ray-address and --runs-dir are
the suite's own (one executor, one runs folder). `--llm replay:DIR` gives a problem the replies in
DIR/<problem>/ when that folder exists. Paths among the flags are saved absolute: `--resume` works from
any folder.

The suite lives in <runs-dir>/suites/<name>/:
    config.json       problems, flags, --note, environment (GPU, driver, torch, triton), each resume
    suite.jsonl       one line per finished problem (agent.scorecard.ProblemRow), appended, never rewritten
    runs/<problem>    a relative link to that problem's run folder in <runs-dir>/, made when it starts
    suite.md, suite.json, suite.html    the scorecard (agent.scorecard), rewritten as problems finish
    suite.lock        flock'ed by the process working on the suite: a second agent.suite on it (a
                      `--resume` while it runs) exits 2 at once naming that process, and writes nothing
Problems run in threads over one shared executor: evaluations never exceed its slots (one per GPU),
while one problem's LLM calls overlap another's evaluations; --jobs bounds the problems in flight
(default: the executor's slots). A problem whose run raises, or whose LLM cannot be reached, is recorded
as `error` / `llm failed`; the others go on. `--resume` resumes each unfinished problem's run (its
finished attempts are never redone, its saved replies never asked for again), retries the problems
that ended in `error` or `llm failed`, and leaves finished ones alone.

Exit codes: 0 every problem's run finished (whatever its verdict: the table is the result), 2 bad input
(one line on stderr, nothing written), 130 interrupted (resumable). A problem whose run stopped before it
finished is marked in the table and the suite goes on; at the end one line on stderr names those problems,
the first one's reason and `--resume NAME`, and the exit code says why, the gravest first: 3 a problem's
LLM endpoint was unreachable or refused it, 4 the evaluator could not judge a candidate through no fault of
the candidate (the jail cannot start here, the problem's reference failed), 2 a problem's own input was bad
(its LLM set-up, seed or template file), 1 anything else. Such a problem counts as correct only for a
correct kernel its LLM wrote: its starting kernel (seed.py, a promoted winner) being correct is not enough,
since nothing new was judged (a finished run whose best is its starting kernel does count, as agent.run
says 0 for it).
"""

from __future__ import annotations

import datetime as _dt
import json
import shlex
import sys

from rich.console import Console

from agent.gpu import GpuError, environment
from agent.history import HistoryError, RunStore, now
from agent.llm import LLMError, make_llm
from agent.promotion import plain_file
from agent.scorecard import terminal
from agent.settings import (
    RunSettings,
    SettingsError,
    absolute_paths,
    build_parser,
    load_config,
    resumed,
    runs_dir_flag,
)
from agent.suite_runner import RETRIED, SuiteRunner
from agent.suite_store import (
    NAME_RE,
    SUITE_SETS,
    SUITE_WIDE,
    Entry,
    SuiteConfig,
    SuiteError,
    SuiteStore,
    absolute_flags,
    checked,
    expand,
    settings_for,
    typed_again,
)
from evaluator import exit_now, load_problem, stop_everything


def parser():
    p = build_parser("python -m agent.suite", exclude=SUITE_SETS, config=True)
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


def typed_flags(args) -> dict:
    """The agent.run flags typed on the command line (not the suite's own: problems, --name, --jobs...)."""
    return {k: v for k, v in vars(args).items() if k in RunSettings.model_fields and k not in SUITE_SETS}


def from_config(path: str | None) -> dict:
    """--config FILE.json's settings, as agent.run reads them (flags typed on the command line override
    them), less those the suite decides for each problem."""
    if path is None:
        return {}
    fields = load_config(path)
    own = [k for k in fields if k in SUITE_SETS]
    if own:
        raise SuiteError(f"--config {path}: {own[0]!r} is decided by the suite for each problem, not a suite setting")
    return fields


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
            can_ask(settings_for(e, flags))
            e.flags = absolute_flags(e)  # saved with absolute paths: the suite resumes from any folder
            entries.append(e)
    if not entries:
        raise SuiteError("no problems given: name problems, files, folders or a list file (or --resume NAME)")
    return entries


def can_ask(s: RunSettings) -> None:
    """The provider can be set up (key, replay folder), or LLMError; no request is made."""
    if s.llm != "manual":
        make_llm(s.llm, model=s.model, base_url=s.base_url)


# ------------------------------------------------------------ running


def executor_for(flags: dict):
    from evaluator import make_executor  # torch: only once a suite starts (`runs list` imports this module)

    wide = checked({k: v for k, v in flags.items() if k in SUITE_WIDE})
    return make_executor(wide.executor, workers=wide.workers, address=wide.ray_address)


def _same_gpu(cfg: SuiteConfig, here: dict) -> None:
    """A suite's table compares its problems' speedups with each other: a problem finished on another GPU
    model (or on the CPU interpreter, which has no timings) would sit in it as if measured alike."""
    if not cfg.environment:
        return  # a suite from before the environment was recorded
    then, now_ = cfg.environment.get("gpu"), here.get("gpu")
    if then != now_:
        raise SuiteError(
            f"suite {cfg.name!r} was run on {then or 'the CPU (no GPU)'}, this machine has {now_ or 'no GPU'}: "
            f"resume it on {then or 'a machine without a GPU'}, or start a new suite here (--name), so that "
            "one table holds one machine's numbers"
        )


def resume_suite(store: SuiteStore, args, given: dict) -> tuple[SuiteStore, SuiteConfig, dict, object]:
    """start's --resume, once the suite is open and locked: its config with the overriding flags checked
    for each problem still to run, the executor, the resume recorded."""
    cfg = store.config()
    here = environment()
    _same_gpu(cfg, here)
    done = store.rows()
    for e in cfg.problems:  # the overrides must make sense for each problem still to run
        settings = settings_for(e, {**cfg.flags, **given})
        link = store.link(e.name)
        try:
            if link.exists():  # a started run takes them only where agent.run --resume would (RESUME_MAY_CHANGE)
                settings = resumed(RunStore(link.resolve()).config(), typed_again(e, settings, given))
            if e.name not in done or done[e.name].status in RETRIED:
                can_ask(settings)  # e.g. a replay folder that is not there (from here): one line, not N errors
        except (SettingsError, HistoryError, LLMError) as err:
            raise SuiteError(f"{e.name}: {err}") from None
    if args.jobs:
        cfg.jobs = args.jobs
    executor = executor_for({**cfg.flags, **given})
    cfg.resumes.append({"time": now(), "flags": json.loads(json.dumps(given, default=str)), "environment": here})
    store.save_config(cfg)
    # the problems' runs go where the suite is, also when it was named by its folder's path
    return store, cfg, {**given, "runs_dir": store.path.parent.parent}, executor


def start(args, given: dict) -> tuple[SuiteStore, SuiteConfig, dict, object]:
    """A new suite (everything checked first, the executor started before the folder is made) or the
    one --resume names, with its overriding flags; either way locked by this process (SuiteStore.lock)."""
    if args.resume:
        if args.problems or args.name:
            raise SuiteError("--resume takes no problems and no --name: it finishes the suite as configured")
        runs_dir = checked(given).runs_dir
        # Locked first: a second process on the suite is refused before it writes anything (a resume entry,
        # an error row for each problem whose run the first one holds).
        store = SuiteStore.open(args.resume, runs_dir, lock=True)
        try:
            return resume_suite(store, args, given)
        except BaseException:
            store.unlock()
            raise
    name = args.name or _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-suite"
    if not NAME_RE.match(name):
        raise SuiteError(f"--name {name!r}: use letters, digits, '.', '_' and '-'")
    if args.jobs is not None and args.jobs < 1:
        raise SuiteError("--jobs: must be at least 1")
    runs_dir = checked(given).runs_dir
    entries = resolve(args.problems, given)
    given = absolute_paths(given)  # --seed, --template-dir, --runs-dir, --llm replay:DIR: resumable from anywhere
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
        given = {**from_config(getattr(args, "config", None)), **typed_flags(args)}
        if args.resume:
            given = absolute_paths(given)
        store, cfg, overrides, executor = start(args, given)
    except (ValueError, GpuError) as e:  # SuiteError, SettingsError, ProblemError, LLMError...
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        return run_suite(SuiteRunner(store, cfg, overrides, executor, console), console)
    finally:
        store.unlock()  # done with the suite (in a test's process too; any exit drops it anyway)


def run_suite(runner: SuiteRunner, console: Console) -> int:
    """main, once the suite is started and locked: its problems run, its table, the exit code."""
    store, cfg = runner.store, runner.cfg
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
    winners = [r for r in card.rows if r.correct and r.best]
    if winners:
        command = f"python -m agent.promote --suite {shlex.quote(store.name)}{runs_dir_flag(store.path.parent.parent)}"
        plain = sum(on_plain_file(store, r.problem) for r in winners)
        if not plain:
            print(f"promote the winners with:  {command}", flush=True)
        else:  # agent.promote writes into problem folders: it prints, for each plain file, how to make it one
            among = "they are" if plain == len(winners) else f"{plain} of them are"
            print(
                f"promote the winners with:  {command}  ({among} plain KernelBench files: for each, it prints the "
                "commands that add it as a problem and re-check its kernel there)",
                flush=True,
            )
    code = runner.exit_code()
    if code:
        print(f"error: {stopped_line(runner.stopped, code)}; resume with:  {resume_command(store)}", file=sys.stderr)
    return code


def on_plain_file(store: SuiteStore, problem: str) -> bool:
    """Whether the problem's run is on a plain KernelBench file, which agent.promote cannot write a winner for."""
    try:
        return plain_file(RunStore.open(str(store.link(problem).resolve()), store.path.parent.parent)) is not None
    except (HistoryError, ValueError):  # (ProblemError is one) promote --suite says what is wrong with it
        return False


STOP_WORDS = {  # why the problems behind the exit code stopped
    3: "the LLM endpoint failed",
    4: "the evaluator could not judge a candidate, not the candidate's fault",
    2: "bad input",
    1: "the run failed",
}


def stopped_line(stopped: dict[str, tuple[int, str]], code: int) -> str:
    """One line for the problems whose runs stopped: those behind the exit code, with the first one's reason
    (suite.md has each problem's), and how many others stopped for other reasons."""
    names = [n for n, (c, _) in stopped.items() if c == code]
    others = len(stopped) - len(names)
    more = f" (and {others} other problem{'s' if others > 1 else ''} stopped: see suite.md)" if others else ""
    return f"{', '.join(names)} stopped ({STOP_WORDS[code]}): {stopped[names[0]][1]}{more}"


def resume_command(store: SuiteStore) -> str:
    """The command that finishes this suite, as it works when pasted into the same shell."""
    return f"python -m agent.suite --resume {shlex.quote(store.name)}{runs_dir_flag(store.path.parent.parent)}"


if __name__ == "__main__":
    sys.exit(main())
