"""Replies: generate suggestions, approve one, approve an edit of one, queue any text."""

from typing import Any

from fastapi import APIRouter

from nudge.faces.http.api_deps import AUTH_ERRORS, Parts, User, error_responses
from nudge.faces.http.api_models import (
    Approved,
    ApproveReply,
    CustomReply,
    GenerateReplies,
    OutgoingReply,
    Suggestions,
    UpdateReply,
)

router = APIRouter(tags=["replies"])


@router.post("/replies/generate", response_model=Suggestions, response_model_by_alias=True,
             responses=error_responses(*AUTH_ERRORS, 404))
def generate(body: GenerateReplies, p: Parts, user_id: User) -> dict[str, Any]:
    """n suggestions (1..6) for the chat's latest unanswered messages, each labelled with where
    it came from (`yours`, `llm`, `template`); their ids approve them."""
    from nudge.features.suggest import suggest_replies
    from nudge.store.users import display_name

    llm = p.llm()
    capable = p.capable()
    with p.borrow() as conn:
        found = suggest_replies(conn, user_id=user_id, chat=body.chat, llm=llm, n=body.n,
                                me=display_name(conn, user_id=user_id),
                                embed=llm.embed if llm is not None else None, capable=capable)
    return found.to_json()


@router.post("/replies/approve", response_model=Approved, responses=error_responses(*AUTH_ERRORS, 404))
def approve(body: ApproveReply, p: Parts, user_id: User) -> dict[str, Any]:
    """Approve a suggestion as it is; approved replies teach later suggestions."""
    from nudge.features.suggest import approve_suggestion

    with p.borrow() as conn:
        text = approve_suggestion(conn, user_id=user_id, suggestion_id=body.id)
    return {"id": body.id, "text": text, "approved": True}


@router.post("/replies/update-reply", response_model=Approved,
             responses=error_responses(*AUTH_ERRORS, 404))
def update_reply(body: UpdateReply, p: Parts, user_id: User) -> dict[str, Any]:
    """The user's edit of a suggestion becomes its approved text (the suggested one is kept)."""
    from nudge.features.suggest import approve_suggestion

    with p.borrow() as conn:
        text = approve_suggestion(conn, user_id=user_id, suggestion_id=body.id, edited_text=body.text)
    return {"id": body.id, "text": text, "approved": True}


@router.post("/replies/custom", response_model=OutgoingReply, status_code=201,
             responses=error_responses(*AUTH_ERRORS, 404))
def custom(body: CustomReply, p: Parts, user_id: User) -> dict[str, Any]:
    """Any text to a chat, queued in the outbox for the collector to send (400 while the
    outbox is off: turn it on with /settings outbox on or `nudge outbox on`)."""
    from nudge.features.replies import custom_reply, outgoing_json

    with p.borrow() as conn:
        return outgoing_json(custom_reply(conn, user_id=user_id, chat=body.chat, text=body.text))
