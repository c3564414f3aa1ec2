"""Which GPU card a prompt shows: the one named, the detected GPU's, or one built from torch.

    from agent.gpu import load_card, select_card
    card = load_card("H100")                    # alias -> prompts/gpus/h100_sxm.json
    card, note = select_card(None)              # detect from torch; note says what was assumed

The cards themselves (files in `prompts/gpus/`, their model and lookup) are the evaluator's
(evaluator.shared.card), since its roofline reads the same numbers; this module adds detection. A GPU
without a card gets one built from what torch reports, so a new machine degrades to fewer facts,
not an error.
"""

from __future__ import annotations

import subprocess
from typing import Any

from evaluator import GpuCard, GpuError, card_keys, find_card, load_card

__all__ = [
    "GpuCard",
    "GpuError",
    "card_keys",
    "find_card",
    "load_card",
    "card_from_properties",
    "select_card",
    "environment",
]
DEFAULT_CARD = "h100_sxm"  # the design's reference machine; used without CUDA and without --gpu

# Only the major/minor pairs a card can be built for; anything newer falls back to the major.
ARCHITECTURES = {
    (7, 0): "Volta",
    (7, 5): "Turing",
    (8, 0): "Ampere",
    (8, 6): "Ampere",
    (8, 7): "Ampere",
    (8, 9): "Ada Lovelace",
    (9, 0): "Hopper",
}
ARCHITECTURE_BY_MAJOR = {10: "Blackwell", 11: "Blackwell", 12: "Blackwell"}


def card_from_properties(props: Any) -> GpuCard:
    """A card from `torch.cuda.get_device_properties()` (or anything with its attributes).

    Only what torch reports (plus the 255 registers per thread fixed since compute capability 3.5),
    in the datasheet cards' order; no tensor-core figures, which torch cannot know. Attributes
    missing from an older torch are left out.
    """
    major, minor = int(props.major), int(props.minor)
    arch = ARCHITECTURES.get((major, minor)) or ARCHITECTURE_BY_MAJOR.get(major, f"sm_{major}{minor}")

    def get(attr: str) -> int | None:
        value = getattr(props, attr, None)
        return int(value) if value else None

    threads, warp = get("max_threads_per_multi_processor"), get("warp_size")
    smem_sm, smem_block = get("shared_memory_per_multiprocessor"), get("shared_memory_per_block_optin")
    total, l2, regs = get("total_memory"), get("L2_cache_size"), get("regs_per_multiprocessor")
    block = get("max_threads_per_block") or 1024
    # Peak DRAM bandwidth = 2 transfers per memory clock (kHz) x bus width: the CUDA deviceQuery
    # formula; it gives 3352 GB/s on an H100 SXM (datasheet 3350) and 1008 GB/s on a 4090.
    clock, bus = get("memory_clock_rate"), get("memory_bus_width")
    bandwidth = clock and bus and f"{2 * clock * 1e3 * bus / 8 / 1e9:.0f} GB/s"
    rows = [
        ("Compute Capability", f"{major}.{minor}"),
        ("Number of SMs", str(props.multi_processor_count)),
        ("GPU memory", total and f"{total / 2**30:.0f} GiB"),
        ("Memory Bandwidth", bandwidth),
        ("Maximum number of registers per thread", "255"),
        ("Registers per SM", regs and str(regs)),
        ("Maximum threads per block", str(block)),
        ("Maximum threads per SM", threads and str(threads)),
        ("Warp size", warp and str(warp)),
        ("Maximum concurrent warps per SM", threads and warp and str(threads // warp)),
        ("Shared memory capacity per SM", smem_sm and f"{smem_sm // 1024} KB"),
        ("Maximum shared memory per thread block", smem_block and f"{smem_block // 1024} KB"),
        ("L2 cache (global, all SM shared)", l2 and f"{l2 / 2**20:g} MB"),
    ]
    return GpuCard(
        key="detected",
        name=str(props.name),
        architecture=arch,
        source="torch.cuda.get_device_properties (no datasheet card for this GPU)",
        facts={label: value for label, value in rows if value},
    )


def detect_card(device: int = 0) -> GpuCard | None:
    """The card for the local CUDA device (its own card if known, else one built from torch); None without CUDA."""
    import torch  # only here: picking a card by name must not cost a torch import

    if not torch.cuda.is_available():
        return None
    return find_card(torch.cuda.get_device_name(device)) or card_from_properties(
        torch.cuda.get_device_properties(device)
    )


def select_card(name: str | None) -> tuple[GpuCard, str | None]:
    """`--gpu NAME` if given, else the detected GPU, else the default card; the note says what was assumed."""
    if name:
        return load_card(name), None
    card = detect_card()
    if card is None:
        return load_card(DEFAULT_CARD), (
            f"no CUDA device and no --gpu: using the {DEFAULT_CARD} card (pass --gpu NAME to choose)"
        )
    if card.key == "detected":
        return card, f"no card for {card.name!r}: using the facts torch reports"
    return card, None


def environment() -> dict:
    """GPU name and driver (nvidia-smi, so this process never holds a CUDA context), torch, triton."""
    import torch
    import triton

    env = {"gpu": None, "driver": None, "torch": torch.__version__, "triton": triton.__version__}
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        lines = out.stdout.strip().splitlines() if out.returncode == 0 else []
        gpus = [line.split(",", 1) for line in lines if "," in line]
        if gpus:  # one line per GPU: name, driver
            env["gpu"] = " + ".join(dict.fromkeys(name.strip() for name, _ in gpus))
            env["driver"] = gpus[0][1].strip()
    except (OSError, subprocess.SubprocessError):
        pass  # no NVIDIA driver: a CPU-only suite
    return env
