"""Where the data folders are: the checkout's `prompts/` and `kernels/`, or their installed copies.

    from evaluator.shared.paths import data_dir, problem_dirs
    data_dir("prompts")      # <checkout>/prompts, or <site-packages>/kernel_loop_data/prompts after `pip install .`
    problem_dirs()           # [./kernels, <checkout or installed>/kernels]: where a problem name is looked up
    writable_kernels_dir()   # <checkout>/kernels, or ./kernels when running from an installed copy

The top-level folders stay where the user wants them in the checkout; a wheel carries them as the
package `kernel_loop_data` (pyproject.toml maps the folders into it), because a top-level `prompts` or
`kernels` package in site-packages would collide with other distributions. A user's own problems live
in `./kernels/<name>/` of the directory they work in, which is searched first.
"""

from __future__ import annotations

import os
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the checkout, or site-packages once installed
INSTALLED = SOURCE_ROOT / "kernel_loop_data"


def data_dir(name: str) -> Path:
    """`prompts` or `kernels`: the checkout's folder when this code runs from a checkout, else the
    installed copy. A checkout is recognised by its pyproject.toml, not by a folder name that any
    other distribution in site-packages could also use."""
    source = SOURCE_ROOT / name
    if (SOURCE_ROOT / "pyproject.toml").is_file() and source.is_dir():
        return source
    return INSTALLED / name


def problem_dirs() -> list[Path]:
    """Folders holding `<problem>/reference.py`, searched in this order: the working directory's
    `kernels/` (a user's problems, and promoted winners), then the shipped ones."""
    out: list[Path] = []
    for d in (Path.cwd() / "kernels", data_dir("kernels")):
        if d.is_dir() and all(d.resolve() != o.resolve() for o in out):
            out.append(d)
    return out


def writable_kernels_dir() -> Path:
    """Where a new problem (`agent.problem add`) goes: the checkout's `kernels/`, or `./kernels` of the
    working directory when this code runs from an installed copy, whose package data is never written
    (an upgrade or uninstall would take the user's problem with it; site-packages may be read-only)."""
    shipped = data_dir("kernels")
    return Path.cwd() / "kernels" if is_installed_copy(shipped) else shipped


def is_installed_copy(path: Path) -> bool:
    """True for a file or folder inside the installed package data (read-only by convention)."""
    try:
        path.resolve().relative_to(INSTALLED.resolve())
        return True
    except ValueError:
        return False


def cache_dir() -> Path:
    """Where the evaluator keeps what it measured once for later processes (baselines, the jail's probe):
    $KLOOP_CACHE_DIR, else ~/.cache/kernel-loop."""
    return Path(os.environ.get("KLOOP_CACHE_DIR", Path.home() / ".cache" / "kernel-loop"))
