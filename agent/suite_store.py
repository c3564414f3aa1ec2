"""A suite's folder and the problems it is given (agent.suite runs them).

    from agent.suite_store import SuiteStore, expand
    entries = expand("problems.txt")                   # [Entry(problem=..., flags=[...], where=...)]
    store = SuiteStore.open("level1", Path("runs"))    # runs/suites/level1/
    store.rows()                                       # {problem: ProblemRow}: the last line of each
    store.card()                                       # the Scorecard (agent.scorecard)

Layout of runs/suites/<name>/: config.json (SuiteConfig), suite.jsonl (one ProblemRow per finished
problem, appended in one write; a torn last line is dropped), runs/<problem> (a relative symlink to the
problem's run folder, made atomically when it starts), suite.md / suite.json / suite.html, and suite.lock:
flock'ed by the agent.suite that works on the suite (a new one, a resume), so that a second one is refused
before it writes anything (each problem's run has its own lock too, but a second suite would have recorded
every problem it could not take as an error).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from agent.history import HistoryError, RunLock, lock_folder, now, write_atomic
from agent.scorecard import ProblemRow, Scorecard, score
from agent.settings import RunSettings, SettingsError, absolute_paths, build_parser, one_line

SUITE_SETS = ("problem", "resume", "manual_stdin")  # the suite decides these for each problem
SUITE_WIDE = ("executor", "workers", "ray_address", "runs_dir")  # one executor, one runs folder
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LOCK_FILE = "suite.lock"


class SuiteError(ValueError):
    """Bad suite input; one line for the user."""


class Entry(BaseModel):
    """One problem of the suite."""

    name: str
    problem: str  # what --problem gets: a name under kernels/ or an absolute file path
    flags: list[str] = Field(default_factory=list)  # its own agent.run flags, over the suite's
    where: str | None = None  # the list file and line it came from, for messages


class SuiteConfig(BaseModel):
    name: str
    created: str
    problems: list[Entry]
    flags: dict  # the agent.run flags given for every problem
    jobs: int | None = None
    note: str = ""  # who or what answered the prompts, ...
    environment: dict = Field(default_factory=dict)
    resumes: list[dict] = Field(default_factory=list)  # {time, flags} of each --resume


# ------------------------------------------------------------ problems


def expand(spec: str, base: Path | None = None, flags: list[str] | None = None, depth: int = 0) -> list[Entry]:
    """Entries (not yet named) for one PROBLEMS item; see the module docstring."""
    flags = list(flags or [])
    p = Path(spec)
    if base is not None and not p.is_absolute() and (base / p).exists():
        p = base / p
    if p.is_dir():
        if (p / "reference.py").is_file():
            return [Entry(name="", problem=str((p / "reference.py").resolve()), flags=flags)]
        found = [
            c
            for c in sorted(p.iterdir())
            if (c.is_dir() and (c / "reference.py").is_file())
            or (c.suffix == ".py" and c.is_file() and not c.name.startswith("_"))
        ]
        if not found:
            raise SuiteError(f"folder {spec} holds no problems (KernelBench .py files or folders with reference.py)")
        return [e for c in found for e in expand(str(c), flags=flags)]
    if p.is_file() and p.suffix == ".py":
        return [Entry(name="", problem=str(p.resolve()), flags=flags)]
    if p.is_file():
        if depth > 3:
            raise SuiteError(f"problem list {spec} nests lists too deeply")
        out = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            try:
                words = shlex.split(line, comments=True)
            except ValueError as e:
                raise SuiteError(f"{spec} line {n}: {e}") from None
            if words:
                out += [
                    e.model_copy(update={"where": e.where or f"{spec} line {n}"})
                    for e in expand(words[0], p.parent, flags + words[1:], depth + 1)
                ]
        if not out:
            raise SuiteError(f"problem list {spec} lists no problems")
        return out
    if p.suffix == ".py" or os.sep in spec:
        raise SuiteError(f"problem not found: {spec}")
    return [Entry(name="", problem=spec, flags=flags)]


def own_flags(entry: Entry) -> dict:
    """An entry's own flags as settings fields; a list file's line is named in any error."""
    where = entry.where
    try:
        given = vars(build_parser(exclude=SUITE_SETS).parse_args(entry.flags))
    except SettingsError as e:
        raise SuiteError(f"{where or entry.problem}: {e}") from None
    wide = [k for k in given if k in SUITE_WIDE]
    if wide:
        raise SuiteError(
            f"{where or entry.problem}: --{wide[0].replace('_', '-')} is set for the whole suite, not per problem"
        )
    return given


def absolute_flags(entry: Entry) -> list[str]:
    """The entry's own flags as config.json keeps them: with a path among them (--seed, --template-dir,
    --llm replay:PATH) made absolute, taken from the working directory as typed, so that `--resume` works
    from any folder; as typed where none is relative."""
    given = own_flags(entry)
    fixed = absolute_paths(given)
    if fixed == given:
        return list(entry.flags)
    words: list[str] = []
    for name, value in fixed.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag if value else f"--no-{flag[2:]}")
        else:
            words += [flag, str(value)]
    return words


def typed_again(entry: Entry, settings: RunSettings, overrides: dict) -> dict:
    """What resuming an entry's started run gives agent.settings.resumed: --resume's overrides and the entry's
    own flags, as `settings` holds them."""
    return {k: getattr(settings, k) for k in {**overrides, **own_flags(entry)}}


def checked(fields: dict, who: str = "") -> RunSettings:
    """RunSettings from flags, a bad value as one line (naming the problem it was given for)."""
    try:
        return RunSettings(**fields)
    except ValidationError as e:
        raise SuiteError(f"{who + ': ' if who else ''}{one_line(e)}") from None


def settings_for(entry: Entry, flags: dict) -> RunSettings:
    fields = {**flags, **own_flags(entry), "problem": entry.problem}
    llm = str(fields.get("llm") or "")
    if llm.startswith("replay:") and entry.name and (Path(llm.removeprefix("replay:")) / entry.name).is_dir():
        fields["llm"] = f"{llm}/{entry.name}"  # replay:DIR -> this problem's own replies in DIR/<name>/
    return checked(fields, entry.where or entry.name or entry.problem)


# ------------------------------------------------------------ the suite folder


def lock_suite(path: Path) -> RunLock:
    """Take the suite folder's lock (agent.history's flock, as a run's), or SuiteError naming the process
    that holds it."""
    try:
        return lock_folder(path, LOCK_FILE, f"suite {path.name}", "agent.suite")
    except HistoryError as e:
        raise SuiteError(str(e)) from None


class SuiteStore:
    def __init__(self, path: Path):
        self.path, self.jsonl = path, path / "suite.jsonl"
        self.lock: RunLock | None = None  # held while this process works on the suite (create, open(lock=True))

    def unlock(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @staticmethod
    def folder(runs_dir: Path) -> Path:
        return runs_dir / "suites"

    @classmethod
    def create(cls, runs_dir: Path, config: SuiteConfig) -> SuiteStore:
        path = cls.folder(runs_dir) / config.name
        try:
            (path / "runs").mkdir(parents=True)
        except OSError as e:  # --runs-dir names a file, a read-only folder; the name is checked free before
            raise SuiteError(f"cannot make the suite's folder {path}: {e.strerror}") from None
        store = cls(path)
        store.lock = lock_suite(path)  # before config.json: a --resume refused from the moment it can find it
        write_atomic(path / "config.json", config.model_dump_json(indent=2))
        store.jsonl.touch()
        return store

    @classmethod
    def open(cls, name_or_path: str, runs_dir: Path, lock: bool = False) -> SuiteStore:
        """The suite named (under runs_dir/suites) or given by path. `lock`: this process will work on it (a
        resume): SuiteError where another process does."""
        path = Path(name_or_path)
        if not (path / "suite.jsonl").is_file():
            path = cls.folder(runs_dir) / name_or_path
        if not (path / "suite.jsonl").is_file() or not (path / "config.json").is_file():
            raise SuiteError(f"no suite {name_or_path!r} under {cls.folder(runs_dir)}/ (nor a suite folder path)")
        store = cls(path)
        if lock:
            store.lock = lock_suite(path)
        return store

    @property
    def name(self) -> str:
        return self.path.name

    def config(self) -> SuiteConfig:
        try:
            return SuiteConfig.model_validate_json((self.path / "config.json").read_text(encoding="utf-8"))
        except ValidationError as e:
            raise SuiteError(f"{self.path / 'config.json'} is unreadable: {e.errors()[0]['msg']}") from None

    def save_config(self, config: SuiteConfig) -> None:
        write_atomic(self.path / "config.json", config.model_dump_json(indent=2))

    def rows(self) -> dict[str, ProblemRow]:
        """The last line per problem (a retried problem has several); a torn last line is ignored."""
        lines = self.jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
        out: dict[str, ProblemRow] = {}
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = ProblemRow.model_validate_json(line)
            except ValidationError:
                if n == len(lines) and not line.endswith("\n"):
                    break  # killed mid-write: that problem simply is not finished
                raise SuiteError(f"{self.jsonl} line {n} is corrupt; fix or delete that line") from None
            out[row.problem] = row
        return out

    def append(self, row: ProblemRow) -> None:
        row.time = row.time or now()
        text = self.jsonl.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):  # a torn last line (killed mid-write) goes first
            write_atomic(self.jsonl, text[: text.rfind("\n") + 1])
        fd = os.open(self.jsonl, os.O_WRONLY | os.O_APPEND)
        try:  # one write call on an O_APPEND descriptor: a whole line or a torn last line
            os.write(fd, (row.model_dump_json() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def link(self, problem: str) -> Path:
        return self.path / "runs" / problem

    def make_link(self, problem: str, run_path: Path) -> None:
        link = self.link(problem)
        tmp = link.with_name(f".{problem}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(run_path.resolve(), link.parent.resolve()), tmp)
        os.replace(tmp, link)  # atomic: the link exists whole or not at all

    def card(self) -> Scorecard:
        cfg = self.config()
        rows = self.rows()
        env = dict(cfg.environment)
        default = cfg.flags.get("precision", RunSettings.model_fields["precision"].default)
        precisions = {_safe_flags(e).get("precision", default) for e in cfg.problems}
        env["precision"] = precisions.pop() if len(precisions) == 1 else "per problem (see config.json)"
        llms = sorted({r.llm for r in rows.values() if r.llm})
        env["llm"] = llms[0] if len(llms) == 1 else f"{cfg.flags.get('llm') or 'openai'}, per problem (see suite.md)"
        if cfg.note:
            env["llm"] += f"; note: {cfg.note}"
        times = [r.time for r in rows.values() if r.time]
        env["date"] = (max(times) if times else cfg.created)[:10]
        ordered = [rows[e.name] for e in cfg.problems if e.name in rows]
        return score(cfg.name, ordered, pending=[e.name for e in cfg.problems if e.name not in rows], environment=env)


def _safe_flags(entry: Entry) -> dict:
    try:
        return own_flags(entry)
    except SuiteError:
        return {}
