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

STAGE_ORDER = ("fusion", "tiling", "memory", "tuning")
EXTRA_STAGES = ("hopper",)  # asked for by name only (Gluon, sm_90+), not part of the `all` walk


class SettingsError(ValueError):
    pass


class RunSettings(BaseModel):
    stage: str = Field("fusion", description="fusion, tiling, memory, tuning, or all (walks the four, "
                                             "skipping a stage whose criterion the parent already meets)")
    problem: str = Field("conv2d_scale_min", description="a folder under kernels/ or a KernelBench .py file")
    iterations: int = Field(3, description="iterations per stage; each renders one prompt and asks for --samples replies")
    samples: int = Field(1, description="replies per prompt (K)")
    repairs: int = Field(1, description="repair attempts for each failed candidate (0: none)")
    llm: str | None = Field(None, description="openai | replay:PATH | manual (default: openai when "
                                              "OPENAI_API_KEY or OPENAI_BASE_URL is set)")
    model: str = Field(os.environ.get("OPENAI_MODEL", "gpt-4o"), description="model name for the openai provider")
    temperature: float = Field(0.7, description="sampling temperature")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)")
    concurrency: int = Field(4, description="LLM requests in flight at once")
    llm_timeout: float = Field(600.0, description="seconds per LLM request (the SDK retries 429/5xx itself)")
    manual_stdin: bool = Field(False, description="manual provider: read replies from stdin instead of reply files")
    gpu: str | None = Field(None, description="GPU card for the prompt (default: detected)")
    precision: str = Field("tf32", description="tf32, strict or loose")
    shapes: str = Field("auto", description="shape sets to check: auto (all with a GPU, small without), small, odd, full, all")
    ncu: bool = Field(True, description="profile correct candidates with Nsight Compute (GPU only)")
    compile_timeout: float = Field(300.0, description="seconds for a candidate's import + first call")
    run_timeout: float = Field(300.0, description="seconds for a candidate's correctness phase")
    executor: str = Field("local", description="local (one worker per visible GPU; CPU: interpreter "
                                                 "workers) or ray (each evaluation a Ray task)")
    workers: int | None = Field(None, description="local: evaluation workers (default: one per GPU, 2 on a CPU)")
    ray_address: str | None = Field(None, description="ray: cluster address (default: start a local instance)")
    runs_dir: Path = Field(Path("runs"), description="where run folders go")
    resume: str | None = Field(None, description="resume this run (a folder name under --runs-dir, or a path)")

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        if v not in STAGE_ORDER + EXTRA_STAGES + ("all",):
            raise ValueError(f"unknown stage {v!r} (choose from {', '.join(STAGE_ORDER + EXTRA_STAGES + ('all',))})")
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

    @field_validator("repairs")
    @classmethod
    def _non_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError("must be 0 or more")
        return v

    @property
    def stages(self) -> list[str]:
        return list(STAGE_ORDER) if self.stage == "all" else [self.stage]


def _flag_type(annotation) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return args[0]
    return annotation


def build_parser(prog: str = "python -m agent.run", exclude: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> typing.NoReturn:
            raise SettingsError(message)

    p = Parser(prog=prog, description="The optimization loop: prompt -> LLM -> evaluate -> keep the best.",
               argument_default=argparse.SUPPRESS)
    for name, field in RunSettings.model_fields.items():
        if name in exclude:  # a command that sets this field itself (agent.suite: problem, resume)
            continue
        flag = "--" + name.replace("_", "-")
        kind = _flag_type(field.annotation)
        help_ = f"{field.description} (default: {field.default})"
        if kind is bool:
            p.add_argument(flag, action=argparse.BooleanOptionalAction, help=help_)
        else:
            p.add_argument(flag, type=kind, help=help_, metavar=name.upper())
    return p


def _one_line(e: ValidationError) -> str:
    err = e.errors()[0]
    where = "--" + str(err["loc"][0]).replace("_", "-") if err["loc"] else "settings"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


def parse_cli(argv: list[str] | None, saved: dict | None = None) -> RunSettings:
    given = vars(build_parser().parse_args(argv))
    try:
        return RunSettings(**{**(saved or {}), **given})
    except ValidationError as e:
        raise SettingsError(_one_line(e)) from None


def given_flags(argv: list[str] | None) -> dict:
    """Only the flags the user typed (for --resume: these override the saved config)."""
    return vars(build_parser().parse_args(argv))
