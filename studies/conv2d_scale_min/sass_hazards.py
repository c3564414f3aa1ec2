"""Write-after-read hazards on the A registers of in-flight register-operand wgmmas, found in a kernel's SASS.

    PYTHONPATH=/tmp/t36 python studies/conv2d_scale_min/compile_sm90.py --direct-rs --dump /tmp/d
    python studies/conv2d_scale_min/sass_hazards.py /tmp/d/conv.cubin      # or a .sass text file

Why: a wgmma whose A operand sits in registers (HGMMA ... R24, R152, gdesc[...]) reads R152..R155 while it
runs, after its issue, until a WARPGROUP.DEPBAR retires it. Triton's warpgroup_mma_wait(deps=...) keeps the
A *values* alive, not the physical registers the hardware reads, so ptxas may load the next stage's x into
them (session 13: both register kernels' OVERLAP builds did, and one H200 gave outputs off by 0.29). ptxas
does not warn. This walks every path of the SASS from each register-operand HGMMA (branches both ways, each
loop once more) with the wgmmas still in flight, retiring the oldest at each WARPGROUP.DEPBAR.LE gsb0, N,
and reports any instruction that writes one of their A registers first.

Each HGMMA counts as its own group (Triton commits after every wgmma); A takes 4 registers per thread for
m64nNk8 TF32 and m64nNk16 16-bit. Destinations: the first operand of instructions that write registers, as
wide as the opcode says (.64: 2, .128: 4, .WIDE: 2).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

LINE = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;")
HGMMA_RS = re.compile(r"HGMMA\.\S+\s+R\d+,\s+R(\d+),\s+gdesc")
DEPBAR = re.compile(r"WARPGROUP\.DEPBAR\.LE\s+gsb0,\s+0x([0-9a-f]+)")
BRANCH = re.compile(r"^(@!?U?P\w+\s+)?BRA\s+0x([0-9a-f]+)")
# opcodes whose first operand is not a register they write
NO_DEST = ("ST", "STS", "STG", "STL", "RED", "BAR", "BRA", "SYNCS", "WARPGROUP", "HGMMA", "EXIT", "NOP", "MEMBAR")
NO_DEST += ("FENCE", "UTMALDG", "UTMASTG", "UBLKCP", "ARRIVES", "DEPBAR", "CCTL", "ERRBAR", "WARPSYNC", "RET", "CALL")


def parse(sass: str) -> list[tuple[int, str]]:
    """(address, instruction) per SASS line, in address order."""
    return [(int(m.group(1), 16), m.group(2)) for m in LINE.finditer(sass)]


def _writes(instr: str) -> set[int]:
    body = re.sub(r"^@!?U?P\w+\s+", "", instr)
    opcode, _, operands = body.partition(" ")
    if opcode.split(".")[0] in NO_DEST:
        return set()
    m = re.match(r"\s*R(\d+)\b", operands)
    if not m:
        return set()
    width = 4 if ".128" in opcode else 2 if (".64" in opcode or ".WIDE" in opcode) else 1
    return set(range(int(m.group(1)), int(m.group(1)) + width))


def _a_regs(instr: str) -> frozenset[int] | None:
    """The A registers a register-operand HGMMA reads (4 from its base), or None for any other instruction."""
    m = HGMMA_RS.search(instr)
    return frozenset(range(int(m.group(1)), int(m.group(1)) + 4)) if m else None


def hazards(sass: str, max_states: int = 200_000) -> list[str]:
    """One line per write to an in-flight wgmma's A register: where the HGMMA is, where the write is, which
    register."""
    code = parse(sass)
    index = {addr: i for i, (addr, _) in enumerate(code)}
    found: dict[tuple[int, int], str] = {}
    for start, (addr0, instr0) in enumerate(code):
        regs0 = _a_regs(instr0)
        if regs0 is None:
            continue
        # state: (instruction index, in-flight A register sets, oldest first, with their HGMMA's address)
        todo = [(start + 1, ((addr0, regs0),))]
        seen = set()
        while todo and len(seen) < max_states:
            i, flight = todo.pop()
            if i >= len(code) or not flight or (i, flight) in seen:
                continue
            seen.add((i, flight))
            addr, instr = code[i]
            m = DEPBAR.search(instr)
            if m:
                keep = int(m.group(1), 16)
                flight = flight[len(flight) - keep :] if keep < len(flight) else flight
                todo.append((i + 1, flight))
                continue
            hit = _writes(instr) & set().union(*(regs for _, regs in flight))
            for h_addr, a_regs in flight:
                if hit & a_regs:
                    written = ", ".join(f"R{r}" for r in sorted(hit & a_regs))
                    found[(h_addr, addr)] = (
                        f"HGMMA at {h_addr:#06x} reads R{min(a_regs)}-R{max(a_regs)} in flight; {addr:#06x} writes"
                        f" {written}: {instr}"
                    )
            regs = _a_regs(instr)
            if regs is not None:
                flight = flight + ((addr, regs),)
            if instr.startswith("EXIT"):  # unpredicated: the path ends (a predicated one falls through)
                continue
            b = BRANCH.match(instr)
            if b and b.group(2) is not None:
                target = index.get(int(b.group(2), 16))
                if target is not None:
                    todo.append((target, flight))
                if b.group(1) is None:  # unconditional: no fall-through
                    continue
            todo.append((i + 1, flight))
    return [found[k] for k in sorted(found)]


def sass_of(path: Path) -> str:
    """The SASS text: the file itself, or cuobjdump -sass of a cubin (Triton's bundled cuobjdump)."""
    if path.suffix != ".cubin":
        return path.read_text()
    from triton.backends.nvidia.compiler import get_ptxas

    cuobjdump = Path(get_ptxas(90).path).with_name("cuobjdump")
    return subprocess.run([str(cuobjdump), "-sass", str(path)], capture_output=True, text=True, check=True).stdout


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python studies/conv2d_scale_min/sass_hazards.py KERNEL.cubin|KERNEL.sass", file=sys.stderr)
        return 2
    path = Path(args[0])
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    sass = sass_of(path)
    count = sum(1 for _, instr in parse(sass) if HGMMA_RS.search(instr))
    found = hazards(sass)
    print(f"{count} register-operand HGMMAs; {len(found)} hazards")
    for line in found:
        print("  " + line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
