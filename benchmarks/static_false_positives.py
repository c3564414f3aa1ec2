"""False positives of the static gate (bans + host-code contract) on every honest kernel in the repo.

    python benchmarks/static_false_positives.py          # a table; exit 1 if an honest kernel is refused

Each source is judged as the evaluator judges it: with forward's inputs and ModelNew's constructor arguments typed
by its problem's shape cases (`forward_inputs`, `init_inputs`), where the benchmark can tell the problem (kernels/X,
studies/X, a suite's problems/X.py or a run's config.json); untyped otherwise (the `typed` column counts them).

Honest: the seeds and best.py of kernels/, every reply of suites/*/replies*/ and studies/*/runs/*/replies/
(the ```python block the loop would extract), every attempt's code.py in studies/*/runs/, the honest
controls of tests/adversarial/ and tests/fixtures/ (seeds, honest.py, candidates, replies), and the
prompt examples in prompts/. The fixtures' torch_does_it.py are listed apart: the gate should refuse
them (they compute with PyTorch on purpose). Identical sources are counted once.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.extract import pick_block  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402
from evaluator.static import forward_inputs, init_inputs, static_findings  # noqa: E402


def _problem_of(path: Path) -> str | None:
    """The problem an honest source was written for, where the path tells it (None: untyped)."""
    rel = path.relative_to(ROOT).parts
    if rel[0] in ("kernels", "studies") and (ROOT / "kernels" / rel[1] / "reference.py").is_file():
        return rel[1]
    if rel[0] == "suites":
        runs = [parent for parent in path.parents if parent.parent.name == "runs"]
        if runs and (runs[0] / "config.json").is_file():  # a run's attempt: its config names the problem
            return json.loads((runs[0] / "config.json").read_text()).get("problem")
        if len(rel) > 3 and rel[2].startswith("replies"):
            own = ROOT / "suites" / rel[1] / "problems" / f"{rel[3]}.py"
            return str(own) if own.is_file() else rel[3]
    return None


_TYPES: dict[str, tuple | None] = {}


def _types(problem: str | None) -> tuple | None:
    """(forward inputs, init inputs) of a problem's cases; None where it cannot be loaded."""
    if problem is None:
        return None
    if problem not in _TYPES:
        try:
            cases = load_problem(problem).cases("all")  # every shape set, as a suite evaluates
            _TYPES[problem] = (forward_inputs(cases), init_inputs(cases))
        except Exception:  # noqa: BLE001 - a problem this checkout cannot load is judged untyped
            _TYPES[problem] = None
    return _TYPES[problem]


def _code(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    code = pick_block(text) if path.suffix == ".md" else text
    return code if code and "class ModelNew" in code else None


def honest_sources() -> dict[str, list[Path]]:
    groups = {
        "kernels/*/seed.py, best.py": sorted(ROOT.glob("kernels/*/seed.py")) + sorted(ROOT.glob("kernels/*/best.py")),
        "suites/*/replies*/**": sorted(ROOT.glob("suites/*/replies*/**/*.md")),
        "suites/*/results/**/code.py": sorted(ROOT.glob("suites/*/results/**/code.py")),
        "studies/*/runs/**/replies/**": sorted(ROOT.glob("studies/*/runs/**/replies/*.md")),
        "studies/*/runs/**/code.py": sorted(ROOT.glob("studies/*/runs/**/code.py")),
        "studies/**/*.py (ModelNew)": sorted(p for p in ROOT.glob("studies/**/*.py") if "runs" not in p.parts),
        "tests/adversarial/honest_*.py": sorted(ROOT.glob("tests/adversarial/honest_*.py")),
        "tests/fixtures/** kernels": sorted(
            p
            for p in list(ROOT.glob("tests/fixtures/**/*.py")) + list(ROOT.glob("tests/fixtures/**/*.md"))
            if p.name != "torch_does_it.py"
        ),
    }
    return groups


# Kernel modules that are not candidates (no ModelNew): the prompt's Gluon example and the study's Gluon
# kernels. Judged without the structural no_modelnew finding, so the kernels and launchers meet the contract.
LIBRARIES = ["prompts/hopper_gemm_example.py", "studies/conv2d_scale_min/gluon_conv.py"]


def main() -> int:
    seen: set[str] = set()
    rows, refused = [], []
    for group, paths in honest_sources().items():
        n = ok = typed = 0
        for p in paths:
            code = _code(p)
            if code is None:
                continue
            h = hashlib.sha256(code.encode()).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            n += 1
            types = _types(_problem_of(p))
            typed += types is not None
            found = static_findings(code, inputs=types[0], init=types[1]) if types else static_findings(code)
            if found:
                refused.append((str(p.relative_to(ROOT)), found))
            else:
                ok += 1
        rows.append((group, n, ok, n - ok, typed))
    bad = []
    for rel in LIBRARIES:
        found = [f for f in static_findings((ROOT / rel).read_text()) if f.rule != "no_modelnew"]
        if found:
            refused.append((rel, found))
            bad.append(rel)
    rows.append(("prompts/*.py, studies Gluon (no ModelNew)", len(LIBRARIES), len(LIBRARIES) - len(bad), len(bad), 0))
    dishonest = [p for p in sorted(ROOT.glob("tests/fixtures/**/torch_does_it.py"))]
    caught = sum(bool(static_findings(p.read_text())) for p in dishonest)
    width = max(len(r[0]) for r in rows)
    print(f"{'honest kernels':<{width}}  {'files':>5}  {'passed':>6}  {'refused':>7}  {'typed':>5}")
    for group, n, ok, bad, typed in rows:
        print(f"{group:<{width}}  {n:>5}  {ok:>6}  {bad:>7}  {typed:>5}")
    total, typed = sum(r[1] for r in rows), sum(r[4] for r in rows)
    print(f"{'total (unique sources)':<{width}}  {total:>5}  {total - len(refused):>6}  {len(refused):>7}  {typed:>5}")
    print(f"\ntests/fixtures/**/torch_does_it.py (PyTorch does the work): {caught} of {len(dishonest)} refused")
    for path, found in refused:
        print(f"\nREFUSED {path}")
        for f in found:
            print(f"  {f.rule}: {f.message[:200]}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
