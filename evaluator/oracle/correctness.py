"""Compare a candidate's output with the reference's under a precision policy.

    from evaluator.oracle.correctness import compare, compare_state, digest
    verdict = compare(ref_out, out, POLICIES["tf32"])   # dict: ok, max_abs_err, ..., message
    cal = calibrate(ref_out, low_out)                   # block maxima of |low - ref|, per output
    verdict = compare(ref_out, out, POLICIES["tf32"], cal)
    message = compare_state(ref_model, cand_model, policy)   # None, or why the module state differs
    digest(ref_out)                                     # fingerprint of any output (0-dim included)

Semantics, for every output (a tensor, or a tuple/list of them, nested; a 0-dim loss is a tensor too):
the shape, dtype and device must match; integer and boolean outputs (argmax indices, masks) must be
equal element for element; floating outputs pass when

    |out - ref| <= atol + rtol * |ref| + multiple * cal

elementwise (evaluator.shared.precision explains each term). atol and rtol are the policy's, but never tighter
than a few units in the last place of the output dtype (DTYPE_FLOOR: float16 5e-3, bfloat16 3e-2),
because a reference that rounds to fp16/bf16 is itself only that exact. `cal` is the calibration
(`calibrate(ref, low)`): the largest |low - ref| in the element's block of CAL_BLOCK consecutive
elements of the flattened output, where `low` is the reference run at the precision the policy allows;
without a calibration (strict, or a caller that has none) the term is 0. NaN or Inf where the reference
is finite always fails; where the reference is NaN/Inf, the same value is required.

Runs inside the worker process; returns plain data (JSON-ready) so the parent builds the result.
"""

from __future__ import annotations

import hashlib

import torch

from evaluator.shared.precision import Policy

MAX_MISMATCHES = 5  # first positions quoted in the message and the result
CHUNK = 1 << 25  # elements compared at once: bounds the float64 temporaries to a few hundred MB
# Elements per calibration block: large enough that its maximum is a stable estimate of the error's
# scale (a block maximum of 1024 half-normal samples varies by ~10 %), small enough to follow the output's
# magnitude (a conv output's block lies inside one channel plane; a GEMM's within a few rows).
CAL_BLOCK = 1024
assert CHUNK % CAL_BLOCK == 0
# Tolerance floors per output dtype (atol and rtol alike): ~5 ulp of fp16 (2**-10), ~4 ulp of bf16 (2**-7).
DTYPE_FLOOR = {torch.float16: 5e-3, torch.bfloat16: 3e-2}


def _flatten(out) -> list:
    """Every leaf, tensor or not (a scalar, None, a dict), in order: compare and calibrate line the
    reference's leaves up with the candidate's by position, and digest covers the plain values too."""
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _fail(message: str, **extra) -> dict:
    return {"ok": False, "message": message, **extra}


def digest(t) -> str:
    """Fingerprint of a reference output (any nesting, 0-dim tensors, any dtype), to notice it being
    overwritten (e.g. found through gc)."""
    h = hashlib.blake2b(digest_size=16)
    for x in _flatten(t):
        if isinstance(x, torch.Tensor):
            h.update(str((x.dtype, tuple(x.shape))).encode())
            h.update(x.detach().cpu().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
        else:
            h.update(repr(x).encode())
    return h.hexdigest()


def tolerance(policy: Policy, dtype: torch.dtype) -> tuple[float, float]:
    """(atol, rtol) for an output of this dtype under the policy."""
    floor = DTYPE_FLOOR.get(dtype, 0.0)
    return max(policy.atol, floor), max(policy.rtol, floor)


def calibrate(expected, low) -> list[torch.Tensor | None]:
    """Per output (flattened like compare): the largest |low - expected| over each block of CAL_BLOCK
    consecutive elements, float32 (4 bytes per 1024 elements), or None for a non-float output. Chunked
    like the comparison; non-finite differences (a reference that is NaN/Inf there) count as 0, since
    compare demands the same value there anyway."""
    cal: list[torch.Tensor | None] = []
    exp_list, low_list = _flatten(expected), _flatten(low)
    for e, lo in zip(exp_list, low_list, strict=True):
        if not (isinstance(e, torch.Tensor) and e.dtype.is_floating_point and isinstance(lo, torch.Tensor)):
            cal.append(None)
            continue
        ef, lf = e.detach().reshape(-1), lo.detach().reshape(-1)
        blocks = []
        for at in range(0, ef.numel(), CHUNK):
            d = (lf[at : at + CHUNK].float() - ef[at : at + CHUNK].float()).abs_()
            d = torch.nan_to_num_(d, nan=0.0, posinf=0.0, neginf=0.0)
            pad = (-d.numel()) % CAL_BLOCK
            if pad:
                d = torch.nn.functional.pad(d, (0, pad))
            blocks.append(d.view(-1, CAL_BLOCK).amax(dim=1))
            del d
        cal.append(torch.cat(blocks) if blocks else torch.zeros(0, device=e.device))
    return cal


def compare(expected, got, policy: Policy, calibration: list[torch.Tensor | None] | None = None) -> dict:
    """`calibration` from `calibrate` (one entry per output), or None: the floor alone."""
    exp_list, got_list = _flatten(expected), _flatten(got)
    if len(exp_list) != len(got_list):
        return _fail(
            f"forward returned {len(got_list)} value(s); the reference returns {len(exp_list)}"
            + (" (a tuple: return the same tuple)." if len(exp_list) > 1 else ".")
        )
    worst = {
        "ok": True,
        "max_abs_err": 0.0,
        "max_rel_err": 0.0,
        "n_bad": 0,
        "n_total": 0,
        "mismatches": [],
        "message": "",
    }
    for k, (e, g) in enumerate(zip(exp_list, got_list)):
        which = f"output #{k} " if len(exp_list) > 1 else "output "
        if not isinstance(e, torch.Tensor):  # a plain Python value in the reference's output
            if type(g) is not type(e) or g != e:
                return _fail(f"{which}is {g!r}; expected {e!r}.")
            continue
        if type(g) is not torch.Tensor:  # a subclass could lie about its values lazily
            return _fail(f"{which}is a {type(g).__module__}.{type(g).__qualname__}, not a plain torch.Tensor.")
        if g.shape != e.shape:
            hint = " (a 0-dim tensor: return a scalar tensor, e.g. out.reshape(()))" if e.dim() == 0 else ""
            return _fail(f"{which}has shape {tuple(g.shape)}; expected {tuple(e.shape)}{hint}.")
        if g.dtype != e.dtype:
            return _fail(f"{which}has dtype {g.dtype}; expected {e.dtype}.")
        if g.device != e.device:
            return _fail(f"{which}is on {g.device}; expected {e.device}.")
        r = _compare_tensor(e, g, policy, which, calibration[k] if calibration is not None else None)
        worst["n_total"] += r["n_total"]
        worst["n_bad"] += r["n_bad"]
        worst["max_abs_err"] = max(worst["max_abs_err"], r["max_abs_err"])
        worst["max_rel_err"] = max(worst["max_rel_err"], r["max_rel_err"])
        if not r["ok"] and worst["ok"]:
            worst.update(ok=False, mismatches=r["mismatches"], message=r["message"])
    return worst


def _compare_tensor(
    e: torch.Tensor, g: torch.Tensor, policy: Policy, which: str, cal: torch.Tensor | None = None
) -> dict:
    """Elementwise, in chunks of CHUNK elements: float64 temporaries of a 6 GB output would need 60 GB."""
    exact = not (e.dtype.is_floating_point or e.dtype.is_complex)
    atol, rtol = (0.0, 0.0) if exact else tolerance(policy, e.dtype)
    if exact or policy.mantissa_bits is None:
        cal = None
    multiple = policy.multiple
    cal_max = 0.0  # the largest calibrated allowance multiple * cal, for the message
    ef, gf = e.detach().reshape(-1), g.detach().reshape(-1)
    max_abs = max_rel = 0.0
    n_bad = n_nonfinite = 0
    first: list[int] = []  # flat indices of the first mismatches
    for lo in range(0, ef.numel(), CHUNK):
        e64, g64 = ef[lo : lo + CHUNK].double(), gf[lo : lo + CHUNK].double()
        finite_ref = torch.isfinite(e64)
        diff = (g64 - e64).abs()
        # Non-finite outputs where the reference is finite always fail, whatever the tolerance.
        bad_nonfinite = finite_ref & ~torch.isfinite(g64)
        allowed = e64.abs().mul_(rtol).add_(atol)
        if cal is not None:  # one block value per CAL_BLOCK elements; CHUNK is a multiple of CAL_BLOCK
            c = cal[lo // CAL_BLOCK : (lo + e64.numel() + CAL_BLOCK - 1) // CAL_BLOCK].to(torch.float64) * multiple
            cal_max = max(cal_max, float(c.max()) if c.numel() else 0.0)
            allowed.add_(c.repeat_interleave(CAL_BLOCK)[: e64.numel()])
            del c
        bad = bad_nonfinite | (finite_ref & (diff > allowed))
        # Where the reference itself is inf/nan, ask for the same value.
        bad |= ~finite_ref & ~((g64 == e64) | (torch.isnan(g64) & torch.isnan(e64)))
        d = torch.where(finite_ref & torch.isfinite(g64), diff, torch.zeros_like(diff))
        if d.numel():
            max_abs = max(max_abs, float(d.max()))
            max_rel = max(max_rel, float((d / e64.abs().clamp_min(max(atol, 1e-12))).max()))
        k = int(bad.sum())
        n_bad += k
        n_nonfinite += int(bad_nonfinite.sum())
        if k and len(first) < MAX_MISMATCHES:
            first += [lo + int(i) for i in bad.nonzero().reshape(-1)[: MAX_MISMATCHES - len(first)]]
        del e64, g64, finite_ref, diff, bad_nonfinite, bad, d, allowed
    result = {
        "ok": n_bad == 0,
        "max_abs_err": max_abs,
        "max_rel_err": max_rel,
        "n_bad": n_bad,
        "n_total": e.numel(),
        "mismatches": [],
        "message": "",
    }
    if n_bad:
        result["mismatches"] = [
            {"index": _unravel(i, e.shape), "expected": float(ef[i].double()), "got": float(gf[i].double())}
            for i in first
        ]
        shown = "; ".join(
            f"at {tuple(m['index'])} expected {m['expected']:.6g} got {m['got']:.6g}" for m in result["mismatches"]
        )
        what = f" ({n_nonfinite} are NaN/Inf where the reference is finite)" if n_nonfinite else ""
        if exact:
            rule = f"{e.dtype} outputs must be equal exactly"
        else:
            floor = f", floored for {e.dtype}" if e.dtype in DTYPE_FLOOR else ""
            rule = f"allowed |diff| <= {atol:g} + {rtol:g}*|ref|"
            if cal is not None:
                rule += (
                    f" + {multiple:g} x the {policy.emulates} reference's own error (its largest in each "
                    f"{CAL_BLOCK}-element block; here at most {cal_max:.3g})"
                )
            rule += f" ({policy.name} policy{floor})"
        result["message"] = (
            f"{which}differs from the reference in {n_bad} of {e.numel()} elements{what}; "
            f"max abs err {max_abs:.3g}, max rel err {max_rel:.3g}, {rule}. First mismatches: {shown}."
        )
    return result


def _unravel(flat: int, shape) -> list[int]:
    index = []
    for d in reversed(tuple(shape)):
        index.append(flat % d if d else 0)
        flat = flat // d if d else 0
    return index[::-1]


def compare_state(
    ref_model: torch.nn.Module,
    cand_model: torch.nn.Module | list[tuple[str, torch.Tensor]],
    policy: Policy,
    calibration: dict[str, list] | None = None,
) -> str | None:
    """After one call each: the candidate's buffers (BatchNorm running stats, counters) must hold what
    the reference's hold, matched like evaluator.shared.weights matches parameters. None when they agree.
    `calibration`: per reference buffer name, `calibrate` of its value after the reduced-precision run."""
    ref = [(n, b) for n, b in ref_model.named_buffers() if b is not None]
    if not ref:
        return None
    cand = (
        list(cand_model)
        if isinstance(cand_model, list)
        else [(n, b) for n, b in cand_model.named_buffers() if b is not None]
    )  # a list: read back from the candidate
    cand_named = dict(cand)
    if {n for n, _ in ref} <= cand_named.keys():
        pairs = [(n, t, cand_named[n]) for n, t in ref]
    elif len(ref) == len(cand):
        pairs = [(n, t, c) for (n, t), (_, c) in zip(ref, cand)]
    else:
        return (
            f"ModelNew has {len(cand)} buffer(s), Model has {len(ref)} "
            f"({', '.join(n for n, _ in ref)}): keep the same module state."
        )
    for name, r, c in pairs:
        v = compare(r, c, policy, (calibration or {}).get(name))
        if not v["ok"]:
            what = v["message"].removeprefix("output ")
            return (
                f"module state: after forward, buffer {name!r} {what} The reference ran in "
                f"{'training' if ref_model.training else 'eval'} mode and updated its buffers "
                "(e.g. BatchNorm running_mean/running_var/num_batches_tracked); ModelNew must update "
                "its own the same way."
            )
    return None
