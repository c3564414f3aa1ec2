"""The oracle: its own trusted process, the reference and the comparison that is the verdict.

    python -m evaluator.oracle.oracle JOB.json READ_FD WRITE_FD      # started by evaluator.parent.judge

The memory plan, reference outputs in true fp32 and their calibration, the comparison on the device, and
the blame that names an ignored parameter. Never imports the candidate nor the child's code
(tests/test_architecture.py); ncu's profiled process runs the same reference and comparison
(reference.checked_reference, in worker.profile_target).
"""
