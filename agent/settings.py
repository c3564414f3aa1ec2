"""Run settings: one pydantic model whose fields are the CLI flags of `python -m agent.run`, 1:1.

    from agent.settings import RunSettings, parse_cli
    settings = parse_cli(["--stage", "fusion", "--iterations", "2"])   # flags -> model
    settings.model_dump_json()                                         # saved as runs/<run>/config.json

Each field `foo_bar` is the flag `--foo-bar`; its description is the flag's help. On `--resume RUN`
the saved config is the base and only the flags given again override it.
"""

from __future__ import annotations

import argparse
import os
import types
import typing
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from agent.cli import CliParser
from agent.stages import FIRST, stage_choices, walk

RUNS_DIR_ENV = "KLOOP_RUNS_DIR"
# What a resumed run may change: how it asks and evaluates, never what it is. Any other field decides
# the attempt sequence or its verdicts (stage, problem, iterations, precision...), so changing it on
# --resume would silently mix two runs in one folder: that needs a new run.
# How the run asks and evaluates may change on resume, and so may how far it goes (more iterations or
# repairs extend it: attempts already made are never redone); config.json records the new values.
RESUME_MAY_CHANGE = {
    "iterations",
    "repairs",
    "llm",
    "model",
    "temperature",
    "base_url",
    "concurrency",
    "llm_timeout",
    "llm_retries",
    "manual_stdin",
    "max_tokens",
    "stop_after_repeats",
    "compile_timeout",
    "run_timeout",
    "executor",
    "workers",
    "ray_address",
    "runs_dir",
    "resume",
}


def default_runs_dir() -> Path:
    """Where run folders go unless --runs-dir says otherwise: $KLOOP_RUNS_DIR, else ./runs."""
    return Path(os.environ.get(RUNS_DIR_ENV) or "runs")


def runs_dir_flag(runs_dir: Path) -> str:
    """` --runs-dir DIR` for a printed command, or "" where DIR is where the command looks anyway: a
    resume hint must work when pasted into the same shell."""
    import shlex

    if Path(runs_dir).resolve() == default_runs_dir().resolve():
        return ""
    return f" --runs-dir {shlex.quote(str(runs_dir))}"


class SettingsError(ValueError):
    pass


class RunSettings(BaseModel):
    stage: str = Field(
        "fusion",
        description="seed, fusion, tiling, memory, tuning, hopper (Gluon, sm_90+), or all (walks fusion, "
        "tiling, memory and tuning, skipping a stage whose criterion the parent already meets). "
        "Without a kernel to start from (no seed.py, no --seed) the "
        "seed stage runs first; --stage seed runs it alone",
    )
    problem: str = Field(
        "conv2d_scale_min", description="a name under kernels/, a problem folder or a KernelBench .py file"
    )
    seed: Path | None = Field(
        None,
        description="start from this kernel file instead of the problem's seed.py (or, without one, the seed stage)",
    )
    iterations: int = Field(
        3, strict=True, description="iterations per stage; each renders one prompt and asks for --samples replies"
    )
    samples: int = Field(1, strict=True, description="replies per prompt (K)")
    repairs: int = Field(1, strict=True, description="repair attempts for each failed candidate (0: none)")
    llm: str | None = Field(
        None,
        description="openai | replay:PATH | manual (default: openai when OPENAI_API_KEY or OPENAI_BASE_URL is set)",
    )
    model: str = Field(
        default_factory=lambda: os.environ.get("OPENAI_MODEL", "gpt-4o"),
        description="model name for the openai provider; a local server (vLLM, Ollama...) needs the name it "
        "serves (default: $OPENAI_MODEL, else gpt-4o)",
    )
    temperature: float = Field(
        0.7, strict=True, ge=0, le=2, allow_inf_nan=False, description="sampling temperature, 0 to 2"
    )
    max_tokens: int | None = Field(
        None, strict=True, description="the most tokens one reply may have (default: the server's own limit)"
    )
    stop_after_repeats: int = Field(
        3,
        strict=True,
        description="stop asking the LLM once this many replies in a row repeat code already evaluated "
        "(0: never stop for that)",
    )
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)")
    concurrency: int = Field(4, strict=True, description="LLM requests in flight at once")
    llm_timeout: float = Field(
        600.0,
        strict=True,
        gt=0,
        allow_inf_nan=False,
        description="seconds per LLM request (the SDK retries 429/5xx itself)",
    )
    llm_retries: int = Field(
        2,
        strict=True,
        description="the openai SDK's own retries of a request (connection errors, "
        "408/409/429/5xx, with backoff) before the run stops with exit 3",
    )
    manual_stdin: bool = Field(
        False, strict=True, description="manual provider: read replies from stdin instead of reply files"
    )
    gpu: str | None = Field(None, description="GPU card for the prompt (default: detected)")
    precision: str = Field("tf32", description="tf32, strict or loose")
    shapes: str = Field(
        "auto", description="shape sets to check: auto (all with a GPU, small without), small, odd, full, all"
    )
    ncu: bool = Field(True, strict=True, description="profile correct candidates with Nsight Compute (GPU only)")
    compile_timeout: float = Field(
        300.0, strict=True, gt=0, allow_inf_nan=False, description="seconds for a candidate's import + first call"
    )
    run_timeout: float = Field(
        300.0, strict=True, gt=0, allow_inf_nan=False, description="seconds for a candidate's correctness phase"
    )
    executor: str = Field(
        "local",
        description="local (one worker per visible GPU; CPU: interpreter workers) or ray (each evaluation a Ray task)",
    )
    workers: int | None = Field(
        None, strict=True, description="local: evaluation workers (default: one per GPU, 2 on a CPU)"
    )
    ray_address: str | None = Field(None, description="ray: cluster address (default: start a local instance)")
    runs_dir: Path = Field(
        default_factory=default_runs_dir, description=f"where run folders go (default: ${RUNS_DIR_ENV}, else ./runs)"
    )
    resume: str | None = Field(None, description="resume this run (a folder name under --runs-dir, or a path)")
    template_dir: Path | None = Field(
        None,
        description="a folder of your own prompt templates: each <stage>.j2 there (base.j2 too) replaces the "
        "shipped one, and may extend or include the shipped ones by name (default: the shipped templates only)",
    )

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        choices = stage_choices()  # prompts/stages.json: every stage but repair, then all
        if v not in choices:
            raise ValueError(f"unknown stage {v!r} (choose from {', '.join(choices)})")
        return v

    @field_validator("iterations", "samples", "concurrency")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be at least 1")
        return v

    @field_validator("workers")
    @classmethod
    def _workers(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError("must be at least 1")
        return v

    @field_validator("executor")
    @classmethod
    def _executor(cls, v: str) -> str:
        if v not in ("local", "ray"):
            raise ValueError(f"unknown executor {v!r} (local or ray)")
        return v

    @field_validator("max_tokens")
    @classmethod
    def _max_tokens(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError("must be at least 1")
        return v

    @field_validator("repairs", "llm_retries", "stop_after_repeats")
    @classmethod
    def _non_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError("must be 0 or more")
        return v

    def checked_templates(self) -> RunSettings:
        """These settings with --template-dir checked (a folder holding a .j2 template) and absolute, so a
        resumed run finds it from anywhere. Checked when a run opens, not when its config.json is read:
        `runs list` still reads a run whose template folder has gone."""
        v = self.template_dir
        if v is None:
            return self
        if not v.is_dir():
            raise SettingsError(f"--template-dir {v}: no such folder")
        if not any(v.glob("*.j2")):
            raise SettingsError(f"--template-dir {v}: no <stage>.j2 template in it (e.g. fusion.j2, seed.j2)")
        return self.model_copy(update={"template_dir": v.resolve()})

    @property
    def llm_label(self) -> str:
        """`openai (gpt-4o)`, `replay:PATH`, `manual`: a model name only where one was asked. Runs from
        before config.json recorded the provider have none: openai was picked."""
        llm = self.llm or "openai"
        return f"{llm} ({self.model})" if llm == "openai" else llm

    @property
    def stages(self) -> list[str]:
        """The optimisation stages after the first kernel (the seed stage is not one of them)."""
        return list(walk()) if self.stage == "all" else [] if self.stage == FIRST else [self.stage]


def _flag_type(annotation) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return args[0]
    return annotation


def build_parser(
    prog: str = "python -m agent.run", exclude: tuple[str, ...] = (), config: bool = False
) -> argparse.ArgumentParser:
    """Every RunSettings field as a flag; `config`: also --config FILE.json (agent.run's)."""
    p = CliParser(
        raises=SettingsError,
        prog=prog,
        description="The optimization loop: prompt -> LLM -> evaluate -> keep the best.",
        argument_default=argparse.SUPPRESS,
    )
    if config:
        p.add_argument(
            "--config",
            metavar="FILE.json",
            help='settings from a JSON object keyed by these flags (as field names), e.g. {"stage": "all", '
            '"iterations": 2, "max_tokens": 8192}; flags typed on the command line override it',
        )
    for name, field in RunSettings.model_fields.items():
        if name in exclude:  # a command that sets this field itself (agent.suite: problem, resume)
            continue
        flag = "--" + name.replace("_", "-")
        kind = _flag_type(field.annotation)
        # One "(default: ...)": a description that explains its default itself keeps its own words.
        help_ = (
            field.description if "default" in field.description else f"{field.description} (default: {field.default})"
        )
        if kind is bool:  # BooleanOptionalAction adds no default of its own with argument_default=SUPPRESS
            p.add_argument(flag, action=argparse.BooleanOptionalAction, help=help_)
        else:
            p.add_argument(flag, type=kind, help=help_, metavar=name.upper())
    return p


def one_line(e: ValidationError) -> str:
    err = e.errors()[0]
    where = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "settings"
    got = f" (got {err['input']!r})" if err["loc"] and not isinstance(err.get("input"), dict) else ""
    return f"{where}: {err['msg'].removeprefix('Value error, ')}{got}"


def load_config(path: str) -> dict:
    """The fields of a --config FILE.json: a JSON object keyed by RunSettings field names (`max_tokens`;
    `max-tokens` works too). Relative paths in it are taken from the working directory, as flags are."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"--config {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"--config {path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise SettingsError(f"--config {path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"--config {path}: expected a JSON object of settings, e.g. {{\"iterations\": 2}}")
    fields = {str(k).replace("-", "_"): v for k, v in data.items()}
    unknown = [k for k in fields if k not in RunSettings.model_fields]
    if unknown:
        raise SettingsError(f"--config {path}: unknown setting {unknown[0]!r} (the settings are agent.run's flags)")
    return fields


def given_flags(argv: list[str] | None) -> dict:
    """The settings the user gave: --config FILE.json's, overridden by the flags typed (for --resume:
    these override the saved config)."""
    given = vars(build_parser(config=True).parse_args(argv))
    path = given.pop("config", None)
    return {**(load_config(path) if path else {}), **given}


def parse_cli(argv: list[str] | None, saved: dict | None = None) -> RunSettings:
    given = given_flags(argv)
    try:
        return RunSettings(**{**(saved or {}), **given})
    except ValidationError as e:
        raise SettingsError(one_line(e)) from None


PATH_SETTINGS = ("seed", "template_dir")  # saved absolute (run.open_run, checked_templates)
REPLAY = "replay:"


def absolute_llm(spec: str | None) -> str | None:
    """`replay:PATH` with PATH absolute (taken from the working directory, as typed): what a run or suite
    saves, so that a resume finds the replies from any folder. Other providers as they are."""
    if spec and spec.startswith(REPLAY) and spec.removeprefix(REPLAY).strip():  # a blank one: make_llm refuses it
        return REPLAY + str(Path(spec.removeprefix(REPLAY)).expanduser().resolve())
    return spec


def absolute_paths(fields: dict) -> dict:
    """Settings as typed, with every path among them absolute (--seed, --template-dir, --runs-dir and
    --llm replay:PATH): what agent.suite saves for its problems, so `--resume` works from any folder."""
    out = dict(fields)
    for name in (*PATH_SETTINGS, "runs_dir"):
        if out.get(name) is not None:
            out[name] = Path(out[name]).expanduser().resolve()
    if "llm" in out:
        out["llm"] = absolute_llm(out["llm"])
    return out


def is_problem_path(problem: str) -> bool:
    """Whether --problem names a file or folder by path (saved absolute) rather than a problem by name."""
    return os.sep in problem or problem.endswith(".py")


def _as_given(name: str, value) -> str:
    """A setting's value as resume compares it: a path repeated relative to the working directory is the
    same as the absolute one saved."""
    if value is not None and (name in PATH_SETTINGS or (name == "problem" and is_problem_path(str(value)))):
        return str(Path(value).resolve())
    return str(value)


def _same_problem(given: str, saved: str) -> bool:
    """Whether two spellings of --problem (a name, a folder, its reference.py, relative or absolute) are
    the same problem: the same reference file, as the evaluator finds them from here. A spelling that finds
    no problem is a change (the resume says which)."""
    from evaluator import load_problem  # imports the reference (and torch): only where the spellings differ

    try:
        return load_problem(given, derive_small=False).path == load_problem(saved, derive_small=False).path
    except ValueError:  # ProblemError
        return False


def resumed(saved: RunSettings, given: dict) -> RunSettings:
    """The settings of a resumed run: the saved config, overridden by the flags typed again. A flag
    that would change what the run is (see RESUME_MAY_CHANGE) must repeat the saved value."""
    changed = []
    for name, value in given.items():
        if name in RESUME_MAY_CHANGE or name not in RunSettings.model_fields:
            continue
        old = getattr(saved, name)
        if _as_given(name, value) != _as_given(name, old) and not (
            name == "problem" and _same_problem(str(value), str(old))
        ):
            changed.append(f"--{name.replace('_', '-')} {value} (the run has {old})")
    if changed:
        raise SettingsError(
            f"--resume continues a run as it was started; it cannot change {'; '.join(changed)}: "
            "start a new run for that"
        )
    # a path repeated as typed keeps the absolute one saved, and a new replay folder is saved absolute:
    # the run still resumes from anywhere
    given = {k: getattr(saved, k) if k in PATH_SETTINGS or k == "problem" else v for k, v in given.items()}
    if "llm" in given:
        given["llm"] = absolute_llm(given["llm"])
    try:
        return RunSettings(**{**saved.model_dump(), **given})
    except ValidationError as e:
        raise SettingsError(one_line(e)) from None
