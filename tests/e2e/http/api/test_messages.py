"""GET /messages and POST /messages: the contract (filters, cursor pages, search, auth, users
kept apart), over the real app and a real Postgres."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from tests.e2e.http.api.helpers import batch, msg

ROUTES = [("GET", "/messages"), ("POST", "/messages"), ("POST", "/summarization/start"),
          ("GET", "/summarization/status/1"), ("GET", "/summarization/result/1"),
          ("POST", "/replies/generate"), ("POST", "/replies/approve"),
          ("POST", "/replies/update-reply"), ("POST", "/replies/custom"), ("GET", "/system/status")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Token api-token-user-1"])
def test_every_api_route_answers_401_without_a_valid_bearer_token(no_database, method, path,
                                                                  authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = no_database.request(method, path, json={}, headers=headers)

    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_api_routes_answer_503_when_no_token_is_configured(no_database, monkeypatch):
    monkeypatch.delenv("INGEST_API_TOKEN")
    monkeypatch.delenv("INGEST_USER_TOKENS")

    response = no_database.get("/messages", headers={"Authorization": "Bearer x"})

    assert response.status_code == 503 and "token" in response.json()["error"]


def seed(api) -> None:
    day1 = [msg(i, text=f"day one message {i}") for i in range(5)]
    day2 = [msg(i, day="2024-05-02", sender="Ben", text=f"party plans {i}") for i in range(3)]
    assert api.post("/messages", json=batch("Ana", *day1)).status_code == 200
    assert api.post("/messages", json=batch("Lisbon group", *day2, chat_type="group")).status_code == 200


def test_post_messages_stores_a_batch_once_and_counts_duplicates(api):
    first = api.post("/messages", json=batch("Ana", msg(1), msg(2)))
    again = api.post("/messages", json=batch("Ana", msg(1), msg(2), msg(3)))

    assert first.status_code == 200
    assert first.json() == {"chat": "Ana", "inserted": 2, "duplicates": 0, "skipped": 0}
    assert again.json() == {"chat": "Ana", "inserted": 1, "duplicates": 2, "skipped": 0}


@pytest.mark.parametrize(("body", "error"), [
    ({"chat": "Ana", "messages": []}, "chat: must be an object"),
    (batch("Ana", msg(0), {**msg(1), "from_me": "no"}), "messages[1].from_me"),
    (batch("Ana", {**msg(0), "text": "nul \x00 byte"}), "messages[0].text: must not contain a NUL"),
    (batch("Ana", {**msg(0), "sent_at": "0001-01-01T00:00:00+14:00"}), "messages[0].sent_at: out of range"),
])
def test_post_messages_answers_400_naming_the_wrong_field(api, body, error):
    response = api.post("/messages", json=body)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert api.get("/messages").json()["messages"] == []


def test_post_messages_takes_json_only(api):
    response = api.post("/messages", content=b"12/05/2024, 10:00 - Ana: hi",
                        headers={"Content-Type": "text/plain"})

    assert response.status_code == 415


def test_messages_come_newest_first_in_pages_that_neither_overlap_nor_skip(api):
    seed(api)
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get("/messages", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        body = page.json()
        seen += body["messages"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3 and len(seen) == 8
    assert len({m["id"] for m in seen}) == 8
    assert [m["sent_at"] for m in seen] == sorted((m["sent_at"] for m in seen), reverse=True)
    assert set(seen[0]) == {"id", "chat", "sender", "from_me", "sent_at", "kind", "text",
                            "sentiment", "critical", "score"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"chat": "lisbon"}, 3),
    ({"sender": "an"}, 5),
    ({"since": "2024-05-02"}, 3),
    ({"until": "2024-05-01"}, 5),
    ({"since": "2024-05-01", "until": "2024-05-01", "sender": "ben"}, 0),
])
def test_messages_filter_by_chat_sender_and_days(api, params, expected):
    seed(api)

    response = api.get("/messages", params=params)

    assert response.status_code == 200 and len(response.json()["messages"]) == expected


def test_q_searches_best_first_and_pages_by_its_own_cursor(api):
    seed(api)

    first = api.get("/messages", params={"q": "party", "limit": 2}).json()
    second = api.get("/messages", params={"q": "party", "limit": 2, "cursor": first["next_cursor"]}).json()

    assert [m["chat"] for m in first["messages"] + second["messages"]] == ["Lisbon group"] * 3
    assert all(m["score"] > 0 for m in first["messages"])
    assert second["next_cursor"] is None
    mixed = api.get("/messages", params={"cursor": first["next_cursor"]})
    assert mixed.status_code == 400 and "cursor" in mixed.json()["error"]


def test_sentiment_filters_on_the_enriched_score(api, sql):
    seed(api)
    sql.execute("UPDATE messages SET sentiment = 0.8 WHERE text = 'party plans 1'")

    response = api.get("/messages", params={"sentiment": "positive"})

    assert [m["text"] for m in response.json()["messages"]] == ["party plans 1"]


@pytest.mark.parametrize(("params", "status"), [
    ({"chat": "nobody"}, 404), ({"cursor": "garbage!"}, 400), ({"limit": 0}, 400),
    ({"limit": 201}, 400), ({"since": "2024-13-01"}, 400), ({"until": "9999-12-31"}, 400),
    ({"since": "2024-05-03", "until": "2024-05-01"}, 400), ({"sentiment": "happy"}, 400),
    ({"sender": "a\x00b"}, 400),
])
def test_bad_filters_answer_with_the_error_in_words(api, params, status):
    seed(api)

    response = api.get("/messages", params=params)

    assert response.status_code == status and set(response.json()) == {"error"}


def test_another_users_messages_are_invisible_and_their_chat_names_unknown(api):
    seed(api)

    theirs = api.as_b.get("/messages")
    by_name = api.as_b.get("/messages", params={"chat": "Ana"})

    assert theirs.status_code == 200 and theirs.json() == {"messages": [], "next_cursor": None}
    assert by_name.status_code == 404
