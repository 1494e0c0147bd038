"""POST /summarization/start, GET /summarization/status|result/{id}, and the job runner the
queue calls (features.summarization.run_summarization_job)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from tests.e2e.http.api.helpers import batch, msg


def seed(api) -> None:
    api.post("/messages", json=batch("Ana", msg(1, text="Can you bring the cake tomorrow?"),
                                     msg(2, text="It starts at 8")))
    api.post("/messages", json=batch("Ben", msg(3, day="2024-05-02", sender="Ben", text="Lunch on Friday?")))


def run(settings, job_id: int, user_id: int = 1) -> str:
    from nudge.features.summarization import run_summarization_job
    from nudge.store.db import open_database

    with open_database(settings) as conn:
        return run_summarization_job(conn, None, user_id=user_id, job_id=job_id)


def test_start_queues_a_job_and_hands_it_to_the_queue(api, submitted):
    seed(api)

    response = api.post("/summarization/start", json={"date": "2024-05-01"})

    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued" and job["since"] == job["until"] == "2024-05-01"
    assert job["chats"] is None
    assert submitted.jobs == [("summarization", {"user_id": 1, "job_id": job["id"]})]
    assert api.get(f"/summarization/status/{job['id']}").json()["status"] == "queued"


def test_the_result_waits_for_the_runner_then_holds_one_digest_per_day(api, settings):
    seed(api)
    job = api.post("/summarization/start", json={"since": "2024-05-01", "until": "2024-05-03"}).json()

    early = api.get(f"/summarization/result/{job['id']}")
    final = run(settings, job["id"])
    status = api.get(f"/summarization/status/{job['id']}").json()
    result = api.get(f"/summarization/result/{job['id']}")

    assert early.status_code == 409 and early.json()["status"] == "queued"
    assert final == "done" and status["status"] == "done" and status["finished_at"]
    assert result.status_code == 200
    digests = result.json()["digests"]
    assert [d["date"] for d in digests] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert [[c["chat"] for c in d["chats"]] for d in digests] == [["Ana"], ["Ben"], []]
    assert digests[0]["chats"][0]["needs_reply"][0]["text"] == "Can you bring the cake tomorrow?"
    assert digests[0]["llm"] == "unavailable"


def test_chats_limit_the_digests_and_are_resolved_like_everywhere(api, settings):
    seed(api)
    job = api.post("/summarization/start", json={"since": "2024-05-01", "until": "2024-05-02",
                                                 "chats": ["ben"]}).json()

    run(settings, job["id"])

    assert job["chats"] == ["Ben"]
    digests = api.get(f"/summarization/result/{job['id']}").json()["digests"]
    assert [[c["chat"] for c in d["chats"]] for d in digests] == [[], ["Ben"]]


def test_a_job_delivered_twice_runs_once(api, settings, sql):
    seed(api)
    job = api.post("/summarization/start", json={"date": "2024-05-01"}).json()

    assert run(settings, job["id"]) == "done"
    finished = sql.execute("SELECT finished_at FROM summary_jobs").fetchone()[0]
    assert run(settings, job["id"]) == "done"
    assert sql.execute("SELECT finished_at FROM summary_jobs").fetchone()[0] == finished


def test_a_job_whose_worker_died_is_taken_over_after_the_stale_time(api, settings, sql):
    seed(api)
    job = api.post("/summarization/start", json={"date": "2024-05-01"}).json()
    sql.execute("UPDATE summary_jobs SET status = 'running', started_at = now() - interval '1 hour'")

    assert run(settings, job["id"]) == "done"


def test_a_failed_job_says_why(api, settings, sql):
    seed(api)
    job = api.post("/summarization/start", json={"date": "2024-05-01"}).json()
    sql.execute("UPDATE summary_jobs SET status = 'failed', error = 'the LLM left'")

    result = api.get(f"/summarization/result/{job['id']}")

    assert result.status_code == 409
    assert result.json() == {"error": f"job {job['id']} failed: the LLM left", "status": "failed"}


def test_another_users_job_is_404_for_status_result_and_runner(api, settings):
    seed(api)
    job = api.post("/summarization/start", json={"date": "2024-05-01"}).json()

    assert api.as_b.get(f"/summarization/status/{job['id']}").status_code == 404
    assert api.as_b.get(f"/summarization/result/{job['id']}").status_code == 404
    assert api.get("/summarization/status/999999").status_code == 404
    from nudge.errors import NotFound

    with pytest.raises(NotFound):
        run(settings, job["id"], user_id=2)


@pytest.mark.parametrize(("body", "status", "error"), [
    ({}, 400, "either date"),
    ({"date": "2024-05-01", "since": "2024-05-01"}, 400, "either date"),
    ({"date": "2024-05-01", "until": "2024-05-02"}, 400, "until goes with since"),
    ({"since": "2024-05-03", "until": "2024-05-01"}, 400, "until must not be before since"),
    ({"since": "2024-01-01", "until": "2024-03-01"}, 400, "at most 31 days"),
    ({"date": "0001-01-01"}, 400, "date: must be between"),
    ({"date": "2024-05-01", "chats": ["nobody"]}, 404, "no chat called"),
    ({"date": "2024-05-01", "chats": [""]}, 400, "chats.0"),
    ({"date": "yesterday"}, 400, "date"),
    ({"date": "2024-05-01", "extra": 1}, 400, "extra"),
])
def test_bad_starts_answer_with_the_error_in_words(api, submitted, body, status, error):
    seed(api)

    response = api.post("/summarization/start", json=body)

    assert response.status_code == status
    assert error in response.json()["error"]
    assert submitted.jobs == []


@pytest.mark.parametrize("job_id", ["0", "-1", "abc", str(2**63)])
def test_job_ids_outside_the_id_range_answer_400(api, job_id):
    assert api.get(f"/summarization/status/{job_id}").status_code == 400
