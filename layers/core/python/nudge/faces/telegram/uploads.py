"""Telegram uploads of exports, never bound by the webhook's 29 seconds.

The webhook only keeps the file in the upload bucket (S3: encrypted, expiring after a day) and
queues an "import_upload" job; the bot answers "importing…" at once. The job (the import Lambda,
15 minutes, or `nudge serve`'s worker) checks and stores the export, queues its enrichment and
tells the chat the counts. Without a queue (`nudge bot`), the upload is imported in place.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from nudge.errors import InputError, ParseError
from nudge.faces.telegram.render import Reply, esc, split_message

if TYPE_CHECKING:
    from nudge.bootstrap import Services
    from nudge.config import Settings

log = logging.getLogger(__name__)


def accept_upload(services: Services, *, data: bytes, file_name: str, chat_name: str | None,
                  telegram_user_id: int, telegram_chat_id: int,
                  first_name: str | None = None) -> Reply:
    """Queue the upload's import when the stack has a queue and bucket; else import it now.
    (The job asks for the user's name when the profile has none: actions.import_document.)"""
    from nudge.aws.queue import UploadStore
    from nudge.faces.telegram.actions import check_export, import_document
    from nudge.features import jobs

    settings = services.settings
    if not (settings.upload_bucket and settings.import_queue_url):
        return import_document(services, data=data, file_name=file_name, chat_name=chat_name,
                               first_name=first_name)
    check_export(data, file_name)
    safe_name = re.sub(r"[^\w.\- ]+", "_", file_name)[:100] or "export"
    key = f"uploads/{services.user_id}/{uuid.uuid4().hex}/{safe_name}"
    UploadStore(settings.upload_bucket, endpoint_url=settings.aws_endpoint_url).put(key, data)
    jobs.submit("import_upload", {"key": key, "file_name": file_name, "chat_name": chat_name,
                                  "user_id": services.user_id,
                                  "telegram_user_id": telegram_user_id, "first_name": first_name,
                                  "telegram_chat_id": telegram_chat_id}, settings=settings)
    return Reply(f"📥 Importing <b>{esc(file_name)}</b>… I'll tell you what was added.")


def import_upload_job(settings: Settings, payload: dict[str, Any]) -> None:
    """The "import_upload" job: store the uploaded export, tell the chat, drop the file.

    A repeated delivery after the file was dropped does nothing; one before that imports
    again, which stores nothing new (imports are idempotent). A file that is not an export gets
    its reason as the answer; other errors raise, so SQS retries the job.
    """
    from botocore.exceptions import ClientError

    from nudge.aws.queue import UploadStore
    from nudge.bootstrap import open_services
    from nudge.faces.telegram.actions import import_document

    uploads = UploadStore(str(settings.upload_bucket), endpoint_url=settings.aws_endpoint_url)
    key = str(payload["key"])
    try:
        data = uploads.get(key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            log.info("upload %s already imported", key)
            return
        raise
    try:
        with open_services(settings, with_llm=False) as services:
            acting = services.for_telegram_user(int(payload["telegram_user_id"]))
            reply = import_document(acting, data=data, file_name=str(payload["file_name"]),
                                    chat_name=payload.get("chat_name"),
                                    first_name=payload.get("first_name"))
    except (InputError, ParseError) as exc:  # the file itself: retrying cannot help
        reply = Reply(f"⚠️ {esc(str(exc))}")
    asyncio.run(_tell(settings, int(payload["telegram_chat_id"]), reply))
    uploads.delete(key)


async def _tell(settings: Settings, chat_id: int, reply: Reply) -> None:
    from telegram.constants import ParseMode

    from nudge.faces.telegram.app import make_bot

    async with make_bot(settings) as bot:
        for part in split_message(reply.html):
            await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)
