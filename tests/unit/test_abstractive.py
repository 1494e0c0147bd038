from datetime import datetime, timedelta
from typing import Any

import pytest

from nudge.errors import LLMBadOutput, LLMUnavailable
from nudge.rules.abstractive import SCHEMA, abstractive_gist, chunks, is_prose, tokens, transcript_lines
from nudge.rules.gist import DayMessage

T0 = datetime(2024, 5, 3, 9, 0)


def chat(*lines: tuple[str, str]) -> list[DayMessage]:
    return [DayMessage(k, s, T0 + timedelta(minutes=k), t) for k, (s, t) in enumerate(lines)]


COOKIES = chat(("Amanda", "I baked cookies. Do you want some?"), ("Jerry", "Sure!"),
               ("Amanda", "I'll bring you some tomorrow :-)"))


class FakeModel:
    """Answers from a script and records every prompt it was given."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.prompts: list[list[dict[str, Any]]] = []

    def chat_json(self, messages: list[dict[str, Any]], *, schema: dict[str, Any],
                  max_tokens: int = 256) -> dict[str, Any]:
        assert schema == SCHEMA
        self.prompts.append(messages)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_short_day_is_summarised_in_one_call_with_names():
    model = FakeModel({"gist": "Amanda baked cookies and will bring Jerry some tomorrow."})
    assert abstractive_gist(COOKIES, model) == "Amanda baked cookies and will bring Jerry some tomorrow."
    assert len(model.prompts) == 1
    assert "Amanda: I'll bring you some tomorrow :-)" in model.prompts[0][-1]["content"]


def test_a_long_day_is_chunked_then_the_summaries_are_merged():
    day = chat(*[("Ana" if k % 2 else "Ben", f"Message {k} about the trip to Lisbon and the hotel")
                 for k in range(60)])
    model = FakeModel({"gist": "Ana and Ben plan the trip to Lisbon."})
    gist = abstractive_gist(day, model, context_tokens=600, max_tokens=60)
    assert gist == "Ana and Ben plan the trip to Lisbon."
    *maps, final = model.prompts
    assert len(maps) >= 3
    # Every message went to exactly one map call, in order, and each call fits the context.
    sent = [line for p in maps for line in p[-1]["content"].splitlines()[1:]]
    assert sent == transcript_lines(day)
    assert all(sum(tokens(m["content"]) for m in p) + 60 <= 600 for p in model.prompts)
    assert final[0]["content"].startswith("Below are summaries")
    assert final[-1]["content"].count("Part ") == len(maps)


def test_many_chunk_summaries_are_merged_in_rounds():
    day = chat(*[("Ana", f"Line {k} about the Lisbon trip and the hotel and the plane") for k in range(300)])
    model = FakeModel({"gist": "Ana talks about the Lisbon trip, the hotel and the plane. " * 3})
    assert abstractive_gist(day, model, context_tokens=500, max_tokens=60) is not None
    reduces = [p for p in model.prompts if p[0]["content"].startswith("Below are summaries")]
    assert len(reduces) >= 2
    assert reduces[-1][-1]["content"].count("Part ") < len(model.prompts) - len(reduces)


def test_chunks_keep_lines_in_order_within_the_budget():
    parts = chunks(["a" * 35] * 10, budget=36)  # 11 tokens + 1 for the newline each
    assert [len(p) for p in parts] == [3, 3, 3, 1]


def test_an_invented_name_or_number_gives_none():
    assert abstractive_gist(COOKIES, FakeModel({"gist": "Amanda will bring Sarah cookies."})) is None
    assert abstractive_gist(COOKIES, FakeModel({"gist": "Amanda baked 12 cookies for Jerry."})) is None


def test_an_answer_that_is_not_prose_gives_none():
    for gist in ["Amanda: I baked cookies", "- Amanda baked cookies\n- Jerry wants some", "{}", "Cookies."]:
        assert abstractive_gist(COOKIES, FakeModel({"gist": gist})) is None
    assert is_prose("Amanda baked cookies for Jerry.")


def test_bad_json_gives_none():
    assert abstractive_gist(COOKIES, FakeModel(LLMBadOutput("truncated JSON"))) is None
    assert abstractive_gist(COOKIES, FakeModel({"summary": "Amanda baked cookies."})) is None


def test_an_unavailable_model_propagates_so_the_caller_can_fall_back():
    with pytest.raises(LLMUnavailable) as raised:
        abstractive_gist(COOKIES, FakeModel(LLMUnavailable("connection refused")))
    assert not isinstance(raised.value, LLMBadOutput)


def test_a_day_without_messages_asks_nothing():
    model = FakeModel({"gist": "unused"})
    assert abstractive_gist([], model) is None
    assert model.prompts == []
