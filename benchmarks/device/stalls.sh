#!/usr/bin/env bash
# Where the register-operand kernels of #32 wait: each kernel's full-shape launch (the 5th in its --check)
# under ncu with the warp-state and source-counter sections, then per kernel
#   $OUT/TAG_stalls.txt  the warp-state table (stall reasons, cycles per issued instruction)
#   $OUT/TAG_sass.csv    the SASS with its stall samples, line by line (ncu's source page)
# (TAG: the module and its --set values, gluon_direct_rs_AHEAD_True)
# and this GPU's winner under --ncu (the issue's table). Session 15: gluon_winograd_resident agreed but took
# 2.6-3.3 ms against gluon_winograd_rs's 2.2 and gluon_direct_rs's 1.7 (benchmarks/h200_session15.txt); the
# byte floors (traffic.py) say neither L2 nor shared memory binds it, so this asks the stall counters.
#   BUDGET=420 bash benchmarks/device/stalls.sh        # on the device, .whl carried
#   KERNELS="gluon_winograd_resident gluon_direct_rs:AHEAD=False" WINNER=0 bash benchmarks/device/stalls.sh
: "${BUDGET:=420}"
: "${KERNELS:=gluon_direct_rs gluon_direct_rs:LOOKAHEAD=False gluon_winograd_resident}"  # session 17: the default builds
. benchmarks/device/setup.sh
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a $OUT/log.txt
for k in $KERNELS; do
  IFS=: read -r mod sets <<< "$k"
  args=; [ -n "$sets" ] && args=$(echo ",$sets" | sed 's/,/ --set /g')  # MOD alone: its default build
  tag=$mod$(echo "$sets" | tr '=,' '_-' | sed 's/^./_&/')  # one file pair per build
  [ "$(left 40)" -ge 40 ] || { stamp "out of budget before $mod"; break; }
  timeout $(left 120) ncu --clock-control none --kernel-name 'regex:conv_scale_min_(f23|direct)_r(s|esident)_kernel' \
    --launch-skip 4 --launch-count 1 --section WarpStateStats --section SourceCounters --section SpeedOfLight \
    -f -o /tmp/$tag python3 -m studies.conv2d_scale_min.$mod --check $args 2>&1 | grep -E 'check|ms \(median' | tee -a $OUT/log.txt
  ncu --import /tmp/$tag.ncu-rep --page details --section WarpStateStats --section SpeedOfLight > $OUT/${tag}_stalls.txt 2>&1
  ncu --import /tmp/$tag.ncu-rep --page source --csv --print-source sass > $OUT/${tag}_sass.csv 2>&1
  stamp "$mod ($args) under ncu: $(wc -l < $OUT/${tag}_sass.csv) SASS lines"
done
# This GPU's winner through the evaluator with --ncu, nvidia-smi sampling around it (setup.sh's winner).
if [ "${WINNER:-1}" = 1 ] && [ "$(left 60)" -ge 60 ]; then winner; fi
