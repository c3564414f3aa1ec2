"""Copy the reference model's parameters into the candidate, so both compute with the same weights.

    from evaluator.weights import copy_weights
    copy_weights(ref_model, candidate_model)    # raises WeightError with an actionable message

KernelBench candidates rarely keep the reference's names (`conv.weight` becomes `weight`), so tensors
are matched by name when the names agree, otherwise in registration order when count and shapes agree.
"""

from __future__ import annotations

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
