"""That the reference agrees with itself: two calls on the same inputs and weights must match, else no
candidate can be judged (the problem is blamed, not the candidate). The oracle checks it on each case's
first call; `check_reference` runs it once when a problem is added (the agent, through the package's face).

    from evaluator.oracle.determinism import check_reference
    label = check_reference(problem, module, name)     # ProblemError when it raises or disagrees

torch is imported only when a check runs, so the face's names stay cheap to import (a CLI's --help).
"""

from __future__ import annotations

from evaluator.shared.problem import ProblemError, build_model, snapshot


def check_deterministic(first, second, policy, label: str = "") -> None:
    """Two reference calls on the same inputs and weights must agree within the policy; otherwise
    no candidate can be judged: raise ProblemError (blamed on the problem, not the candidate)."""
    from evaluator.oracle.correctness import compare

    v = compare(first, second, policy)
    if v["ok"]:
        return
    raise ProblemError(
        f"the reference is not deterministic{' on ' + label if label else ''}: two calls on the same inputs "
        f"and weights differ ({v['n_bad']} of {v['n_total']} elements, max abs diff {v['max_abs_err']:.3g}). "
        "Its output depends on random numbers (dropout in training mode?), so no candidate can match it: "
        "declare MODE = \"eval\" in the problem file, or remove the randomness."
    )


def check_reference(problem, module, name: str) -> str:
    """Run the reference twice on the first CPU-sized case: it must run and agree with itself."""
    import torch

    from evaluator.shared.inputs import make_inputs
    from evaluator.shared.precision import get_policy

    case = (problem.sets.get("small") or problem.timed_cases())[0]
    try:
        torch.manual_seed(0)
        model = build_model(module, case, torch.device("cpu"))
        args = make_inputs(case, module, torch.device("cpu"))
        with torch.no_grad():
            first = snapshot(model)(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args])
            second = snapshot(model)(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args])
    except Exception as e:  # noqa: BLE001 - the reference is trusted but may be broken
        msg = str(e).splitlines()[0] if str(e) else ""
        raise ProblemError(f"problem {name}: the reference raised on {case.label}: {type(e).__name__}: {msg}") from None
    try:
        check_deterministic(first, second, get_policy("tf32"), case.label)
    except ProblemError as e:
        raise ProblemError(f"problem {name}: {e}") from None
    return case.label
