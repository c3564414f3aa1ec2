#!/usr/bin/env bash
# Issue 26 on the H200: the Winograd F(2,3) kernel through the evaluator, then the micro-kernel's roofs.
. benchmarks/device/setup.sh
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee $OUT/host.txt
# Issue 26: the Winograd F(2,3) kernel, correct and timed by the evaluator (small, odd, full)
python3 -m studies.conv2d_scale_min.gluon_winograd --candidate $PWD/benchmarks/device/wcand.py
timeout $(left 90) python3 -m studies.conv2d_scale_min.gluon_winograd --check 2>&1 | tail -12 | tee $OUT/winograd_check.txt
echo "winograd check at $(( $(date +%s) - start )) s (rc ${PIPESTATUS[0]})"
M2="sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,sm__throughput.avg.pct_of_peak_sustained_elapsed,dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum,lts__t_bytes.sum,sm__cycles_elapsed.avg.per_second,l1tex__throughput.avg.pct_of_peak_sustained_active"
timeout $(left 240) python3 -m evaluator benchmarks/device/wcand.py --problem conv2d_scale_min --shapes all \
  --ncu --ncu-metrics "$M2" --json $OUT/winograd_eval.json 2>&1 | tail -30 | tee $OUT/winograd_eval.txt
echo "winograd eval at $(( $(date +%s) - start )) s"
# Issue 26: Winograd's GEMM work and operand traffic through the H200 kernel's machinery (no transform yet)
timeout $(left 90) python3 studies/conv2d_scale_min/winograd_micro.py 2>&1 | tail -8 | tee $OUT/winograd_micro.txt
W="sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,sm__throughput.avg.pct_of_peak_sustained_elapsed,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,smsp__inst_executed_pipe_uniform.sum,l1tex__throughput.avg.pct_of_peak_sustained_active,gpu__time_duration.sum,sm__cycles_elapsed.avg.per_second"
for v in direct f23 f22s; do
  timeout $(left 60) ncu --kernel-name regex:winograd --launch-skip 1 --launch-count 1 --metrics "$W" --csv python3 studies/conv2d_scale_min/winograd_micro.py --variants $v --reps 1 2>&1 | grep -E '^"' | tail -8 >> $OUT/winograd_micro_ncu.csv
done
echo "winograd micro at $(( $(date +%s) - start )) s"
