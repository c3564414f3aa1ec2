"""The `kernel-loop` console script: one command in front of the `python -m` entry points.

    kernel-loop run --stage fusion            # = python -m agent.run --stage fusion
    kernel-loop runs list                     # = python -m agent.runs list
    kernel-loop promote RUN                   # = python -m agent.promote RUN
    kernel-loop eval cand.py --problem NAME   # = python -m evaluator cand.py --problem NAME
    kernel-loop prompt --stage fusion         # = python -m agent.prompt --stage fusion
    kernel-loop suite ... / problem ...       # = python -m agent.suite / python -m agent.problem
    kernel-loop batch DIR --problems P...     # = python -m agent.batch DIR --problems P...

Each verb hands the rest of the command line to that module's `main(argv)`, so flags, help texts and
exit codes are the module's own (0 success, 1 negative verdict, 2 bad input, 3 LLM unreachable,
4 the evaluator cannot judge, 130 interrupted).
Every verb's parser is a `CliParser`: bad input is one line on stderr and exit 2, never usage + error.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys

from evaluator import CliParser  # noqa: F401 - the one parser rule; agent's verbs import it from here

VERBS = {  # verb -> (module with main(argv), what it does)
    "run": ("agent.run", "the optimization loop on one problem"),
    "suite": ("agent.suite", "the loop on many problems, one table"),
    "runs": ("agent.runs", "list, show, diff and report runs"),
    "promote": ("agent.promote", "re-check a run's winner and write kernels/<problem>/best.py"),
    "problem": ("agent.problem", "add or inspect a problem"),
    "eval": ("evaluator.__main__", "evaluate one candidate file"),
    "prompt": ("agent.prompt", "print a stage prompt"),
    "batch": ("agent.batch", "evaluate a folder of kernels against their problems, one table"),
}


def usage() -> str:
    width = max(map(len, VERBS))
    rows = "\n".join(f"  {verb:<{width}}  {what}" for verb, (_, what) in VERBS.items())
    return (
        f"usage: kernel-loop VERB [ARGS...]   (kernel-loop VERB --help for its flags)\n\n{rows}\n\n"
        "exit codes: 0 success, 1 negative verdict, 2 bad input, 3 LLM unreachable,\n"
        "            4 the evaluator cannot judge, 130 interrupted"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"error: unknown command {verb!r} (choose from {', '.join(VERBS)})", file=sys.stderr)
        return 2
    name = VERBS[verb][0]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name != name:
            raise
        print(f"error: `kernel-loop {verb}` is not part of this version ({name} is missing)", file=sys.stderr)
        return 2
    # A module whose main takes `prog` names itself as typed here (`usage: kernel-loop eval ...`).
    takes_prog = "prog" in inspect.signature(module.main).parameters
    try:
        return (module.main(rest, prog=f"kernel-loop {verb}") if takes_prog else module.main(rest)) or 0
    except BrokenPipeError:  # `kernel-loop ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
