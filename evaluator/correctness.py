"""Compare a candidate's output with the reference's under a precision policy.

    from evaluator.correctness import compare
    verdict = compare(ref_out, out, POLICIES["tf32"])   # dict: ok, max_abs_err, ..., message

Runs inside the worker process; returns plain data (JSON-ready) so the parent builds the result.
"""
from __future__ import annotations

import torch

from evaluator.precision import Policy

MAX_MISMATCHES = 5  # first positions quoted in the message and the result


def _flatten(out) -> list:
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _fail(message: str, **extra) -> dict:
    return {"ok": False, "message": message, **extra}


def compare(expected, got, policy: Policy) -> dict:
    exp_list, got_list = _flatten(expected), _flatten(got)
    if len(exp_list) != len(got_list):
        return _fail(f"forward returned {len(got_list)} tensor(s); the reference returns {len(exp_list)}.")
    worst = {"ok": True, "max_abs_err": 0.0, "max_rel_err": 0.0, "n_bad": 0, "n_total": 0,
             "mismatches": [], "message": ""}
    for k, (e, g) in enumerate(zip(exp_list, got_list)):
        which = f"output #{k} " if len(exp_list) > 1 else "output "
        if type(g) is not torch.Tensor:  # a subclass could lie about its values lazily
            return _fail(f"{which}is a {type(g).__module__}.{type(g).__qualname__}, not a plain torch.Tensor.")
        if g.shape != e.shape:
            return _fail(f"{which}has shape {tuple(g.shape)}; expected {tuple(e.shape)}.")
        if g.dtype != e.dtype:
            return _fail(f"{which}has dtype {g.dtype}; expected {e.dtype}.")
        if g.device != e.device:
            return _fail(f"{which}is on {g.device}; expected {e.device}.")
        r = _compare_tensor(e, g, policy, which)
        worst["n_total"] += r["n_total"]
        worst["n_bad"] += r["n_bad"]
        worst["max_abs_err"] = max(worst["max_abs_err"], r["max_abs_err"])
        worst["max_rel_err"] = max(worst["max_rel_err"], r["max_rel_err"])
        if not r["ok"] and worst["ok"]:
            worst.update(ok=False, mismatches=r["mismatches"], message=r["message"])
    return worst


def _compare_tensor(e: torch.Tensor, g: torch.Tensor, policy: Policy, which: str) -> dict:
    e64, g64 = e.detach().double(), g.detach().double()
    finite_ref = torch.isfinite(e64)
    diff = (g64 - e64).abs()
    # Non-finite outputs where the reference is finite always fail, whatever the tolerance.
    bad_nonfinite = finite_ref & ~torch.isfinite(g64)
    tol = policy.atol + policy.rtol * e64.abs()
    bad = bad_nonfinite | (finite_ref & (diff > tol))
    # Where the reference itself is inf/nan, ask for the same value.
    bad |= ~finite_ref & ~((g64 == e64) | (torch.isnan(g64) & torch.isnan(e64)))
    d = torch.where(finite_ref & torch.isfinite(g64), diff, torch.zeros_like(diff))
    max_abs = float(d.max()) if d.numel() else 0.0
    rel = d / e64.abs().clamp_min(policy.atol)
    max_rel = float(rel.max()) if rel.numel() else 0.0
    n_bad = int(bad.sum())
    result = {"ok": n_bad == 0, "max_abs_err": max_abs, "max_rel_err": max_rel, "n_bad": n_bad,
              "n_total": e.numel(), "mismatches": [], "message": ""}
    if n_bad:
        idx = bad.nonzero()[:MAX_MISMATCHES].tolist()
        result["mismatches"] = [{"index": i, "expected": float(e64[tuple(i)]), "got": float(g64[tuple(i)])}
                                for i in idx]
        shown = "; ".join(f"at {tuple(m['index'])} expected {m['expected']:.6g} got {m['got']:.6g}"
                          for m in result["mismatches"])
        n_nonfinite = int(bad_nonfinite.sum())
        what = f" ({n_nonfinite} are NaN/Inf where the reference is finite)" if n_nonfinite else ""
        result["message"] = (
            f"{which}differs from the reference in {n_bad} of {e.numel()} elements{what}; "
            f"max abs err {max_abs:.3g}, max rel err {max_rel:.3g}, allowed |diff| <= {policy.atol:g} + "
            f"{policy.rtol:g}*|ref| ({policy.name} policy). First mismatches: {shown}."
        )
    return result
