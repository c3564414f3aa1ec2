"""Worker processes started by the parent and reporting through a file: the baselines of the reference
(trusted) and the profiler's target under ncu (profile_target, in the candidate's jail through
evaluator.child.boot --exec).

    python -m evaluator.worker.worker JOB.json REPORT.json       # started by evaluator.parent.supervisor.run_worker

Never imports the parent (tests/test_architecture.py).
"""
