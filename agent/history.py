"""A run folder: config, one folder per attempt, and the append-only `history.jsonl`.

    from agent.history import RunStore
    store = RunStore.create(Path("runs"), settings)        # runs/20261124-093000-fusion-conv2d_scale_min/
    store = RunStore.open("20261124-093000-fusion-conv2d_scale_min", Path("runs"))
    store.records()        # [Record, ...] in order; `grep '"status": "correct"' history.jsonl` works too

Layout:
    config.json                 the resolved RunSettings
    history.jsonl               one JSON line per attempt (and per skipped stage), appended, never rewritten
    attempts/<id>/prompt.md     what the LLM was asked
    attempts/<id>/reply.md      its raw answer (llm.json: model, tokens, latency)
    attempts/<id>/code.py       the extracted candidate
    attempts/<id>/result.json   the EvalResult
    attempts/<id>/metrics.json  its Nsight Compute metrics, or why there are none
    run.lock                    flock'ed by the process working on the run (agent.run, a suite's loop): a second
                                one is refused; the OS releases it when the process ends, crashed or not
Every file is written atomically (temp file + rename), and result.json before its history line, so a
run killed anywhere loses at most the attempt in flight; `open` re-appends a line whose result.json
exists but whose history line was lost, and drops a torn (half-written) last line.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, ValidationError

from agent.settings import RunSettings
from evaluator import EvalResult
from evaluator import write_atomic as _write_atomic


class HistoryError(ValueError):
    """A run folder that cannot be used as it is; one line for the user."""


class Record(BaseModel):
    """One line of history.jsonl."""

    kind: Literal["attempt", "skip"] = "attempt"
    id: str
    stage: str
    iteration: int = 0
    sample: int = 0
    parent: str | None = None
    repair_of: str | None = None
    status: str = ""
    gate: str = ""
    message: str = ""
    # The candidate's GPU time in one number: the geometric mean of its per-case medians (ms). Histories
    # written before 2026-11-26 call it median_ms; they still load.
    geomean_ms: float | None = Field(None, validation_alias=AliasChoices("geomean_ms", "median_ms"))
    speedup_vs_eager: float | None = None
    speedup_vs_compile: float | None = None
    interpreter_ms: float | None = None  # CPU interpreter wall time per call: ranks only without a GPU
    # The evaluator's too-good-to-be-true flags (EvalResult.suspicious): such an attempt is kept, never the best.
    suspicious: list[str] = Field(default_factory=list)
    code_hash: str | None = None
    duplicate_of: str | None = None  # same normalized code as this earlier attempt: its verdict, not re-run
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    llm_s: float | None = None
    eval_s: float | None = None
    time: str = ""


class TokenTotals(BaseModel):
    """The cost of a run (or a suite) in tokens, as the endpoint counted them: prompt and completion
    totals over the replies that reported usage. No prices: what a token costs is the user's to know."""

    prompt: int = 0
    completion: int = 0
    replies: int = 0  # replies that reported usage

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def __add__(self, other: TokenTotals) -> TokenTotals:
        return TokenTotals(
            prompt=self.prompt + other.prompt,
            completion=self.completion + other.completion,
            replies=self.replies + other.replies,
        )

    def line(self, over: str | None = None) -> str:
        """ "tokens 14,690 (12,345 prompt + 2,345 completion) over 3 replies"; `over`: what was summed
        (default: the replies)."""
        over = over or f"{self.replies} repl{'y' if self.replies == 1 else 'ies'}"
        return f"tokens {self.total:,} ({self.prompt:,} prompt + {self.completion:,} completion) over {over}"


def token_totals(records: list[Record]) -> TokenTotals | None:
    """Prompt and completion tokens summed over a run's attempts; None when no reply reported usage
    (replay, manual, a server that counts nothing)."""
    counted = [r for r in records if r.prompt_tokens is not None or r.completion_tokens is not None]
    if not counted:
        return None
    return TokenTotals(
        prompt=sum(r.prompt_tokens or 0 for r in counted),
        completion=sum(r.completion_tokens or 0 for r in counted),
        replies=len(counted),
    )


def write_atomic(path: Path, text: str) -> None:
    """Run files are durable: fsynced before the rename (evaluator.shared.files)."""
    _write_atomic(path, text, durable=True)


LOCK_FILE = "run.lock"


class RunLock:
    """An exclusive flock on a folder's lock file (a run's run.lock, a suite's suite.lock), held until
    release() (or the process ends: the OS drops it on a crash or a kill, so a stale lock never blocks a
    resume). The file holds the holder's pid."""

    def __init__(self, fd: int):
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the descriptor drops the flock

    def __del__(self):  # a suite's finished loop: its run is free again once the loop is gone
        self.release()


class FolderBusy(HistoryError):
    """Another live process holds the folder's lock; `holder`: "pid N" as its lock file says (or "pid unknown")."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


def lock_folder(path: Path, lock_file: str, what: str, by: str) -> RunLock:
    """Take `path/lock_file`'s exclusive flock, or raise HistoryError: FolderBusy where another process holds
    it, naming that process. `what`: the folder in messages ("run NAME"); `by`: the command that works on such
    folders ("agent.run")."""
    lock = path / lock_file
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as e:  # a read-only folder, say: nothing can be worked on there
        raise HistoryError(f"{what}: cannot take its lock {lock} ({e.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        who = f"pid {holder}" if holder.isdigit() else "pid unknown"
        command = holder_command(holder)  # a suite's runs are held by agent.suite
        command = f"another {by}" if command in (None, by) else command
        raise FolderBusy(f"{what} is in use by {command} ({who}); wait for it or stop it", who) from None
    except OSError as e:  # a file system without flock
        os.close(fd)
        raise HistoryError(f"{what}: cannot lock {lock} ({e.strerror})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return RunLock(fd)


def holder_command(pid: str) -> str | None:
    """The agent command (`agent.suite`) that process `pid` runs, as its command line says (`python -m
    agent.suite ...`), or None: not one, gone, or not readable here."""
    try:
        argv = Path(f"/proc/{int(pid)}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except (ValueError, OSError):
        return None
    modules = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-m"]
    return modules[0] if modules and modules[0].startswith("agent.") else None


def lock_run(path: Path) -> RunLock:
    """Take the run folder's lock, or raise HistoryError (FolderBusy) naming the process that holds it."""
    return lock_folder(path, LOCK_FILE, f"run {path.name}", "agent.run")


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class RunStore:
    def __init__(self, path: Path):
        self.path = path
        self.history = path / "history.jsonl"
        self.lock: RunLock | None = None  # held while this process works on the run (create, open(lock=True))
        # Opened for inspection while another process works on the run, its history needing a repair that
        # was left to that process: "pid N" of that process (see open).
        self.live: str | None = None

    def unlock(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def create(cls, runs_dir: Path, settings: RunSettings, problem: str) -> "RunStore":
        """A new run folder named `<timestamp>-<stage>-<problem name>`, locked by this process."""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = runs_dir / f"{stamp}-{settings.stage}-{problem}"
        n = 1
        while path.exists():  # two runs started in the same second
            n += 1
            path = runs_dir / f"{stamp}-{settings.stage}-{problem}-{n}"
        store = cls(path)
        try:
            (path / "attempts").mkdir(parents=True)
        except FileExistsError:  # another process took the same name this second: the next free one
            return cls.create(runs_dir, settings, problem)
        except OSError as e:  # --runs-dir names a file, a read-only folder...
            raise HistoryError(f"cannot make a run folder under {runs_dir}: {e.strerror}") from None
        store.lock = lock_run(path)
        write_atomic(path / "config.json", settings.model_dump_json(indent=2))
        store.history.touch()
        return store

    @classmethod
    def open(cls, name_or_path: str, runs_dir: Path, lock: bool = False) -> "RunStore":
        """The run folder named (under runs_dir) or given by path. `lock`: this process will work on the run
        (a resume): its lock is taken before anything is repaired, or HistoryError says who holds it. Without
        it (inspection: agent.runs, agent.promote) a repair happens only under the lock, taken for the repair
        alone; where another process holds it the run is read as it stands and `live` names that process."""
        path = Path(name_or_path)
        if not (path / "config.json").is_file():
            path = runs_dir / name_or_path
        if not (path / "config.json").is_file():
            raise HistoryError(
                f"no run {name_or_path!r}: expected a folder with config.json (under {runs_dir}/ or a path)"
            )
        store = cls(path)
        if not lock:
            store.live = store.repair_if_free()
            return store
        store.lock = lock_run(path)
        try:
            store.repair()
        except BaseException:
            store.unlock()
            raise
        return store

    def update_config(self, settings: RunSettings) -> None:
        """On --resume with new provider or executor flags: config.json says what the run uses now."""
        write_atomic(self.path / "config.json", settings.model_dump_json(indent=2))

    def config(self) -> RunSettings:
        """config.json read back as what it was written as; a field added since takes its default."""
        path = self.path / "config.json"
        try:
            return RunSettings.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(map(str, err["loc"])) or "the file"
            raise HistoryError(f"{path} is not a run's settings ({where}: {err['msg']})") from None

    def attempt_dir(self, attempt_id: str) -> Path:
        return self.path / "attempts" / attempt_id

    # ------------------------------------------------------------ history

    def _lines(self) -> list[str]:
        """The history's lines, split on line ends only (bytes.splitlines: a U+2028 in a message is not one).
        A torn last line may end inside a UTF-8 sequence: decoded with U+FFFD, it is dropped as torn (repair);
        an undecodable line before it is corruption, said with its number."""
        if not self.history.exists():
            return []
        raw = self.history.read_bytes().splitlines(keepends=True)
        out = []
        for n, line in enumerate(raw, 1):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                if n < len(raw) or line.endswith(b"\n"):
                    raise HistoryError(
                        f"{self.history} line {n} is not UTF-8; every attempt is still in "
                        f"{self.path / 'attempts'}/ - fix or delete that line"
                    ) from None
                out.append(line.decode("utf-8", "replace"))
        return out

    def records(self) -> list[Record]:
        """Every line as a Record. A torn last line (no line end, not a whole record) is left out, as repair
        drops it: a run read without its repair (another process works on it) still reads."""
        out = []
        lines = self._lines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                out.append(Record.model_validate_json(line))
            except ValidationError as e:
                if n == len(lines) and not line.endswith("\n"):
                    break
                raise HistoryError(
                    f"{self.history} line {n} is corrupt ({e.errors()[0]['msg']}); every "
                    f"attempt is still in {self.path / 'attempts'}/ - fix or delete that line"
                ) from None
        return out

    def append(self, record: Record) -> None:
        record.time = record.time or now()
        line = record.model_dump_json() + "\n"
        # One write call on an O_APPEND descriptor: a crash leaves a whole line or a torn last line.
        fd = os.open(self.history, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)  # less the umask
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def repair(self) -> list[str]:
        """Drop a torn last line; re-append attempts whose result.json exists but whose line is missing.
        Only under the run's lock (open says how): it rewrites the history file."""
        notes = []
        lines = self._lines()
        if lines and not lines[-1].endswith("\n"):
            try:
                Record.model_validate_json(lines[-1])
                lines[-1] += "\n"
            except ValidationError:
                notes.append(f"dropped a torn last line of {self.history.name}")
                lines = lines[:-1]
            write_atomic(self.history, "".join(lines))
        for d in self._unrecorded():
            self.append(Record.model_validate_json((d / "record.json").read_text(encoding="utf-8")))
            notes.append(f"recovered attempt {d.name} from its folder")
        return notes

    def _unrecorded(self) -> list[Path]:
        """Attempt folders whose result.json and record.json exist but whose history line does not (the
        process stopped between the two, or is between them now)."""
        known = {r.id for r in self.records()}
        attempts = self.path / "attempts"
        return [
            d
            for d in (sorted(attempts.iterdir()) if attempts.is_dir() else [])
            if d.name not in known and (d / "result.json").is_file() and (d / "record.json").is_file()
        ]

    def needs_repair(self) -> bool:
        """Whether repair would change anything; reads only."""
        lines = self._lines()
        return bool(lines and not lines[-1].endswith("\n")) or bool(self._unrecorded())

    def repair_if_free(self) -> str | None:
        """Repair the history where it needs one, under the run's lock taken for the repair alone; None, or
        "pid N" of another process that holds the lock (nothing repaired: read as it stands). A repair beside
        a live process could lose the line it appends (the history is rewritten by a rename) or recover an
        attempt whose line it is about to append itself. No repair needed: no lock taken, so inspecting never
        stands in a resume's way, and a read-only folder still reads."""
        if not self.needs_repair():
            return None
        try:
            held = lock_run(self.path)
        except FolderBusy as e:
            return e.holder
        try:
            self.repair()
        finally:
            held.release()
        return None

    def live_note(self) -> str | None:
        """One line for a run read while another process works on it (`live`), else None."""
        if self.live is None:
            return None
        return f"note: run {self.name} is in progress ({self.live}): read as it stands, its history not repaired"

    # ------------------------------------------------------------ attempts

    def save(self, attempt_id: str, name: str, text: str) -> Path:
        path = self.attempt_dir(attempt_id) / name
        write_atomic(path, text)
        return path

    def read(self, attempt_id: str, name: str) -> str | None:
        path = self.attempt_dir(attempt_id) / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def result(self, attempt_id: str) -> EvalResult | None:
        text = self.read(attempt_id, "result.json")
        return EvalResult.model_validate_json(text) if text else None

    def finish(self, record: Record, result: EvalResult) -> None:
        """result.json, then record.json (for recovery), then the history line: in that order."""
        record.time = record.time or now()
        self.save(record.id, "result.json", result.model_dump_json(indent=2))
        self.save(record.id, "record.json", record.model_dump_json())
        self.append(record)
