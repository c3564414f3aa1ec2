#!/usr/bin/env bash
# Next GPU call (issue 24's last evidence): the promoted kernels under ncu's foreign-kernel check (demangled
# names), the sealed log (Landlock on the H200's kernel?), no_trace, the forger, the jail's tests; ~360 s.
. benchmarks/device/setup.sh
{ uname -r; python3 -c "from evaluator.shared import landlock; print('landlock abi', landlock.abi())"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } 2>&1 | tee $OUT/host.txt
timeout $(left 120) python3 -m evaluator kernels/conv2d_scale_min/best/nvidia-h200.py --problem conv2d_scale_min --shapes full \
  --ncu --ncu-metrics "$M2" --json $OUT/ncu_h200.json 2>&1 | tail -24 | tee $OUT/ncu_h200.txt
echo "evaluator ncu at $(( $(date +%s) - start )) s"
timeout $(left 200) python3 -m pytest -q tests/test_adversarial_gpu.py::test_ncu_sees_library_kernels_when_every_in_process_audit_is_off tests/test_adversarial_gpu.py::test_ncu_accepts_the_promoted_kernels tests/test_ncu.py::test_gpu_evaluate_with_ncu tests/test_ncu_trace.py tests/test_landlock.py 2>&1 | tail -20 | tee $OUT/tests_ncu.txt
echo "ncu tests at $(( $(date +%s) - start )) s"
timeout $(left 150) python3 -m pytest -q tests/test_jail.py tests/test_jail_paths.py tests/test_warm.py 2>&1 | tail -12 | tee $OUT/tests_jail.txt
echo "all done at $(( $(date +%s) - start )) s"
