#!/usr/bin/env bash
# One call for both open issues, most important first, for a session where device starts are scarce:
# issue 26's Winograd kernel (check, then the loop and promote), then issue 24's evidence (the winner under --ncu,
# the sealed-log and Landlock tests, the ncu adversarial tests), then the rest.
: "${BUDGET:=570}"
. benchmarks/device/setup.sh
# $OUT brings back at most 8 files: the logs go to one (log.txt), beside the JSON, the history and one tarball.
# This GPU's winner: best/<gpu slug>.py ("NVIDIA H100 80GB HBM3" -> nvidia-h100-80gb-hbm3), else the H200's.
best=kernels/conv2d_scale_min/best/$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr 'A-Z ' 'a-z-').py
[ -f "$best" ] || best=kernels/conv2d_scale_min/best/nvidia-h200.py
{ uname -r; python3 -c "from evaluator.shared import landlock; print('landlock abi', landlock.abi())"
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader; ncu --version | tail -1; } 2>&1 | tee -a $OUT/log.txt
# issue 26
python3 -m studies.conv2d_scale_min.gluon_winograd --candidate $PWD/benchmarks/device/wcand.py
timeout $(left 90) python3 -m studies.conv2d_scale_min.gluon_winograd --check 2>&1 | tail -14 | tee /tmp/wcheck.txt | tee -a $OUT/log.txt
stamp "winograd check (rc ${PIPESTATUS[0]})"
if grep -q "median" /tmp/wcheck.txt; then
  # Issue 26, items 3-4: the kernel agrees with its emulation -> the loop evaluates it (hopper stage, all shape
  # sets, under ncu; the reply written by the coding model acting as the LLM, through replay) and promote's
  # race against this GPU's winner decides. The run and kernels/ come back in one tarball.
  python3 -m studies.conv2d_scale_min.gluon_winograd --reply studies/conv2d_scale_min/replies_winograd
  timeout $(left 200) python3 -m agent.run --problem conv2d_scale_min --seed $best \
    --stage hopper --iterations 1 --repairs 0 --llm replay:studies/conv2d_scale_min/replies_winograd 2>&1 | tail -20 | tee -a $OUT/log.txt
  run=$(ls -td runs/*/ | head -1)
  stamp "loop ($run)"
  tail -c 6000 "$run/history.jsonl" > $OUT/loop_history.jsonl
  timeout $(left 220) python3 -m agent.promote "$run" --note "hopper-stage Winograd F(2,3) Gluon kernel; the reply was written by a coding model acting as the LLM (replay), not by an LLM endpoint" 2>&1 | tail -30 | tee -a $OUT/log.txt
  stamp "promote"
  tar czf $OUT/run_and_kernels.tgz "$run" kernels/conv2d_scale_min
fi
# issue 24 (and 26, item 4): this GPU's winner (the Winograd kernel if promote took it) under ncu: the NCU table
# and the honest median against ncu's GPU time
timeout $(left 100) python3 -m evaluator $best --problem conv2d_scale_min --shapes full \
  --ncu --ncu-metrics "$M2" --json $OUT/ncu_winner.json 2>&1 | tail -24 | tee -a $OUT/log.txt
stamp "promoted kernel under ncu"
timeout $(left 200) python3 -m pytest -q -x --durations=8 tests/test_ncu_trace.py tests/test_landlock.py \
  tests/test_adversarial_gpu.py::test_ncu_sees_library_kernels_when_every_in_process_audit_is_off \
  tests/test_adversarial_gpu.py::test_ncu_accepts_the_promoted_kernels tests/test_ncu.py::test_gpu_evaluate_with_ncu 2>&1 | tail -24 | tee -a $OUT/log.txt
stamp "ncu tests"
timeout $(left 150) python3 -m pytest -q --durations=5 tests/test_gpu.py::test_race_times_contenders_side_by_side tests/test_jail.py tests/test_jail_paths.py tests/test_warm.py 2>&1 | tail -14 | tee -a $OUT/log.txt
stamp "all done"
