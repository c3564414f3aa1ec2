"""Bring any KernelBench-format file in as a problem: `kernels/<name>/reference.py` plus what the tool needs.

    python -m agent.problem add path/to/19_ReLU.py [--name relu] [--kernels-dir kernels]

The folder goes to the checkout's `kernels/`, or to `./kernels` when the tool runs from an installed copy
(`pip install .`): its package data is never written (evaluator.shared.paths.writable_kernels_dir).

Prints each thing it derived: the shape sets (`full` is the file's own; `small`, seconds under the CPU
interpreter, and `odd`, sizes that are not multiples of 16/32/64, re-bind the module-level integers
that get_inputs/get_init_inputs read: evaluator.shared.derive), the work floors of the timed case
(FlopCounterMode FLOPs and the bytes of inputs, outputs and weights, used by the roofline flags), the
mode the models are called in, and the next command to run. A file that already declares SHAPES with
a `small` set keeps its own sets.

Bad input (the file is missing or not KernelBench format, its reference fails to run, is not
deterministic, its shapes cannot be derived, it needs more memory than this machine's GPU has, or the
problem exists already): one line on stderr naming the problem, exit 2, nothing written. The folder is
written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from agent.cli import CliParser
from evaluator import ProblemError, check_reference, problem_dirs, umask_mode, writable_kernels_dir

MARKER = "# ---- added by `python -m agent.problem add`"


def build_parser() -> argparse.ArgumentParser:
    p = CliParser(raises=ProblemError, prog="python -m agent.problem", description="Manage problems under kernels/.")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="copy a KernelBench-format file into kernels/<name>/ with derived shape sets")
    add.add_argument("file", type=Path, help="a KernelBench-format .py file (Model, get_inputs, get_init_inputs)")
    add.add_argument("--name", help="problem name (default: the file's stem); letters, digits, _ and -")
    add.add_argument(
        "--kernels-dir",
        type=Path,
        default=None,
        help=f"where to write the problem's folder (default: {writable_kernels_dir()})",
    )
    return p


def shapes_block(small: dict[str, int], odd: dict[str, int] | None) -> str:
    def case(values: dict[str, int]) -> str:
        return "[{\"constants\": {" + ", ".join(f"\"{k}\": {v}" for k, v in values.items()) + "}}]"

    lines = [
        "",
        "",
        f"{MARKER} ({_dt.date.today().isoformat()}) ----",
        "# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU",
        "# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level",
        "# integers above; the inputs are drawn by get_inputs as they are for `full`.",
        "SHAPES = {",
        f"    \"small\": {case(small)},",
    ]
    if odd:
        lines.append(f"    \"odd\": {case(odd)},")
    lines += ["    \"full\": [{\"constants\": {}}],", "}", ""]
    return "\n".join(lines)


def _human(n: float, unit: str) -> str:
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.3g} {prefix}{unit}"
    return f"{n:.0f} {unit}"


def _gpu_bytes() -> int | None:
    import torch

    return torch.cuda.get_device_properties(0).total_memory if torch.cuda.is_available() else None


def add(file: Path, name: str | None, kernels_dir: Path | None = None, say=print) -> Path:
    from evaluator import HAND_HINT, cannot_derive, derive_sets, import_file, load_problem, work_floors

    if not file.is_file():
        raise ProblemError(f"problem file not found: {file}")
    name = name or file.stem
    kernels_dir = kernels_dir or writable_kernels_dir()
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name):
        raise ProblemError(f"problem name {name!r}: use letters, digits, '_', '-' and '.'")
    dest = kernels_dir / name
    if dest.exists():
        raise ProblemError(f"problem {name}: {dest} exists already (pick another --name)")
    source = file.read_text(encoding="utf-8")
    problem = load_problem(str(file), derive_small=False, name=name)
    module = import_file(problem.path, f"_problem_add_{name}")
    if getattr(module, "SHAPES", None) is not None:
        if "small" not in problem.sets:
            raise ProblemError(
                f"problem {name}: the file declares SHAPES without a 'small' set; add one "
                "(README: Shape sets) or remove SHAPES to have the sets derived"
            )
        say(f"shape sets: the file's own SHAPES ({', '.join(problem.sets)})")
        text = source
    else:
        d = derive_sets(problem.path)
        if d.small is None and cannot_derive(d).startswith("the reference raised"):  # the file's bug, said first
            raise ProblemError(f"problem {name}: {cannot_derive(d)}")
        if d.small is None:
            raise ProblemError(f"problem {name}: cannot derive a small shape set ({cannot_derive(d)}); {HAND_HINT}")
        say(f"constants read by get_inputs/get_init_inputs: {', '.join(f'{k}={v}' for k, v in d.constants.items())}")
        say(f"full: the file's own shapes: {problem.sets['full'][0].describe()}")
        for line in d.log:
            say(line)
        text = source.rstrip("\n") + "\n" + shapes_block(d.small, d.odd)
    kernels_dir.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        # Ctrl-C between mkdtemp's mkdir and the assignment would leave the folder behind, unseen by the
        # finally: SIGINT is held pending until `tmp` names it, then raised here as KeyboardInterrupt.
        with _sigint_held():
            tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=kernels_dir))
        os.chmod(tmp, umask_mode(directory=True))  # mkdtemp makes it 0700; a folder is as mkdir would make it
        (tmp / "reference.py").write_text(text, encoding="utf-8")
        added = load_problem(str(tmp / "reference.py"), derive_small=False, name=name)
        added_module = import_file(added.path, f"_problem_added_{name}")
        label = check_reference(added, added_module, name)
        say(
            f"reference: runs on {label} and agrees with itself on a second call; models are called in "
            f"{added.mode_text}"
        )
        note = _mode_note(added, added_module)
        if note:
            say(note)
        for case in added.timed_cases():
            flops, nbytes = work_floors(added_module, case)
            say(
                f"work floors for {case.label}: "
                + (f"{_human(flops, 'FLOP')} (FlopCounterMode)" if flops else "no FLOPs counted (no matmul/conv)")
                + (f", {_human(nbytes, 'B')} of inputs, outputs and weights" if nbytes else ", bytes unknown")
            )
            gpu = _gpu_bytes()
            if nbytes and gpu is not None and nbytes > gpu:
                raise ProblemError(
                    f"problem {name}: {case.label} needs at least {_human(nbytes, 'B')}, more than "
                    f"this GPU's {_human(gpu, 'B')}"
                )
        tmp.rename(dest)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"added {dest / 'reference.py'}")
    # Its name finds it from here only where name lookup searches that folder (./kernels, the shipped one).
    target = name if any(kernels_dir.resolve() == d.resolve() for d in problem_dirs()) else str(dest)
    say(f"next:  python -m agent.run --problem {target}   (no seed.py: the seed stage writes the first kernel)")
    return dest


@contextlib.contextmanager
def _sigint_held():
    """Hold Ctrl-C for the block's duration and deliver it (KeyboardInterrupt, or whatever the handler
    does) once the block has finished. The handler is swapped rather than the signal masked: a mask is
    per thread, and torch's threads would take a process-directed SIGINT for the main thread."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread sets handlers
        yield
        return
    held: list[tuple] = []
    old = signal.signal(signal.SIGINT, lambda *sig: held.append(sig))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if held and callable(old):
        old(*held[0])  # Python's default handler raises KeyboardInterrupt
    elif held and old == signal.SIG_DFL:
        raise KeyboardInterrupt


def _mode_note(problem, module) -> str | None:
    """What training mode (KernelBench's) changes in this model, said at add time rather than found
    out from a verdict: norm layers use batch statistics and update running stats; dropout is random."""
    import torch
    from torch import nn

    if problem.mode == "eval":
        return None
    case = (problem.sets.get("small") or problem.timed_cases())[0]
    try:
        with torch.device("meta"):
            model = module.Model(*case.init)
    except Exception:  # noqa: BLE001 - only a note; the reference already ran on the CPU
        return None
    norms = sorted({type(m).__name__ for m in model.modules() if isinstance(m, nn.modules.batchnorm._NormBase)})
    drops = sorted({type(m).__name__ for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)})
    parts = []
    if norms:
        parts.append(
            f"{', '.join(norms)} normalise with batch statistics and update their running stats, which are "
            "checked after every call"
        )
    if drops:
        parts.append(f"{', '.join(drops)} has p = 0 (with any other p the reference is random and refused)")
    if not parts:
        return None
    return "training mode: " + "; ".join(parts) + ' (declare MODE = "eval" in the file for inference semantics)'


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        add(args.file, args.name, args.kernels_dir)
    except (ProblemError, OSError, UnicodeDecodeError) as e:
        print(f"error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the folder is built under a temporary name and renamed last: nothing half-added
        print("interrupted: no problem added", file=sys.stderr, flush=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
