"""Which parameter a kernel ignores: after a perturbed call the candidate got wrong, the oracle reruns the
reference with tensors put back at the module's own initial values (evaluator.oracle.oracle calls it once
per evaluation, after its failed check).

    from evaluator.oracle.blame import blame
    sentence = blame(spec, case, problem_module, device, got, policy)   # or None
"""

from __future__ import annotations

import torch

from evaluator.oracle.correctness import compare
from evaluator.oracle.reference import reference
from evaluator.shared.draw import draw, perturbed
from evaluator.shared.problem import ShapeCase
from evaluator.shared.weights import perturbable
from evaluator.shared.wire import CallSpec

BLAME_TENSORS = 24  # one reference call per tensor tried: enough for any layer, bounded for a deep net


def blame(spec: CallSpec, case: ShapeCase, problem, device: torch.device, got, policy) -> str | None:
    """After a perturbed call the candidate got wrong: does its output match the reference with one tensor
    (or one layer's tensors) put back at the module's own initial value, or with all of them? Then the
    kernel ignores that parameter. One sentence to append to the mismatch message, or None (the call was
    not perturbed, or the output is wrong for another reason). Runs the reference up to BLAME_TENSORS + 1
    times, so only once per evaluation, after its failed check."""
    if not perturbed(spec.seed):
        return None
    own, args = draw(spec, case, problem, device, own_weights=True)
    moved, _ = draw(spec, case, problem, device)
    own_state = dict(own.state_dict())
    names = perturb_names(moved)
    # One tensor put back, then one layer's tensors together (LayerNorm's weight and bias dropped at once).
    layers: dict[str, list[str]] = {}
    for name in names:
        layers.setdefault(name.rpartition(".")[0], []).append(name)
    groups = [g for layer in layers.values() for g in [[n] for n in layer] + ([layer] if len(layer) > 1 else [])]
    for group in groups[:BLAME_TENSORS]:
        trial = snapshot_model(moved, force=True)
        with torch.no_grad():
            for name in group:
                _tensor(trial, name).copy_(own_state[name])
        if compare(reference(trial, args), got, policy)["ok"]:
            what = " and ".join(group)
            return (
                f"This call used perturbed weights, and ModelNew's output matches the reference with {what} "
                f"at {'its' if len(group) == 1 else 'their'} initial value: the kernel ignores {what} (or "
                "assumes the default), so it would be wrong on trained weights; read it from the module."
            )
    if not compare(reference(snapshot_model(own), args), got, policy)["ok"]:
        return None
    return (
        "This call used perturbed weights, and ModelNew's output matches the reference with the module's own "
        "initial weights: the kernel ignores (or assumes the default of) some of "
        + ", ".join(names[:8])
        + ("..." if len(names) > 8 else "")
        + "; read them from the module."
    )


def perturb_names(model: torch.nn.Module) -> list[str]:
    return [n for n, _ in perturbable(model)]


def snapshot_model(model: torch.nn.Module, force: bool = False) -> torch.nn.Module:
    """A copy to run the reference on (training mode changes buffers; `force` also when it has none)."""
    import copy

    return copy.deepcopy(model) if force or any(True for _ in model.buffers()) else model


def _tensor(model: torch.nn.Module, name: str) -> torch.Tensor:
    owner, _, leaf = name.rpartition(".")
    return getattr(model.get_submodule(owner) if owner else model, leaf)
