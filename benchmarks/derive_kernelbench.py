"""How many KernelBench files `agent.problem add` takes as they are: derived `small` and `odd` sets that
run on this CPU within the derivation's budget (evaluator.shared.derive.SMALL_BUDGET), and the reason for each
file it refuses.

    git clone https://github.com/ScalingIntelligence/KernelBench /tmp/KernelBench
    python benchmarks/derive_kernelbench.py /tmp/KernelBench/KernelBench [--levels 1 2 3] [--jobs 1]

Files are measured in a worker process (`--serve`; replaced when a file overruns its wall limit, so
one slow reference cannot stall the table) by what `agent.problem add` does, in a temporary kernels folder: derive the
sets, write the file with them, run the reference twice on `small` (it must agree with itself). Prints
one line per refused file (its reason), then a table per level: files, added (small derived and the
reference ran), with an odd set, refused, and the share added.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_FILE_S = 180  # the derivation tries up to ~24 sizes, each bounded by SMALL_BUDGET's 2 s


def one(path: Path) -> dict:
    """agent.problem add on one file, in a temporary kernels folder: what it derived or why it refused."""
    sys.path.insert(0, str(ROOT))
    from agent.problem import add
    from evaluator import ProblemError

    lines: list[str] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            dest = add(path, "p", Path(tmp), say=lines.append)
            text = (dest / "reference.py").read_text()
            row = {"ok": True, "odd": '"odd":' in text, "small": next((s for s in lines if s.startswith("small")), "")}
        except ProblemError as e:
            row = {"ok": False, "why": str(e).splitlines()[0] if str(e) else "ProblemError"}
        except Exception as e:  # noqa: BLE001 - a traceback would be a bug in add: report it as such
            row = {"ok": False, "why": f"add crashed: {type(e).__name__}: {str(e)[:200]}"}
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


class Worker:
    """One measuring process for many files (importing torch and the evaluator costs seconds), replaced
    when a file overruns PER_FILE_S or the process dies."""

    def __init__(self) -> None:
        self.p: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT), CUDA_VISIBLE_DEVICES="")
        return subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=ROOT,
        )

    def measure(self, path: Path) -> dict:
        if self.p is None or self.p.poll() is not None:
            self.p = self.start()
        self.p.stdin.write(f"{path}\n")
        self.p.stdin.flush()
        ready, _, _ = select.select([self.p.stdout], [], [], PER_FILE_S)
        line = self.p.stdout.readline() if ready else ""
        if not line:
            self.stop()
            why = f"over the benchmark's {PER_FILE_S} s per file" if not ready else "the measuring process died"
            return {"ok": False, "why": why}
        return json.loads(line)

    def stop(self) -> None:
        if self.p is not None:
            self.p.kill()  # our own child, by its handle
            self.p.wait()
            self.p = None


def serve() -> None:
    """--serve: read file paths on stdin, answer one JSON line each (what `add` said), until EOF."""
    answer = sys.stdout
    sys.stdout = sys.stderr  # a reference that prints cannot garble the answers
    for line in sys.stdin:
        row = one(Path(line.strip()))
        answer.write(json.dumps(row) + "\n")
        answer.flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, nargs="?", help="KernelBench's KernelBench/ folder (level1, level2, ...)")
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write every row here")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve()
        return 0
    if args.root is None or not (args.root / "level1").is_dir():
        print("error: give KernelBench's KernelBench/ folder (the one holding level1/)", file=sys.stderr)
        return 2
    files = [(lv, f) for lv in args.levels for f in sorted((args.root / f"level{lv}").glob("*.py"))]
    t0 = time.perf_counter()

    def chunk(part: list[tuple[int, Path]]) -> list[dict]:
        worker, out = Worker(), []
        try:
            for level, path in part:
                out.append({"level": level, "file": path.name, **worker.measure(path)})
                print(json.dumps(out[-1]), file=sys.stderr, flush=True)  # progress, one line per file
        finally:
            worker.stop()
        return out

    with ThreadPoolExecutor(args.jobs) as pool:
        parts = list(pool.map(chunk, [files[k :: args.jobs] for k in range(args.jobs)]))
    order = {(lv, f.name): k for k, (lv, f) in enumerate(files)}
    rows = sorted((r for part in parts for r in part), key=lambda r: order[(r["level"], r["file"])])
    for r in rows:
        if not r["ok"]:
            print(f"refused  level{r['level']}/{r['file']}: {r['why']}")
    print()
    print(f"{'level':<6} {'files':>5} {'added':>5} {'odd':>5} {'refused':>7} {'share':>7}")
    for lv in [*args.levels, None]:
        sel = [r for r in rows if lv is None or r["level"] == lv]
        ok = [r for r in sel if r["ok"]]
        share = 100.0 * len(ok) / max(len(sel), 1)
        name = "all" if lv is None else str(lv)
        print(
            f"{name:<6} {len(sel):>5} {len(ok):>5} {sum(r.get('odd', False) for r in ok):>5} "
            f"{len(sel) - len(ok):>7} {share:>6.1f}%"
        )
    print(f"\n{len(rows)} files in {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
