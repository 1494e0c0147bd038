"""One OpenAPI document for every route of the HTTP API (the api, ingest and lock apps, and the
Telegram webhook), served at /openapi.json and /docs and committed as docs/openapi.json.

FastAPI writes the api app's part from its models. The ingest and lock apps read raw bodies (to
name the wrong field and enforce size limits), so their bodies are described here by hand, as is
the webhook (Telegram's Update; its app needs the bot's settings to be built). Validation errors
answer 400 here, never FastAPI's 422, so the document says 400.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR = {"$ref": "#/components/schemas/Error"}
PUBLIC = {("/health", "get"), ("/telegram/webhook", "post")}
DOCUMENT_PATH = Path("docs") / "openapi.json"

_STRING = {"type": "string"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "malformed request (the field is named)", 401: "missing or wrong bearer token",
             409: "conflict (see error)", 413: "request too large",
             415: "unsupported Content-Type", 503: "no token configured"}
    return {str(s): {"description": words[s], **_json(ERROR)} for s in statuses}


BATCH = {
    "type": "object", "title": "Batch", "required": ["chat", "messages"],
    "description": "A collector's batch. sent_at: ISO-8601; without an offset it is the chat's "
                   "wall-clock time, with one it is converted to NUDGE_TIMEZONE.",
    "properties": {
        "chat": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 500},
            "type": {"anyOf": [{"type": "string", "enum": ["one_to_one", "group"]},
                               {"type": "null"}]}}},
        "messages": {"type": "array", "maxItems": 10000, "items": {
            "type": "object", "required": ["sent_at", "text"], "properties": {
                "sent_at": {"type": "string", "format": "date-time"},
                "sender": {"anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]},
                "text": {"type": "string", "maxLength": 100000},
                "kind": {"type": "string", "enum": ["text", "media", "deleted", "system", "poll",
                                                   "location", "contact", "call"]},
                "from_me": {"type": "boolean"},
                "id": {"anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]}}}},
    },
}
IMPORT_RESULT = {"$ref": "#/components/schemas/ImportResult"}
LOCK_GRANT = {"type": "object", "required": ["acquired", "name", "token", "fence", "expires_at"],
              "properties": {"acquired": {"type": "boolean"}, "name": _STRING, "token": _STRING,
                             "fence": {"type": "integer"}, "expires_at": _STRING}}
LOCK_BUSY = {"type": "object", "required": ["error"], "properties": {
    "acquired": {"type": "boolean"}, "holder": _STRING, "expires_at": _STRING, "error": _STRING}}
LOCK_NAME = {"name": "name", "in": "path", "required": True, "schema": _STRING}


def _hand_written() -> dict[str, dict[str, Any]]:
    """The operations whose bodies the apps read by hand, and the webhook."""
    fence_headers = [{"name": n, "in": "header", "required": False, "schema": s,
                      "description": d} for n, s, d in (
        ("X-Lock-Token", _STRING, "the collector's lock token (with X-Lock-Fence)"),
        ("X-Lock-Fence", {"type": "integer"}, "its fence: an older one answers 409"),
        ("X-Lock-Name", _STRING, "the lock's name (default collector)"))]
    return {
        "/ingest": {"post": {
            "tags": ["ingest"], "summary": "Ingest an export or a batch",
            "description": "A collector's JSON batch, or a raw WhatsApp export (text/plain or "
                           "application/zip, chat name from X-Chat-Name or the file name).",
            "parameters": [
                *fence_headers,
                {"name": "X-Chat-Name", "in": "header", "required": False, "schema": _STRING},
                {"name": "X-File-Name", "in": "header", "required": False, "schema": _STRING}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}},
                "text/plain": {"schema": _STRING},
                "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": {"description": "stored", **_json(IMPORT_RESULT)},
                          **_errors(400, 401, 409, 413, 415, 503)}}},
        "/lock": {"post": {
            "tags": ["lock"], "summary": "Acquire the collector's lease",
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["name", "owner", "ttl_seconds"], "properties": {
                    "name": _STRING, "owner": _STRING,
                    "ttl_seconds": {"type": "integer", "minimum": 1, "maximum": 3600}}})},
            "responses": {"200": {"description": "acquired", **_json(LOCK_GRANT)},
                          "409": {"description": "held by another owner", **_json(LOCK_BUSY)},
                          **_errors(400, 401, 413, 503)}}},
        "/lock/{name}": {
            "put": {"tags": ["lock"], "summary": "Renew the lease", "parameters": [LOCK_NAME],
                    "requestBody": {"required": True, **_json({
                        "type": "object", "required": ["token", "ttl_seconds"], "properties": {
                            "token": _STRING,
                            "ttl_seconds": {"type": "integer", "minimum": 1, "maximum": 3600}}})},
                    "responses": {"200": {"description": "renewed", **_json({
                        "type": "object", "required": ["expires_at"],
                        "properties": {"name": _STRING, "expires_at": _STRING}})},
                        **_errors(400, 401, 409, 413, 503)}},
            "delete": {"tags": ["lock"], "summary": "Release the lease", "parameters": [LOCK_NAME],
                       "requestBody": {"required": True, **_json({
                           "type": "object", "required": ["token"], "properties": {"token": _STRING}})},
                       "responses": {"200": {"description": "released", **_json({
                           "type": "object", "properties": {"name": _STRING,
                                                            "released": {"type": "boolean"}}})},
                           **_errors(400, 401, 409, 413, 503)}}},
        "/telegram/webhook": {"post": {
            "tags": ["telegram"], "summary": "Telegram's updates (set with setWebhook)",
            "parameters": [{"name": "X-Telegram-Bot-Api-Secret-Token", "in": "header",
                            "required": True, "schema": _STRING}],
            "requestBody": {"required": True, **_json({"type": "object",
                                                       "description": "a Telegram Update"})},
            "responses": {"200": {"description": "accepted", **_json({"type": "object"})},
                          "401": {"description": "wrong secret token", **_json(ERROR)}}}},
        "/health": {"get": {"tags": ["system"], "summary": "Liveness",
                            "responses": {"200": {"description": "up", **_json({
                                "type": "object", "required": ["status"],
                                "properties": {"status": {"const": "ok"}}})}}}},
    }


def build_document(app: FastAPI) -> dict[str, Any]:
    """The document of `app`'s routes plus the hand-written ones, with 422 made 400, and bearer
    auth on every operation but /health and the webhook."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    doc["paths"] = {**doc.get("paths", {}), **_hand_written()}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Batch"] = BATCH
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    doc["components"]["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "INGEST_API_TOKEN or one of INGEST_USER_TOKENS; it names the user"}}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = _errors(400)["400"]
            if (path, method) not in PUBLIC:
                operation["security"] = [{"bearer": []}]
    doc["paths"] = dict(sorted(doc["paths"].items()))
    return doc


def install_openapi(app: FastAPI) -> None:
    """Serve build_document(app) at /openapi.json (built once)."""
    cached: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not cached:
            cached.append(build_document(app))
        return copy.deepcopy(cached[0])

    app.openapi = openapi  # type: ignore[method-assign]


def document_text() -> str:
    """The committed form: what a fresh api app generates, as stable, indented JSON."""
    from nudge.faces.http.api_app import create_api_app

    app = create_api_app(settings_provider=lambda: None, connection=_never, llm_provider=lambda: None,
                         lock_state=lambda name: None)
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _never() -> Any:
    raise RuntimeError("no database while writing the OpenAPI document")


if __name__ == "__main__":  # `make openapi`: python -m nudge.faces.http.openapi > docs/openapi.json
    import sys

    sys.stdout.write(document_text())
