"""Too good to be true: a timing faster than the GPU's peak allows, or > 10x faster than torch.compile.

    from evaluator.parent.roofline import too_good, floors, peaks
    result.suspicious = too_good(result, problem, cases)   # ["full[0]: 0.120 ms is below ...", ...]
    floors(problem, case)          # (flops, bytes) the problem declares for a case, or (None, None)
    peaks("NVIDIA H100 80GB HBM3") # Peak(name, tf32_tflops, bf16_tflops, tb_s)

A problem may declare, in its reference file, `FLOPS(*init, *inputs)` and `BYTES(*init, *inputs)`:
called with the constructor arguments followed by each input's shape as a tuple (a non-tensor input
as its value), they return the work one forward must do and the bytes it must move at least. The
floor is max(FLOPS / peak FLOP/s, BYTES / peak bandwidth); a candidate faster than that did not do
the work (or the timer missed it). The peak is dense TF32 tensor-core math, or BF16 under the `loose`
policy, whose tolerance admits bf16 operands.

Peaks are the dense (no sparsity) datasheet numbers of the GPU's card in prompts/gpus (evaluator.shared.card),
found by the torch device name, exactly as the prompt finds it; a GPU without a card gets a
deliberately high default, so only the physically absurd is flagged there. A file that
declares neither gets both from evaluator.shared.derive.work_floors (FlopCounterMode and the bytes of inputs,
outputs and weights, on the meta device). The flags are
evidence for a person: promotion (agent.promote) refuses a flagged result without --force.
"""

from __future__ import annotations

from evaluator.shared.card import Peak, find_card
from evaluator.shared.problem import Problem, ShapeCase, import_file

MAX_VS_COMPILE = 10.0


DEFAULT = Peak("unknown GPU (deliberately high default)", 2000, 4000, 10.0)

_MODULES: dict[str, object] = {}


def peaks(device_name: str) -> Peak:
    """The GPU card's peaks (evaluator.shared.card: the numbers the prompt shows), else DEFAULT."""
    card = find_card(device_name) if device_name else None
    return (card.peak() if card else None) or DEFAULT


def floors(problem: Problem, case: ShapeCase) -> tuple[float | None, float | None]:
    key = f"{problem.path}:{problem.source_hash}"
    if key not in _MODULES:
        _MODULES[key] = import_file(problem.path, f"_roofline_{problem.name}")  # trusted reference file
    module = _MODULES[key]
    args = list(case.init) + [tuple(i.shape) if i.shape is not None else i.value for i in case.inputs]
    out = []
    for name in ("FLOPS", "BYTES"):
        fn = getattr(module, name, None)
        out.append(float(fn(*args)) if callable(fn) else None)
    if out[0] is None or out[1] is None:  # not declared: counted on the meta device (evaluator.shared.derive)
        from evaluator.shared.derive import work_floors

        derived = work_floors(module, case)
        out = [d if o is None else o for o, d in zip(out, derived)]
    return out[0], out[1]


def too_good(result, problem: Problem, cases: dict[str, ShapeCase]) -> list[str]:
    """Flags for the timed cases of an EvalResult; [] when nothing is suspicious."""
    flags = []
    peak = peaks(result.device.name if result.device else "")
    tflops = peak.bf16_tflops if result.precision == "loose" else peak.tf32_tflops
    kind = "BF16" if result.precision == "loose" else "TF32"
    for t in result.timings:
        if t.candidate is None or t.case not in cases:
            continue
        ms = t.candidate.median_ms
        flops, nbytes = floors(problem, cases[t.case])
        if flops:
            floor = flops / (tflops * 1e12) * 1e3
            if ms < floor:
                flags.append(
                    f"{t.case}: {ms:.4g} ms is below the arithmetic floor {floor:.4g} ms "
                    f"({flops / 1e9:.4g} GFLOP at {tflops:g} TFLOP/s dense {kind} on {peak.name})"
                )
        if nbytes:
            floor = nbytes / (peak.tb_s * 1e12) * 1e3
            if ms < floor:
                flags.append(
                    f"{t.case}: {ms:.4g} ms is below the memory floor {floor:.4g} ms "
                    f"({nbytes / 1e6:.4g} MB at {peak.tb_s:g} TB/s on {peak.name})"
                )
        if t.speedup_vs_compile and t.speedup_vs_compile > MAX_VS_COMPILE:
            flags.append(
                f"{t.case}: {t.speedup_vs_compile:.1f}x faster than torch.compile (more than {MAX_VS_COMPILE:g}x)"
            )
    return flags
