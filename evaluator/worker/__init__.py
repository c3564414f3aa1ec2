"""Worker processes started by the parent and reporting through a file: the baselines of the reference
(trusted), the race of evaluated contenders (worker.race, in the candidate's jail through
evaluator.child.boot --exec) and the profiler's target under ncu (profile_target, in the jail too).

    python -m evaluator.worker.worker JOB.json REPORT.json       # started by evaluator.parent.supervisor.run_worker

Never imports the parent (tests/test_architecture.py).
"""
