"""The evaluating process (the judge): evaluate() and its one plan, the seeds, the clocks and every verdict.

The pools that run evaluations (executor), Ctrl-C's cancel, the one spawner (process.spawn, supervisor's
Child and run_worker), the jail it builds and polls (jail, usage), the warm zygotes it forks from (warm),
the parent side of ncu and of the race (racing.race), the baselines' cache and the roofline. Nothing
here runs candidate code; no other process imports this folder (tests/test_architecture.py).
"""
