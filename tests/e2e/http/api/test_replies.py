"""POST /replies/generate|approve|update-reply|custom: the contract, users kept apart."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from tests.e2e.http.api.helpers import batch, msg


def seed(api) -> None:
    api.post("/messages", json=batch("Ana", msg(1, text="Thanks so much for the flowers!"),
                                     msg(2, text="Are you coming on Friday?")))


def generated(api, n: int = 3) -> dict:
    response = api.post("/replies/generate", json={"chat": "ana", "n": n})
    assert response.status_code == 200
    return response.json()


def test_generate_gives_n_labelled_stored_suggestions(api):
    seed(api)

    found = generated(api, n=2)

    assert found["chat"] == "Ana"
    assert [m["text"] for m in found["replying_to"]] == ["Thanks so much for the flowers!",
                                                         "Are you coming on Friday?"]
    assert len(found["replies"]) == 2
    assert all(r["id"] > 0 and r["text"] and r["from"] in {"yours", "llm", "template"}
               for r in found["replies"])


def test_approve_keeps_the_text_and_update_reply_stores_the_edit(api, sql):
    seed(api)
    first, second = generated(api)["replies"][:2]

    approved = api.post("/replies/approve", json={"id": first["id"]})
    edited = api.post("/replies/update-reply", json={"id": second["id"], "text": "Yes, see you Friday!"})

    assert approved.status_code == 200
    assert approved.json() == {"id": first["id"], "text": first["text"], "approved": True}
    assert edited.json() == {"id": second["id"], "text": "Yes, see you Friday!", "approved": True}
    row = sql.execute("SELECT text, suggested_text, approved FROM suggestions WHERE id = %s",
                      [second["id"]]).fetchone()
    assert row == ("Yes, see you Friday!", second["text"], True)


def test_custom_queues_any_text_in_the_outbox_once_it_is_on(api, sql):
    seed(api)
    off = api.post("/replies/custom", json={"chat": "ana", "text": "On my way"})
    sql.execute("UPDATE summary_preferences SET outbox_enabled = true WHERE user_profile_id = 1")

    response = api.post("/replies/custom", json={"chat": "ana", "text": "  On my way  "})

    assert off.status_code == 400 and "outbox is off" in off.json()["error"]
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("chat", "text", "source", "status")} == {
        "chat": "Ana", "text": "On my way", "source": "custom", "status": "queued"}
    assert sql.execute("SELECT user_profile_id, text, state FROM outbox").fetchall() == [
        (1, "On my way", "queued")]


def test_another_users_suggestion_ids_and_chats_answer_404(api, sql):
    seed(api)
    reply = generated(api)["replies"][0]

    approve = api.as_b.post("/replies/approve", json={"id": reply["id"]})
    update = api.as_b.post("/replies/update-reply", json={"id": reply["id"], "text": "mine now"})
    generate = api.as_b.post("/replies/generate", json={"chat": "Ana"})
    custom = api.as_b.post("/replies/custom", json={"chat": "Ana", "text": "hi"})

    assert [r.status_code for r in (approve, update, generate, custom)] == [404] * 4
    assert sql.execute("SELECT count(*) FROM suggestions WHERE approved").fetchone()[0] == 0
    assert sql.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


@pytest.mark.parametrize(("path", "body"), [
    ("/replies/generate", {"chat": "Ana", "n": 0}),
    ("/replies/generate", {"chat": "Ana", "n": 7}),
    ("/replies/generate", {"chat": "   "}),
    ("/replies/generate", {}),
    ("/replies/approve", {"id": "one"}),
    ("/replies/approve", {"id": 2**63}),
    ("/replies/update-reply", {"id": 1, "text": ""}),
    ("/replies/update-reply", {"id": 1, "text": "x" * 4097}),
    ("/replies/custom", {"chat": "Ana", "text": "nul \x00"}),
    ("/replies/custom", {"chat": "Ana"}),
])
def test_malformed_reply_requests_answer_400(api, path, body):
    seed(api)

    response = api.post(path, json=body)

    assert response.status_code == 400 and set(response.json()) == {"error"}


def test_unknown_ids_and_chats_answer_404(api):
    seed(api)

    assert api.post("/replies/approve", json={"id": 424242}).status_code == 404
    assert api.post("/replies/custom", json={"chat": "Zed", "text": "hi"}).status_code == 404
