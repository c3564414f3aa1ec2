"""A child of the evaluating process dies with it: imported by every process the parent starts (the oracle,
the workers, the warm zygotes), so it lives with the shared code.

    from evaluator.shared.lifeline import die_with_parent
    die_with_parent()                          # first thing in a child's main
"""

from __future__ import annotations

import os
import signal


def die_with_parent() -> None:
    """If the evaluating process dies (a lost Ray worker, a killed run), this child dies too: nobody
    would enforce its limits any more. Linux's PR_SET_PDEATHSIG; elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = int(os.environ.get("KLOOP_PARENT_PID", "0"))
    if parent and os.getppid() not in (parent, 0):  # it died before the request took effect (0: a PID namespace)
        os._exit(1)
