"""Capture real Nsight Compute outputs on a GPU, for the parser's test fixtures and for the report.

    python benchmarks/ncu_capture.py OUT_DIR [--only seed_full,no_kernel_match] [--no-query]

Writes OUT_DIR/summary.json (per capture: seconds, metrics, rejected metrics, reason, command),
OUT_DIR/captures.tar.gz (ncu's raw logs, the target's stdout/stderr, `ncu --query-metrics` output)
and prints one line per step. Captures, through `evaluator.parent.ncu.profile`: the seed at full size (the
seed's five metrics); an autotuned kernel with a long name launched twice per call; a single kernel;
the union of every stage's metrics (prompts/stages.json) on the seed's odd shapes; a metric name that
does not exist (to see ncu's rejection); a kernel filter that matches nothing (ncu's empty output);
and ncu run as an unprivileged user (a permission error, if this host restricts the counters). Needs
CUDA and ncu on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import evaluator.parent.ncu  # noqa: E402
from evaluator.parent.ncu import DEFAULT_METRICS, profile  # noqa: E402
from evaluator.shared.loader import load_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "ncu"


def sh(cmd: str, timeout: float = 120) -> str:
    try:
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
        return f"$ {cmd}\n[rc {p.returncode}]\n{p.stdout}{p.stderr}"
    except subprocess.TimeoutExpired:
        return f"$ {cmd}\n[timed out after {timeout} s]\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--only", help="comma-separated capture names (default: all)")
    ap.add_argument("--no-query", action="store_true", help="skip ncu --query-metrics (about 30 s)")
    args = ap.parse_args()
    out = args.out
    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    stages = json.loads((ROOT / "prompts" / "stages.json").read_text())
    # every metric a stage's prompt can show: the seed's five, which every stage gets first, then the stages' own
    own = [m for k, s in stages.items() if not k.startswith("_") for m in s["metrics"]]
    union = list(dict.fromkeys(DEFAULT_METRICS + own))
    info = [
        sh("ncu --version"),
        sh("nvidia-smi -L"),
        sh("id"),
        sh("grep -i profiling /proc/driver/nvidia/params"),
        sh(
            "ncu --help | grep -E -A2 -- '--(kernel-name|kernel-name-base|profile-from-start|clock-control"
            "|page|print-units|log-file|launch-count|print-kernel-base|csv|metrics) '"
        ),
    ]
    t = time.monotonic()
    q = "" if args.no_query else sh("ncu --query-metrics-mode all --query-metrics", timeout=180)
    (raw / "query_metrics_all.txt").write_text(q)
    if q:  # launch__* and a few others are absent from this list yet measured (see the captures)
        info.append(
            f"query-metrics took {time.monotonic() - t:.1f} s; stage metrics listed verbatim:\n"
            + "\n".join(f"  {'yes' if m in q else 'NO '} {m}" for m in union)
        )
    (raw / "info.txt").write_text("\n\n".join(info))
    print(info[-1], flush=True)

    seed = load_problem("conv2d_scale_min")
    tiny = load_problem(str(FIX / "scale_shift_problem.py"))
    runs = [
        ("seed_full", seed.seed_path, seed, seed.sets["full"][0], DEFAULT_METRICS),
        ("autotuned_twice", FIX / "autotuned_candidate.py", tiny, tiny.sets["full"][0], DEFAULT_METRICS),
        ("one_kernel", FIX / "one_kernel_candidate.py", tiny, tiny.sets["full"][0], DEFAULT_METRICS),
        ("stage_metrics_odd", seed.seed_path, seed, seed.sets["odd"][0], union),
        (
            "unknown_metric",
            FIX / "one_kernel_candidate.py",
            tiny,
            tiny.sets["small"][0],
            DEFAULT_METRICS + ["sm__no_such_metric_for_this_test.sum"],
        ),
        ("no_kernel_match", FIX / "one_kernel_candidate.py", tiny, tiny.sets["small"][0], DEFAULT_METRICS),
    ]
    summary = {}
    names = evaluator.parent.ncu.kernel_names
    for name, cand, problem, case, metrics in runs:
        if args.only and name not in args.only.split(","):
            continue
        work = raw / name
        # no_kernel_match: filter on a name the candidate never launches, to record ncu's empty output
        evaluator.parent.ncu.kernel_names = (lambda code: ["no_such_kernel"]) if name == "no_kernel_match" else names
        t = time.monotonic()
        p = profile(cand, problem, case, metrics=metrics, workdir=work, timeout_s=240)
        print(f"  (profile() returned after {time.monotonic() - t:.1f} s)", flush=True)
        shutil.rmtree(work / "triton_cache", ignore_errors=True)
        summary[name] = {
            "case": f"{case.label} {case.describe()}",
            "seconds": round(p.seconds, 2),
            "reason": p.reason,
            "missing": p.missing,
            "metrics": p.metrics,
            "command": p.command,
        }
        print(
            f"{name}: {p.seconds:.1f} s, reason={p.reason}, missing={p.missing}\n  {json.dumps(p.metrics)}", flush=True
        )
        (out / "summary.json").write_text(json.dumps(summary, indent=1))

    # As an unprivileged user: ERR_NVGPUCTRPERM where the host restricts counters to admins.
    prog = "import torch; x = torch.ones(1 << 20, device='cuda'); print(float((x + 1).sum()))"
    perm = sh(
        f"cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "
        f"ncu --csv --metrics {DEFAULT_METRICS[0]} {sys.executable} -c \"{prog}\"",
        timeout=120,
    )
    (raw / "unprivileged.txt").write_text(perm)
    print(perm[-1500:], flush=True)
    with tarfile.open(out / "captures.tar.gz", "w:gz") as tar:
        tar.add(raw, arcname="captures")
    shutil.rmtree(raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
