"""With the real tiny model on loopback: a few calls only (intent fallback, digest, grounded answer).

The model's words are not asserted (they vary, and on a loaded machine a call may time out, which
is the fallback path): what is asserted is that the answers arrive, valid, with the facts in them.
"""

from __future__ import annotations

import pytest

from nudge.features.importing import import_export
from nudge.whatsapp import parse_bytes
from tests.fake_telegram import open_webhook_stack

pytestmark = pytest.mark.slow

TRIP = b"""13/05/2024, 18:00 - Emre: The party starts at 8 on Saturday at my place
13/05/2024, 18:05 - Ben: I'll bring the speakers for the party
13/05/2024, 18:30 - Emre: Sam, can you book the taxi?
"""


@pytest.fixture
def llm_stack(db_url, db, fake_telegram, aws_dynamodb, tmp_path, llm_base_url):
    import_export(db, parse_bytes(TRIP, source="WhatsApp Chat with Trip.txt"), user_id=1, me="Sam")
    with open_webhook_stack(db_url, fake_telegram, aws_dynamodb, tmp_path,
                            LLM_BASE_URL=llm_base_url) as stack:
        yield stack


def test_the_real_model_phrases_the_digest_and_the_search_answer(llm_stack):
    [digest] = llm_stack.say("/digest 2024-05-13")
    assert "3 messages from Emre (2), Ben (1)." in digest  # the facts sentence stays
    assert "Sam, can you book the taxi?" in digest
    [found] = llm_stack.say("/search party")
    assert "Trip · Emre · 2024-05-13 18:00" in found
    assert "The party starts at 8 on Saturday" in found
    assert llm_stack.fake.errors == []


def test_the_real_model_routes_what_no_rule_knows(llm_stack):
    [answer] = llm_stack.say("Emre party")
    assert answer  # some intent was chosen and answered; no error reached the user
    assert llm_stack.fake.errors == []
