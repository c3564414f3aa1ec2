"""What runs inside the jail: the candidate's process and nothing else.

    python -m evaluator.child.boot JOB RFD WFD ...   # evaluator.parent.supervisor.Child, under evaluator.parent.jail

boot confines the process (read-only view, private /tmp and /dev/shm, no capabilities, own session), then
candidate imports ModelNew and answers the judge's requests over a pipe (evaluator.shared.wire): each call's
outputs go to files the oracle reads; trial, audit and guards are the in-process checks around every call.
Nothing here decides a verdict: the judge and the oracle, outside, do.
"""
