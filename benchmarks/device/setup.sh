# Sourced by every device script: the wheels the device's Python lacks (.whl, carried) into ./.site, the
# environment, and the clock. `left N`: N seconds, or fewer where the call's BUDGET (seconds, default 560)
# has less left; `stamp WHAT`: one line with the seconds since the start (also appended to $OUT/log.txt).
# smi_start NAME / smi_stop NAME: nvidia-smi samples the SM clock and power every 100 ms in between, into
# $OUT/smi_NAME.csv, and one summary line goes to the log (smi_summary.py).
# M2: the ncu metrics of the conv tables. best: #32's winner for this GPU model (best/<gpu slug>.py, "NVIDIA H100
# 80GB HBM3" -> nvidia-h100-80gb-hbm3), else the H200's. winner: that kernel through the evaluator with --ncu
# (timed, then profiled: the issue's table in $OUT/ncu_winner.json), nvidia-smi sampling around it; after a
# promotion in the same call, the new winner.
set -u
export PYTHONUNBUFFERED=1
SITE=$PWD/.site
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl 2>&1 | tail -2
export PYTHONPATH=$SITE KLOOP_RUNS_DIR=$PWD/runs
start=$(date +%s)
left() { local l=$(( ${BUDGET:-560} - ($(date +%s) - start) )); [ $l -lt $1 ] && echo $l || echo $1; }
stamp() { echo "== $1 at $(( $(date +%s) - start )) s" | tee -a "$OUT/log.txt"; }
M2="sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,sm__throughput.avg.pct_of_peak_sustained_elapsed,dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum,lts__t_bytes.sum,sm__cycles_elapsed.avg.per_second"
best=kernels/conv2d_scale_min/best/$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr 'A-Z ' 'a-z-').py
[ -f "$best" ] || best=kernels/conv2d_scale_min/best/nvidia-h200.py
smi_start() { nvidia-smi --query-gpu=clocks.sm,power.draw,clocks_event_reasons.active --format=csv,noheader,nounits \
  -lms 100 > "$OUT/smi_$1.csv" & smi_pid=$!; }
smi_stop() { kill $smi_pid; wait $smi_pid 2>/dev/null; echo "$1: $(python3 benchmarks/device/smi_summary.py "$OUT/smi_$1.csv")" | tee -a "$OUT/log.txt"; }
winner() {
  smi_start winner
  timeout $(left 100) python3 -m evaluator $best --problem conv2d_scale_min --shapes full \
    --ncu --ncu-metrics "$M2" --json $OUT/ncu_winner.json 2>&1 | tail -24 | tee -a $OUT/log.txt
  smi_stop winner
  stamp "$best under ncu"
}
