"""GPU cards: one GPU's datasheet facts, read by the prompt (what the LLM is told) and by the roofline
(what is physically possible). The card file is the one home of those numbers.

    from evaluator.shared.card import find_card, load_card
    card = load_card("H100")                   # alias -> prompts/gpus/h100_sxm.json
    card.peak()                                # Peak(name='H100 SXM', tf32_tflops=494.7, bf16_tflops=989.4, tb_s=3.35)
    find_card("NVIDIA H100 PCIe")              # exact after normalising: never the SXM card by substring

Cards are data files in `prompts/gpus/<key>.json`: a display name, the architecture, aliases
(spellings people type and `torch.cuda.get_device_name()` strings) and ordered facts rendered as
`• label: value`. Figures are dense; a sparse figure must say "with sparsity". `peak()` reads the
three roofline numbers from the facts themselves ("494.7 with dense", "3350 GB/s"), so the prompt and
the roofline cannot disagree; tests/test_roofline.py holds every shipped card to having all three.

`sustained` is optional and measured, not datasheet: what a card holds under sustained load (seconds back to
back), where its power limit pulls the clock below boost (an H100 SXM at 700 W: dense TF32 353 TFLOP/s of the
494.7, benchmarks/tf32_roof.py). The prompt shows it under the facts; the roofline never reads it (its floors are
bounds no kernel may beat, so they stay at the datasheet's peak).
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from pydantic import BaseModel

from evaluator.shared.paths import data_dir

GPUS_DIR = data_dir("prompts") / "gpus"
TF32, BF16, BANDWIDTH = "TF32 Tensor Core TFLOPS", "BFLOAT16 Tensor Core TFLOPS", "Memory Bandwidth"


class GpuError(ValueError):
    """An unknown or unreadable card; the message is one line for the user."""


class Peak(NamedTuple):
    name: str
    tf32_tflops: float  # dense tensor-core math
    bf16_tflops: float
    tb_s: float  # DRAM bandwidth, TB/s


class GpuCard(BaseModel):
    key: str  # file stem, or "detected" for a card built from torch (agent.gpu)
    name: str  # shown as "GPU Name:"
    architecture: str
    aliases: list[str] = []
    source: str  # where the numbers come from, for whoever audits a card
    facts: dict[str, str]  # ordered: rendered in file order
    sustained: dict[str, str] = {}  # measured under sustained load (label -> value with its source), if any

    def peak(self) -> Peak | None:
        """Dense TF32 and BF16 tensor-core TFLOP/s and DRAM TB/s from the facts; None when one is missing
        (a card built from what torch reports has no tensor-core figures)."""
        tf32, bf16 = _leading(self.facts.get(TF32, "")), _leading(self.facts.get(BF16, ""))
        gb_s = _leading(self.facts.get(BANDWIDTH, "").removesuffix("GB/s"))
        if tf32 is None or bf16 is None or gb_s is None or "sparsity" in self.facts.get(TF32, ""):
            return None
        return Peak(self.name, tf32, bf16, gb_s / 1000)


def _leading(text: str) -> float | None:
    m = re.match(r"\s*([0-9][0-9,]*(?:\.[0-9]+)?)", text)
    return float(m.group(1).replace(",", "")) if m else None


def _norm(name: str) -> str:
    # "NVIDIA A100-SXM4-80GB" and "a100 sxm4 80gb" must meet; "H100 PCIe" must NOT meet "H100"
    # (114 SMs, slower memory), so matching is exact after normalizing, never by substring.
    s = re.sub(r"[\s_\-]+", " ", name.strip().lower())
    return s.removeprefix("nvidia ").strip()


def card_keys() -> list[str]:
    return sorted(p.stem for p in GPUS_DIR.glob("*.json"))


def _read(key: str) -> GpuCard:
    path = GPUS_DIR / f"{key}.json"
    try:
        return GpuCard(key=key, **json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise GpuError(f"GPU card {path} is unreadable: {e}".replace("\n", " ")) from None


def find_card(name: str) -> GpuCard | None:
    """The card whose key, display name or alias matches `name` (case, '-', '_' ignored)."""
    wanted = _norm(name)
    for key in card_keys():
        card = _read(key)
        if wanted in {_norm(n) for n in [key, card.name, *card.aliases]}:
            return card
    return None


def load_card(name: str) -> GpuCard:
    card = find_card(name)
    if card is None:
        raise GpuError(
            f"unknown GPU {name!r} (known: {', '.join(card_keys())}; leave --gpu out on a CUDA machine to detect it)"
        )
    return card
