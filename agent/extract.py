"""Turn an LLM reply into candidate code, and check the prompt's OUTPUT RULES on it.

    from agent.extract import extract
    code, problems = extract(reply_text)   # code None when there is no code block at all

The rules (the seed prompt's): imports, then `@triton.jit` kernels, then wrapper functions, then
`class ModelNew(nn.Module)`; no test code, no `if __name__`, no `get_inputs`/`get_init_inputs`.
Each problem is one sentence the next (repair) prompt can quote.
"""

from __future__ import annotations

import ast
import bisect
import re

from evaluator import MAX_SOURCE_BYTES, jit_functions

OPENING = re.compile(r"(`{3,})[ \t]*([\w+-]*)")
# A reply longer than this is not a kernel module with an explanation (the evaluator refuses sources over
# MAX_SOURCE_BYTES anyway): it is answered as a failure, without scanning it.
MAX_REPLY_CHARS = 4 * MAX_SOURCE_BYTES


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order: a line opening with three or more backticks (and a
    language) up to the next line that is the same backticks alone. One pass over the lines (an opening with
    no closing line is skipped), so a reply of many unclosed fences costs linear time, not quadratic."""
    lines = text.split("\n")
    closers = _closing_lines(lines)
    blocks, i = [], 0
    while i < len(lines):
        m = OPENING.match(lines[i])
        if m:
            at = closers.get(m.group(1), [])
            k = bisect.bisect_right(at, i)
            if k < len(at):
                j = at[k]
                blocks.append((m.group(2).lower(), "".join(line + "\n" for line in lines[i + 1 : j])))
                i = j + 1
                continue
        i += 1
    return blocks


def _unclosed(text: str) -> bool:
    """Whether the reply opens a python (or bare) fence that no later line closes (a reply cut at max-tokens)."""
    lines = text.split("\n")
    closers = _closing_lines(lines)
    for i, line in enumerate(lines):
        m = OPENING.match(line)
        if m and m.group(2).lower() in ("python", "py", "") and closers.get(m.group(1), [-1])[-1] <= i:
            return True
    return False


def _closing_lines(lines: list[str]) -> dict[str, list[int]]:
    """fence (its backticks) -> the indices of the lines that are that fence alone, in order."""
    closers: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        bare = line.rstrip(" \t")
        if bare.startswith("```") and not bare.strip("`"):
            closers.setdefault(bare, []).append(i)
    return closers


def pick_block(text: str) -> str | None:
    blocks = [b for lang, b in code_blocks(text) if lang in ("python", "py", "")]
    if not blocks:
        return None
    with_model = [b for b in blocks if "class ModelNew" in b]
    return (with_model or sorted(blocks, key=len))[-1]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def check_rules(code: str) -> list[str]:
    try:
        return _rules(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # a syntax error, or an expression nested past the parser's or unparser's depth: the evaluator's
        # static gate reports it with the line (or refuses the source as a recursion bomb)
        return []


def _rules(tree: ast.Module) -> list[str]:
    problems: list[str] = []
    kernels = jit_functions(tree)
    seen_other = seen_wrapper = seen_model = False
    for node in tree.body:
        if _is_docstring(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if seen_other:
                problems.append(f"line {node.lineno}: imports must all come first (rule 1.1).")
            continue
        seen_other = True
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            problems.append(f"line {node.lineno}: remove the `if __name__ == ...` block (rule 2).")
        elif isinstance(node, ast.FunctionDef):
            if node.name in ("get_inputs", "get_init_inputs"):
                problems.append(
                    f"line {node.lineno}: do not define {node.name} (rule 2); the evaluator owns the inputs."
                )
            elif node.name in kernels:
                if seen_wrapper or seen_model:
                    problems.append(
                        f"line {node.lineno}: kernel {node.name} must come before the wrapper "
                        "functions and ModelNew (rule 1.2)."
                    )
            else:
                seen_wrapper = True
                if seen_model:
                    problems.append(
                        f"line {node.lineno}: wrapper {node.name} must come before class ModelNew (rule 1.3)."
                    )
        elif isinstance(node, ast.ClassDef):
            seen_model = seen_model or node.name == "ModelNew"
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            problems.append(
                f"line {node.lineno}: top-level call `{ast.unparse(node)[:60]}` looks like test "
                "code; the module must only define things (rule 2)."
            )
    return problems


def extract(reply: str) -> tuple[str | None, list[str]]:
    if len(reply) > MAX_REPLY_CHARS:
        return None, [
            f"The reply is {len(reply):,} characters, over the {MAX_REPLY_CHARS:,} a reply may have; answer with "
            "one ```python block holding the whole module and a short explanation."
        ]
    code = pick_block(reply)
    if code is None:
        if not reply.strip():
            return None, ["The reply was empty; answer with one ```python block holding the whole module."]
        if _unclosed(reply):
            return None, [
                "The reply's ```python block is never closed: the reply was cut off (raise --max-tokens) or the "
                "closing ``` is missing; answer with one complete block holding the whole module."
            ]
        return None, [
            "The reply has no ```python code block; answer with one block holding the whole "
            "module (imports, kernels, wrappers, ModelNew)."
        ]
    return code, check_rules(code)
