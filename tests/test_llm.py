"""The openai provider through the official SDK against a real local HTTP server; replay; extraction."""

from __future__ import annotations

import time

import pytest
from chat_server import ChatServer

from agent.extract import MAX_REPLY_CHARS, code_blocks, extract
from agent.llm import LLMUnavailable, ReplayExhausted
from agent.llm.openai_chat import OpenAILLM
from agent.llm.replay import ReplayLLM

MESSAGES = [{"role": "user", "content": "write a kernel please"}]


def llm(srv: ChatServer, **kw) -> OpenAILLM:
    kw.setdefault("timeout_s", 10)
    return OpenAILLM("test-model", base_url=srv.url, api_key="sk-test", **kw)


def test_n_samples_are_n_requests_with_usage():
    with ChatServer([("ok", "one"), ("ok", "two"), ("ok", "three")]) as srv:
        out = llm(srv, concurrency=2).complete(MESSAGES, n=3)
    assert sorted(c.text for c in out) == ["one", "three", "two"]
    assert len(srv.requests) == 3 and all(r["model"] == "test-model" for r in srv.requests)
    assert all(c.error is None and c.prompt_tokens == 4 and c.completion_tokens == 1 for c in out)
    assert all(c.model == "test-model" and c.latency_s > 0 for c in out)


def test_429_then_success_is_retried_by_the_sdk():
    with ChatServer([("status", 429), ("ok", "after rate limit")]) as srv:
        [c] = llm(srv).complete(MESSAGES, n=1)
    assert c.error is None and c.text == "after rate limit"
    assert len(srv.requests) == 2


def test_500_then_success_is_retried_by_the_sdk():
    with ChatServer([("status", 500), ("ok", "recovered")]) as srv:
        [c] = llm(srv).complete(MESSAGES, n=1)
    assert c.error is None and c.text == "recovered" and len(srv.requests) == 2


def test_persistent_5xx_after_the_retries_means_the_endpoint_is_unavailable():
    with ChatServer([("status", 500)]) as srv:
        with pytest.raises(LLMUnavailable, match="kept failing: 500.*after 1 retry"):
            llm(srv, max_retries=1).complete(MESSAGES, n=1)
    assert len(srv.requests) == 2  # the SDK's own retry, then the error


def test_timeout_is_bounded_and_stops_the_run():
    with ChatServer([("sleep", 5)]) as srv:
        t0 = time.monotonic()
        with pytest.raises(LLMUnavailable, match="did not answer within"):
            llm(srv, timeout_s=0.5, max_retries=0).complete(MESSAGES, n=1)
    assert time.monotonic() - t0 < 4


def test_a_refused_request_is_a_failed_completion_not_a_dead_endpoint():
    with ChatServer([("status", 400)]) as srv:  # e.g. a prompt over the context length: this prompt's fault
        [c] = llm(srv, max_retries=0).complete(MESSAGES, n=1)
    assert c.text == "" and "BadRequestError" in c.error


def test_replies_that_arrived_before_the_endpoint_failed_are_handed_back():
    with ChatServer([("ok", "first"), ("status", 401)]) as srv:
        with pytest.raises(LLMUnavailable, match="refused the credentials") as e:
            llm(srv, max_retries=0, concurrency=1).complete(MESSAGES, n=2)
    assert {k: c.text for k, c in e.value.replies.items()} == {0: "first"}


def test_empty_and_codeless_replies_are_explained():
    with ChatServer([("ok", ""), ("ok", "I would fuse the loops.")]) as srv:
        empty, prose = (llm(srv, concurrency=1).complete(MESSAGES, n=1)[0] for _ in range(2))
    assert extract(empty.text) == (None, [extract("")[1][0]]) and "empty" in extract(empty.text)[1][0]
    code, problems = extract(prose.text)
    assert code is None and "no ```python code block" in problems[0]


def test_extract_takes_the_modelnew_block_and_checks_output_rules():
    reply = (
        "First a sketch:\n```python\nx = 1\n```\nThe module:\n```python\nimport torch\n"
        "print('hi')\nclass ModelNew(torch.nn.Module):\n    pass\n"
        "def get_inputs():\n    return []\n```\n"
    )
    code, problems = extract(reply)
    assert code.startswith("import torch") and "class ModelNew" in code
    assert any("print('hi')" in p and "test code" in p for p in problems)
    assert any("get_inputs" in p for p in problems)


def test_extract_fences_in_one_pass_like_markdown():
    # a closing line is the opening's backticks alone; a longer fence holds a shorter one; an opening with no
    # closing line is skipped (the red team's 40,000 unclosed fences took 100 s with the old regex)
    reply = "````\ny\n```\n````\n```py extra\nz\n```  \n```\nunclosed"
    assert code_blocks(reply) == [("", "y\n```\n"), ("py", "z\n")]
    assert code_blocks("```\na\n```x\nb\n```\n") == [("", "a\n```x\nb\n")]
    assert code_blocks("```x\n" * 40_000) == []
    code, problems = extract("````x\n" * 40_000 + "```python\nclass ModelNew:\n    pass\n```\n")
    assert code == "class ModelNew:\n    pass\n" and problems == []


def test_extract_answers_a_reply_too_deep_or_too_long_as_a_problem_not_a_crash():
    # a top-level call nested past ast.unparse's recursion limit (the output rules quote top-level calls)
    code, problems = extract("```python\nf(" + "+".join(["a"] * 800) + ")\n```")
    assert code.startswith("f(a+a") and problems == []  # the evaluator's static gate judges it
    assert extract("```python\nf(" + "+".join(["a"] * 6000) + ")\n```")[1] == []  # past the parser's depth
    code, problems = extract("x" * (MAX_REPLY_CHARS + 1))
    assert code is None and f"{MAX_REPLY_CHARS:,}" in problems[0]


def test_extract_says_a_cut_off_block_is_unclosed():
    code, problems = extract("Here is the kernel:\n```python\nimport torch\nclass ModelNew:\n    def f(self):")
    assert code is None and "never closed" in problems[0] and "--max-tokens" in problems[0]
    assert "no ```python code block" in extract("just prose, no code")[1][0]


def test_replay_from_folder_in_order_then_exhausted(tmp_path):
    (tmp_path / "b.md").write_text("second")
    (tmp_path / "a.md").write_text("first")
    (tmp_path / "notes.json").write_text("ignored")
    r = ReplayLLM(tmp_path)
    assert [c.text for c in r.complete(MESSAGES, 2)] == ["first", "second"]
    try:
        r.complete(MESSAGES, 1)
    except ReplayExhausted as e:
        assert "after 2" in str(e)
    else:
        raise AssertionError("replay did not say it ran out")
