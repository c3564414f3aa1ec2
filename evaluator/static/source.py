"""What Python and Triton read from the candidate's source text that its AST does not show.

    from evaluator.static.source import source_findings
    found = source_findings(code, tree, kernels)   # [] for an honest module

The gate judges `ast.parse(code)`. Two readers take something else from the same file:
- the importer decodes the file by its PEP 263 coding declaration (`# -*- coding: unicode_escape -*-` turns a
  comment's `\\u000a` into a new line of code), so a module declares no encoding but UTF-8 (or ASCII);
- Triton reads a jit function's code from its source lines (inspect.getsourcelines), not from the function
  object: the interpreter recompiles from the last line that starts with `def ` (FunctionRewriter._find_def), the
  GPU compiler from the first (`^def\\s+\\w+\\s*\\(` after dedent). A string, a backslash-joined line included,
  holding such a line would be taken for the definition, so between a jit function's first decorator and its
  last line only its own `def` line may start with `def `, and it does, with one space (after `def\t` the
  interpreter finds no definition and compiles the function's last line alone). A decorator's expression starts
  on its `@` line (co_firstlineno is that expression's line), no other line of the function starts with a bare
  `def`, and inspect's block from the first decorator ends where the function does.
"""

from __future__ import annotations

import ast
import codecs
import inspect
import re

from evaluator.static.finding import Finding

# PEP 263: a comment on line 1 or 2 matching this declares the file's encoding
CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
SAME_TEXT = {"utf-8", "ascii"}  # codecs whose decoding of the UTF-8 file the evaluator writes is the gate's text


def source_findings(code: str, tree: ast.Module, kernels: set[str]) -> list[Finding]:
    # lines as the importer, linecache and the tokenizer split them (\r\n, \r or \n; not str.splitlines, which
    # also splits at \x0c, \x1c or \u2028 inside a string)
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _coding(lines) + _definition_lines(lines, tree, kernels)


def _coding(lines: list[str]) -> list[Finding]:
    for i, line in enumerate(lines[:2], 1):
        m = CODING.match(line)
        if m is None:
            continue
        try:
            name = codecs.lookup(m.group(1)).name
        except LookupError:
            name = m.group(1)
        if name not in SAME_TEXT:
            return [
                Finding(
                    "dynamic_access",
                    i,
                    f"Line {i}: the coding declaration `{m.group(1)}` makes Python decode this file differently from "
                    "the text the checks read; declare none (the file is UTF-8).",
                )
            ]
        return []
    return []


def _definition_lines(lines: list[str], tree: ast.Module, kernels: set[str]) -> list[Finding]:
    found = []
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name in kernels:
            found += _decorator_lines(lines, fn) or _read_lines(lines, fn)
    return found


def _decorator_lines(lines: list[str], fn: ast.FunctionDef) -> list[Finding]:
    """Each decorator's expression starts on its `@` line. Python's co_firstlineno is the first decorator's
    expression line, and inspect walks back from there to a line that starts with `@`, `def` or holds a `lambda`:
    after `@(` or `@\\` on a line of its own, a lambda in the decorator would start the block Triton compiles."""
    for d in fn.decorator_list:
        if d.lineno <= len(lines) and lines[d.lineno - 1][: d.col_offset].strip() == "@":
            continue
        return [
            Finding(
                "jit_body",
                d.lineno,
                f"Line {d.lineno}: write the decorator `@{ast.unparse(d)[:40]}` on one line with its `@`; Triton "
                "reads a jit function's code from the line its first decorator's expression starts on.",
            )
        ]
    return []


def _read_lines(lines: list[str], fn: ast.FunctionDef) -> list[Finding]:
    """The lines Triton reads are the function's own: its def line is the one definition line, and inspect's block
    (inspect.getblock from the first decorator, as inspect.getsourcelines finds it) ends where the def does."""
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
    end = fn.end_lineno or fn.lineno
    found = []
    own = lines[fn.lineno - 1] if fn.lineno <= len(lines) else ""
    if not own.strip().startswith("def "):  # `def\t_k(...)`: the interpreter finds no definition line at all
        found.append(
            Finding(
                "jit_body",
                fn.lineno,
                f"Line {fn.lineno}: write `def {fn.name}(` with one space after `def`, the line Triton's "
                "interpreter looks for when it reads the function's code from its source.",
            )
        )
    for n in range(first, end + 1):  # `def` alone on a line: the GPU compiler's `^def\s+\w+\s*\(` spans lines
        if n != fn.lineno and n <= len(lines) and re.match(r"\s*def(\s|$)", lines[n - 1]):
            found.append(
                Finding(
                    "jit_body",
                    n,
                    f"Line {n}: a line of `{fn.name}` other than its definition starts with `def` (inside a "
                    "string); Triton reads a jit function's code from its source lines and would take it for the "
                    "definition. Reword it.",
                )
            )
    block = len(inspect.getblock([line + "\n" for line in lines[first - 1 :]]))
    if not found and first + block - 1 != end:
        found.append(
            Finding(
                "jit_body",
                first,
                f"Line {first}: Triton would read lines {first} to {first + block - 1} as the code of `{fn.name}`, "
                f"which runs from line {first} to {end}; write the function so that its lines are its own.",
            )
        )
    return found
