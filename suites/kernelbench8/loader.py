"""Load the suite's KernelBench problems and the candidate modules in its replies.

    from loader import PROBLEMS, load_problem, replies, load_candidate
    prob = load_problem("23_Softmax", batch_size=3, dim=1000)   # module constants re-bound
    for path in replies("23_Softmax"):
        cand = load_candidate(path, workdir)                     # the reply's code block as a module

A problem's `get_inputs`/`get_init_inputs` read its module-level constants at call time, so shrinking
a problem is re-binding those names on a fresh module (constants derived at import, such as
`input_shape` or `bias_shape`, are re-bound by the caller too). A candidate is the one python block
of a reply (agent.extract, as the loop reads it), checked by the evaluator's static gate and written
to a file so that Triton can read the kernels' source.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROBLEMS = sorted(p.stem for p in (HERE / "problems").glob("*.py"))


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_problem(name: str, **constants):
    mod = _import(HERE / "problems" / f"{name}.py", f"kb8_problem_{name}")
    for key, value in constants.items():
        if not hasattr(mod, key):
            raise KeyError(f"{name} has no module constant {key!r}")
        setattr(mod, key, value)
    return mod


def replies(name: str) -> list[Path]:
    return sorted((HERE / "replies" / name).glob("*.md"))


def load_candidate(reply: Path, workdir: Path):
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from agent.extract import extract
    from evaluator.static import check_source

    code, problems = extract(reply.read_text())
    if code is None or problems:
        raise ValueError(f"{reply}: {problems}")
    problems = check_source(code)  # the evaluator's static gate: bans on PyTorch doing the work, etc.
    if problems:
        raise ValueError(f"{reply}: {problems}")
    path = Path(workdir) / f"{reply.parent.name}__{reply.stem}.py"
    path.write_text(code)
    return _import(path, f"kb8_cand_{reply.parent.name}_{reply.stem}")
