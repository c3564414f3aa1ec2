"""The one command-line parser rule of the project: bad input is one line on stderr and exit 2, never usage +
error (evaluator's CLI and every `agent` verb use it; agent reaches it through the face).

    from evaluator import CliParser
    ap = CliParser(prog="python -m agent.run")                # error: ... (see python -m agent.run --help), exit 2
    ap = CliParser(prog="...", raises=UsageError)             # a verb that prints its own one-line errors

A timeout flag takes `type=seconds` (a finite number above 0), so `--compile-timeout 0` or `-5` is bad input
(one line, exit 2) rather than a candidate blamed for a timeout it never had the time to avoid.
"""

from __future__ import annotations

import argparse
import functools
import math
import typing


def seconds(text: str) -> float:
    """argparse type: a timeout's seconds, a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds (a number above 0), got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


class CliParser(argparse.ArgumentParser):
    """argparse with the project's bad-input rule: one line on stderr, exit 2 (argparse would print the
    usage too). `raises`: raise that exception with the message instead, for a verb whose main prints
    its own one-line errors (the same rule, one place to print them); subcommands inherit it."""

    def __init__(self, *args, raises: type[Exception] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.raises = raises

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(type(self), raises=self.raises))
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> typing.NoReturn:
        if self.raises is not None:
            raise self.raises(message)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")
