"""GET /system/status: 200 when every part works, 503 naming the parts that fail."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nudge.faces.http.api_deps import Parts, error_responses
from nudge.faces.http.api_models import SystemStatus
from nudge.faces.http.auth import require_bearer

router = APIRouter(tags=["system"])


FAILING = {"description": "a part fails (`failing` names it), or no token is configured",
           "content": {"application/json": {"schema": {"anyOf": [
               {"$ref": "#/components/schemas/SystemStatus"},
               {"$ref": "#/components/schemas/Error"}]}}}}


@router.get("/system/status", response_model=SystemStatus,
            responses={**error_responses(400, 401), 503: FAILING})
async def system_status(p: Parts,
                        user_id: Annotated[int, Depends(require_bearer)]) -> Any:
    """The database, the LLM service, the backlog (messages waiting for enrichment, summarization
    jobs waiting) with its age, and the user's last import, digest and reminder. (No profile is
    created here: this must answer when the database does not.)"""
    from nudge.features.status import system_status as check

    def llm_health() -> bool:
        llm = p.llm()
        return llm is not None and llm.health()

    report = await run_in_threadpool(check, p.borrow, llm_health if p.llm() is not None else None,
                                     user_id=user_id)
    return JSONResponse(report.to_json(), status_code=200 if report.ok else 503)
