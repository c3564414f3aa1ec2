"""Which `tl.*` helpers the installed Triton lacks, and what works instead: facts, not folklore.

    from agent.triton_api import installed, given
    installed().missing   # [MissingApi(name='tl.tanh', alternative='`tl.extra.cuda.libdevice.tanh(x)`'), ...]
    installed().present   # ['tl.sigmoid', 'tl.softmax']: names LLMs are often told do not exist
    given(["tl.tanh", "tl.sigmoid"])   # an override, rendered verbatim (the seed's own list)

LLMs reach for activation helpers by name. Older prompts (the seed's included) claim Triton has
none of them, but Triton 3.x has `tl.sigmoid` and `tl.softmax`. So the list is computed: every
candidate name is looked up in `triton.language`, and for each missing one the first alternative
whose every name resolves is suggested. Names resolve by attribute access from
`triton.language` alone, i.e. what a kernel file that only does `import triton.language as tl` (the
OUTPUT RULES' imports) can reach: `tl.extra.cuda.libdevice.tanh` does, while
`triton.language.extra.libdevice` needs its own import and is therefore not suggested.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel

# name -> alternatives, preferred first: (text for the prompt, the `tl.` names it needs).
# The seed's six first, in the seed's order, then other helpers LLMs are known to invent.
CANDIDATES: dict[str, list[tuple[str, list[str]]]] = {
    "tl.tanh": [
        ("`tl.extra.cuda.libdevice.tanh(x)`", ["tl.extra.cuda.libdevice.tanh"]),
        ("`2 * tl.sigmoid(2 * x) - 1`", ["tl.sigmoid"]),
        ("`1 - 2 / (tl.exp(2 * x) + 1)`", ["tl.exp"]),
    ],
    "tl.sigmoid": [("`1 / (1 + tl.exp(-x))`", ["tl.exp"])],
    "tl.gelu": [
        ("`0.5 * x * (1 + tl.erf(x * 0.7071067811865476))` (exact GELU)", ["tl.erf"]),
        (
            "`0.5 * x * (1 + tl.extra.cuda.libdevice.erf(x * 0.7071067811865476))` (exact GELU)",
            ["tl.extra.cuda.libdevice.erf"],
        ),
    ],
    "tl.silu": [
        ("`x * tl.sigmoid(x)`", ["tl.sigmoid"]),
        ("`x / (1 + tl.exp(-x))`", ["tl.exp"]),
    ],
    "tl.softmax": [
        (
            "`e = tl.exp(x - tl.max(x, axis=1)[:, None])` then `e / tl.sum(e, axis=1)[:, None]`",
            ["tl.exp", "tl.max", "tl.sum"],
        ),
    ],
    "tl.mish": [
        (
            "`x * tl.extra.cuda.libdevice.tanh(sp)` with `sp = tl.where(x > 20.0, x, tl.log(1 + tl.exp(x)))`",
            ["tl.extra.cuda.libdevice.tanh", "tl.where", "tl.log", "tl.exp"],
        ),
    ],
    "tl.relu": [("`tl.maximum(x, 0.0)`", ["tl.maximum"])],
    "tl.softplus": [
        ("`tl.where(x > 20.0, x, tl.log(1 + tl.exp(x)))`", ["tl.where", "tl.log", "tl.exp"]),
    ],
    "tl.pow": [
        ("`tl.extra.cuda.libdevice.pow(x, y)`", ["tl.extra.cuda.libdevice.pow"]),
        ("`tl.exp2(y * tl.log2(x))` (x > 0 only)", ["tl.exp2", "tl.log2"]),
    ],
}


class MissingApi(BaseModel):
    name: str
    alternative: str | None = None  # None: no working alternative found (or an override)


class ApiFacts(BaseModel):
    missing: list[MissingApi]
    present: list[str]  # candidates that do exist: said out loud so the LLM uses them


def resolve(dotted: str) -> object | None:
    """`tl.a.b` -> the object reached by attribute access from triton.language, or None."""
    import triton.language as tl

    head, *rest = dotted.split(".")
    if head != "tl":
        raise ValueError(f"expected a name starting with 'tl.', got {dotted!r}")
    obj: object = tl
    for part in rest:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


@lru_cache(maxsize=1)
def installed() -> ApiFacts:
    """The candidates absent from the installed triton.language, each with a working alternative."""
    missing, present = [], []
    for name, alternatives in CANDIDATES.items():
        if resolve(name) is not None:
            present.append(name)
            continue
        usable = [text for text, needs in alternatives if all(resolve(n) is not None for n in needs)]
        missing.append(MissingApi(name=name, alternative=usable[0] if usable else None))
    return ApiFacts(missing=missing, present=present)


def parse_names(text: str) -> list[str]:
    """'tl.tanh, tl.sigmoid' -> ['tl.tanh', 'tl.sigmoid'] (commas or whitespace separate)."""
    return [n for n in text.replace(",", " ").split() if n]


def given(names: list[str]) -> ApiFacts:
    """An override: these names, verbatim and in order, with no alternatives and no 'present' list."""
    return ApiFacts(missing=[MissingApi(name=n) for n in names], present=[])
