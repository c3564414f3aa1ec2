"""A problem's promoted winners, one per GPU model, as read from kernels/<problem>/best.json.

    from evaluator import device_key, load_best, local_gpu, pick
    book = load_best(folder)                  # BestBook (empty if there is no best.json); old files migrate
    key = device_key(local_gpu())              # "nvidia-h100-80gb-hbm3", or "cpu" without CUDA
    entry = pick(book, key)                    # this model's winner, else the most recent (GPU machines)
    path = book.path_of(folder, entry)         # its code

Layout of kernels/<problem>/:

    best/<key>.py   the winner measured on that GPU model (key: its name as a slug; `cpu` for the interpreter)
    best.py         a copy of the most recent winner, whichever model measured it (what older tools read)
    best.json       {"format": 2, "problem", "latest": key, "models": {key: Winner}} and, at the top
                    level, the most recent winner's record repeated, so single-record readers still work

A best.json from before per-model winners (one record at the top, its code in best.py) is read as a
book of one model whose file is best.py; the first promotion after that (agent.promote) writes the new
format (and moves that model's code to best/<key>.py before best.py is overwritten). Only stdlib and
pydantic at import (local_gpu imports torch when called): the evaluator reads winners here, `python -m
evaluator best` and the best-for line beside a candidate's time, and the agent through this face.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = 2
CPU_KEY = "cpu"  # results of the Triton interpreter: no GPU model, never compared with GPU ones


class BestError(ValueError):
    """A best.json that cannot be read as winners (bad input: the caller prints one line)."""


class Speedups(BaseModel):
    model_config = ConfigDict(extra="allow")
    vs_eager: float | None = None
    vs_compile: float | None = None


class Winner(BaseModel):
    """One promoted kernel: its measurement on the device that promoted it and its provenance.
    Unknown fields (older or newer writers) are kept, so a rewrite never loses what it read."""

    model_config = ConfigDict(extra="allow")
    file: str | None = None  # relative to the problem folder; None for history entries (code not kept)
    measure: Literal["gpu", "cpu-interpreter"] = "gpu"
    geomean_ms: float | None = None  # GPU: geometric mean of the per-case medians
    interpreter_ms: float | None = None  # CPU: recorded, never compared
    speedups: Speedups = Field(default_factory=Speedups)
    device: str | None = None  # the GPU's name as torch reports it, or "cpu (TRITON_INTERPRET=1)"
    capability: str | None = None
    driver: str | None = None
    torch: str | None = None
    triton: str | None = None
    run: str | None = None
    attempt: str | None = None
    promoted_at: str | None = None
    forced: bool = False
    note: str = ""
    status: str = "correct"
    code_sha256: str | None = None
    prompt_sha256: str | None = None
    llm: str | None = None
    model: str | None = None
    precision: str | None = None
    shape_sets: list[str] = Field(default_factory=list)
    max_abs_err: float | None = None
    timings: list[dict[str, Any]] = Field(default_factory=list)
    # What it was raced against when promoted: the contender's key and record, measured just now.
    raced_against: str | None = None
    replaced: dict[str, Any] | None = None
    race: dict[str, Any] | None = None
    history: list[Winner] = Field(default_factory=list)  # this model's earlier winners, oldest first

    @property
    def key(self) -> str:
        return device_key(self.device if self.measure == "gpu" else None)

    def brief(self) -> str:
        """'NVIDIA H100 80GB HBM3, 2.608 ms (run/attempt)' for messages."""
        where = self.device or ("a GPU" if self.measure == "gpu" else "the CPU interpreter")
        ms = f", {self.geomean_ms:.4g} ms" if self.geomean_ms is not None else ""
        return f"{where}{ms}" + (f" ({self.run}/{self.attempt})" if self.run else "")


class BestBook(BaseModel):
    """Every GPU model's winner for one problem; `latest` names the one best.py holds."""

    format: int = FORMAT
    problem: str | None = None
    latest: str | None = None
    models: dict[str, Winner] = Field(default_factory=dict)

    def gpu_models(self) -> dict[str, Winner]:
        return {k: w for k, w in self.models.items() if k != CPU_KEY}

    def path_of(self, folder: Path, entry: Winner | None) -> Path | None:
        """The code of `entry`: its own file, else best.py when it is the most recent winner (a wheel
        that ships best.py and best.json but not best/), else None."""
        if entry is None:
            return None
        if entry.file and (folder / entry.file).is_file():
            return folder / entry.file
        latest = self.models.get(self.latest or "")
        if latest is entry and (folder / "best.py").is_file():
            return folder / "best.py"
        return None

    def dump(self) -> dict[str, Any]:
        """best.json's content: the most recent winner at the top level (the single-record format's
        readers keep working), then the book itself."""
        top = self.models[self.latest].model_dump(mode="json") if self.latest in self.models else {}
        top.pop("file", None)
        top.pop("history", None)  # each model's history lives under models
        speed = top.pop("speedups", {}) or {}
        top["speedup_vs_eager"], top["speedup_vs_compile"] = speed.get("vs_eager"), speed.get("vs_compile")
        return {
            **top,
            "format": self.format,
            "problem": self.problem,
            "latest": self.latest,
            "models": {k: w.model_dump(mode="json") for k, w in self.models.items()},
        }


def device_key(name: str | None) -> str:
    """A GPU model's key: its name as a file-safe slug ("NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3");
    `cpu` for None (no CUDA) or the interpreter's name."""
    if not name or name.startswith("cpu"):
        return CPU_KEY
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or CPU_KEY


def from_legacy(record: dict[str, Any]) -> Winner:
    """A single-record best.json (or one of its history items) as a Winner. Older files name the GPU
    time `median_ms` and keep the device as EvalResult's DeviceInfo."""
    rec = dict(record)
    dev = rec.pop("device", None)
    if isinstance(dev, dict):
        for field, value in dev.items():  # capability, torch, triton, sm_count, cuda_runtime
            if field not in ("name", "cuda"):
                rec.setdefault(field, value)
        rec["device"] = dev.get("name")
    elif isinstance(dev, str):
        rec["device"] = dev
    if "geomean_ms" not in rec and "median_ms" in rec:
        rec["geomean_ms"] = rec.pop("median_ms")
    if "speedups" not in rec:
        eager, compile_ = rec.pop("speedup_vs_eager", None), rec.pop("speedup_vs_compile", None)
        rec["speedups"] = {"vs_eager": eager, "vs_compile": compile_}
    rec["history"] = [from_legacy(h) for h in rec.get("history") or [] if isinstance(h, dict)]
    if rec.get("measure") not in ("gpu", "cpu-interpreter"):
        rec["measure"] = "gpu" if rec.get("geomean_ms") is not None else "cpu-interpreter"
    return Winner.model_validate(rec)


def parse_best(data: Any) -> BestBook:
    """best.json's content as a BestBook; the single-record format becomes a book of one model."""
    if not isinstance(data, dict):
        raise BestError("not a JSON object")
    try:
        if "models" in data:
            book = BestBook.model_validate({k: data[k] for k in ("format", "problem", "latest", "models") if k in data})
            if book.latest is not None and book.latest not in book.models:
                raise BestError(f"latest: {book.latest!r} is not one of the models ({', '.join(book.models)})")
            return book
        if not data:
            return BestBook()
        winner = from_legacy(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BestError(f"{where}: {first['msg']}") from None
    winner.file = "best.py"  # the single-record format's code is best.py itself
    return BestBook(problem=data.get("problem"), latest=winner.key, models={winner.key: winner})


def load_best(folder: Path) -> BestBook:
    """The problem folder's winners (an empty book without best.json). Raises BestError for a file
    that is not JSON or not winners."""
    path = folder / "best.json"
    if not path.is_file():
        return BestBook()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BestError(f"{path} is not readable JSON ({e})") from None
    try:
        return parse_best(data)
    except BestError as e:
        raise BestError(f"{path}: {e}") from None


def pick(book: BestBook, key: str) -> Winner | None:
    """The winner for device `key`: its own, else on a GPU the most recent one (measured elsewhere: the
    best guess until this model has its own). On the CPU only a CPU winner: GPU winners are tuned for,
    and often only run on, a GPU (TMA, Gluon), and the interpreter cannot judge them."""
    if key in book.models:
        return book.models[key]
    if key == CPU_KEY:
        return None
    return book.models.get(book.latest or "")


@functools.cache  # the loop asks at each parent choice; the machine's GPU does not change
def local_gpu() -> str | None:
    """This machine's GPU model (the first visible device), or None without CUDA. Asked of nvidia-smi
    where it can be, so the loop's process never holds a CUDA context just to read a name."""
    import os
    import subprocess

    import torch

    if not torch.cuda.is_available():
        return None
    first = (os.environ.get("CUDA_VISIBLE_DEVICES") or "0").split(",")[0].strip() or "0"
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", first],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        name = out.stdout.strip().splitlines()[0].strip() if out.returncode == 0 and out.stdout.strip() else ""
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or torch.cuda.get_device_name(0)
