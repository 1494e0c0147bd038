"""POST /summarization/start → a job id; GET /summarization/status/{id}; GET
/summarization/result/{id} → the digests, one per day."""

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from nudge.faces.http.api_deps import AUTH_ERRORS, Parts, User, check_day, error_responses
from nudge.faces.http.api_models import MAX_ID, Job, SummarizationResult, SummarizationStart
from nudge.faces.http.errors import ApiError

router = APIRouter(tags=["summarization"])

JobId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/summarization/start", response_model=Job, status_code=202,
             responses=error_responses(*AUTH_ERRORS, 404))
def start(body: SummarizationStart, p: Parts, user_id: User) -> dict[str, Any]:
    """Queue the digest of one day (`date`) or of each day of a range (`since`..`until`, at most
    31 days), for every chat or the `chats` named. Poll the status, then fetch the result."""
    from nudge.features.summarization import job_json, start_summarization

    if (body.date is None) == (body.since is None):
        raise ApiError(400, "give either date (one day) or since (and until) for a range")
    if body.date is not None and body.until is not None:
        raise ApiError(400, "until goes with since, not with date")
    since = check_day(body.date or body.since, "date" if body.date else "since")
    until = check_day(body.until, "until")
    with p.borrow() as conn:
        job = start_summarization(conn, user_id=user_id, since=since, until=until,  # type: ignore[arg-type]
                                  chats=body.chats)
    p.submit("summarization", {"user_id": user_id, "job_id": job.id})
    return job_json(job)


@router.get("/summarization/status/{job_id}", response_model=Job,
            responses=error_responses(*AUTH_ERRORS, 404))
def status(job_id: JobId, p: Parts, user_id: User) -> dict[str, Any]:
    """Where the job is: queued, running, done or failed (with the error)."""
    from nudge.features.summarization import job_json, job_status

    with p.borrow() as conn:
        return job_json(job_status(conn, user_id=user_id, job_id=job_id))


@router.get("/summarization/result/{job_id}", response_model=SummarizationResult,
            responses=error_responses(*AUTH_ERRORS, 404, 409))
def result(job_id: JobId, p: Parts, user_id: User) -> Any:
    """The digests of a done job, one per day, oldest first (each as `nudge digest --json`).
    409 while it is queued or running, or when it failed (`status` and `error` say which)."""
    from nudge.features.summarization import job_result

    with p.borrow() as conn:
        job, found = job_result(conn, user_id=user_id, job_id=job_id)
    if job.status != "done" or found is None:
        message = (f"job {job.id} failed: {job.error}" if job.status == "failed"
                   else f"job {job.id} is {job.status}; poll /summarization/status/{job.id}")
        return JSONResponse({"error": message, "status": job.status}, status_code=409)
    return {"id": job.id, "status": "done", **found}
