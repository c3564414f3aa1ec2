"""Copy the reference model's parameters into the candidate, so both compute with the same weights;
move them away from the module's own initialisation first, so a kernel that ignores one is seen.

    from evaluator.shared.weights import copy_weights, perturb
    names = perturb(ref_model, seed)            # seeded, in place: the tensors it moved
    copy_weights(ref_model, candidate_model)    # raises WeightError with an actionable message

KernelBench candidates rarely keep the reference's names (`conv.weight` becomes `weight`), so tensors
are matched by name when the names agree, otherwise in registration order when count and shapes agree.
"""

from __future__ import annotations

import zlib

import torch
from torch import nn


class WeightError(ValueError):
    pass


def _tensors(m: nn.Module) -> list[tuple[str, torch.Tensor]]:
    return list(m.named_parameters()) + [(n, b) for n, b in m.named_buffers() if b is not None]


def _describe(items: list[tuple[str, torch.Tensor]]) -> str:
    return ", ".join(f"{n}{tuple(t.shape)}" for n, t in items) or "none"


@torch.no_grad()
def copy_weights(src: nn.Module, dst: nn.Module) -> None:
    s, d = _tensors(src), _tensors(dst)
    s_named, d_named = dict(s), dict(d)
    if s_named.keys() == d_named.keys():
        pairs = [(d_named[n], t) for n, t in s]
    elif len(s) == len(d) and all(a.shape == b.shape for (_, a), (_, b) in zip(s, d)):
        pairs = [(b, a) for (_, a), (_, b) in zip(s, d)]
    else:
        raise WeightError(
            "ModelNew's parameters cannot be matched to Model's: Model has "
            f"{_describe(s)}; ModelNew has {_describe(d)}. Register the same tensors with the same "
            "shapes, in the same order (or with the same names), so the evaluator can copy weights across."
        )
    for dst_t, src_t in pairs:
        if dst_t.shape != src_t.shape:
            raise WeightError(
                f"parameter shape {tuple(dst_t.shape)} in ModelNew does not match {tuple(src_t.shape)} in Model."
            )
        dst_t.copy_(src_t.to(dst_t.dtype))


# Buffers are mostly constants a kernel may recompute (a causal mask, a positional table); the running
# statistics of norm layers are state that trained models carry, so they are moved too.
PERTURBED_BUFFERS = ("running_mean", "running_var")
SALT = 0x5EED_3A1F  # the perturbation's generator is not the one the inputs were drawn from


def perturbable(m: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """The tensors `perturb` moves: floating parameters, and the running statistics of norm layers."""
    params = [(n, p) for n, p in m.named_parameters() if p.is_floating_point()]
    bufs = [
        (n, b)
        for n, b in m.named_buffers()
        if b is not None and b.is_floating_point() and n.rsplit(".", 1)[-1] in PERTURBED_BUFFERS
    ]
    return params + bufs


@torch.no_grad()
def perturb(m: nn.Module, seed: int) -> list[str]:
    """Move every perturbable tensor away from its value, in place, by a rule drawn from `seed` (a pure
    function of the seed and the module, so two processes building the same module agree).

    Each element moves by at least 5% of the tensor's scale s (its RMS, 1 for an all-zero tensor), away
    from zero's side or towards it at random: t + sign(t) * (+-1) * (U(0.1, 0.3) * |t| + U(0.05, 0.15) * s).
    An identity default cannot survive (ones land in [0.55, 0.85] or [1.15, 1.45], zeros in
    +-[0.05, 0.15]), a constant tensor keeps its sign (a scale or an epsilon stays positive), and a
    random weight keeps its distribution within ~15% (deep stacks do not blow up). Running variances
    are scaled by exp(+-U(0.2, 0.7)) so they stay positive. Returns the names of the moved tensors."""
    names = []
    for name, t in perturbable(m):
        g = torch.Generator(device=t.device)
        # One stream per tensor, keyed by its name: two tensors of one shape get different moves.
        g.manual_seed((seed ^ SALT ^ (zlib.crc32(name.encode()) << 20)) & ((1 << 63) - 1))
        x = t.detach().float()
        u = torch.rand((3, *x.shape), generator=g, device=t.device)
        side = torch.where(u[0] < 0.5, -1.0, 1.0)
        if name.rsplit(".", 1)[-1] == "running_var":
            new = x * torch.exp(side * (0.2 + 0.5 * u[1]))
        else:
            s = float(x.pow(2).mean().sqrt()) if x.numel() else 0.0
            s = s if s > 0 and s == s and s != float("inf") else 1.0
            away = torch.where(x < 0, -1.0, 1.0) * side
            new = x + away * ((0.1 + 0.2 * u[1]) * x.abs() + (0.05 + 0.1 * u[2]) * s)
        t.copy_(new.to(t.dtype))
        names.append(name)
    return names
