#!/usr/bin/env bash
# One device call on a two-GPU H100 host: the 8-problem KernelBench suite through agent.suite (both GPUs),
# then the seed problem's `hopper` stage from best.py and its promotion. Everything it writes comes back
# under $OUT: logs, the suite's table files and a tarball of runs/ and the touched kernels/.
#   bash suites/kernelbench8/gpu_session.sh [SUITE_SECONDS] [TOTAL_SECONDS]
# The hopper run starts only if at least 100 s of TOTAL_SECONDS are left after the suite.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
T_SUITE=${1:-330}; T_TOTAL=${2:-500}; start=$(date +%s)
# Not under /tmp: the evaluator's jail gives each candidate process a private /tmp, where this would be gone.
SITE=$PWD/.site
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
python3 -c "import matplotlib" 2>/dev/null || python3 -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target "$SITE" .whl/mpl/*.whl
export PYTHONPATH=$SITE KLOOP_RUNS_DIR=$PWD/runs
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1
  python3 -c "import torch, triton; print(torch.__version__, triton.__version__)"; } > "$OUT/env.txt" 2>&1
NOTE="replies written by a coding model acting as the LLM (replay provider), not by an LLM endpoint"
t0=$(date +%s)
rm -rf runs/suites/kb8  # a warm machine keeps the last call's files
for f in suites/kernelbench8/problems/*.py; do  # imported here unless kernels/<name>/ holds it already
  [ -f "kernels/$(basename "$f" .py)/reference.py" ] || python3 -m agent.problem add "$f"
done > "$OUT/add.log" 2>&1
echo "add: $(( $(date +%s) - t0 )) s" >> "$OUT/times.txt"
names=$(for f in suites/kernelbench8/problems/*.py; do basename "$f" .py; done)
t1=$(date +%s)
timeout "$T_SUITE" python3 -m agent.suite $names --name kb8 --stage all --repairs 1 --no-ncu \
    --llm replay:suites/kernelbench8/replies_gpu --executor local --workers 2 --note "$NOTE" > "$OUT/suite.log" 2>&1
echo "suite rc=$? wall $(( $(date +%s) - t1 )) s on 2 GPUs" >> "$OUT/times.txt"
cp runs/suites/kb8/suite.md runs/suites/kb8/suite.json "$OUT/" 2>/dev/null
t2=$(date +%s); T_HOPPER=$(( T_TOTAL - (t2 - start) - 15 ))
[ "$T_HOPPER" -ge 100 ] && timeout "$T_HOPPER" bash -c "python3 -m agent.run --problem conv2d_scale_min --seed kernels/conv2d_scale_min/best.py \
    --stage hopper --iterations 1 --repairs 0 --llm replay:studies/conv2d_scale_min/replies_hopper \
  && python3 -m agent.promote \$(ls -t runs | grep hopper | head -1) --note '$NOTE'" > "$OUT/hopper.log" 2>&1
echo "hopper+promote rc=$? wall $(( $(date +%s) - t2 )) s" >> "$OUT/times.txt"
tar czf "$OUT/runs.tgz" --exclude='triton_cache' --exclude='*.pt' runs kernels 2>/dev/null
ls -la "$OUT" >> "$OUT/times.txt"
