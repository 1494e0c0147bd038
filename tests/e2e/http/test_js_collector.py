"""collectors/collect.js: valid JavaScript, and its outbox protocol against `nudge serve`'s stack
with a stand-in whatsapp-web.js client (node only; whatsapp-web.js itself is not installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nudge.features import outbox
from tests.e2e.http.conftest import TOKEN

COLLECTOR = Path(__file__).resolve().parents[3] / "collectors" / "collect.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

# A stand-in client: two WhatsApp chats, no new messages, sendMessage records and answers an id;
# sending to "Ben" throws (the browser broke mid-send: maybe sent).
SCRIPT = """
const { NudgeApi, pushChats } = require(process.argv[1]);
const sent = [];
const chat = (name, id) => ({ name, isGroup: false, id: { _serialized: id },
                              fetchMessages: async () => [] });
const client = {
  getChats: async () => [chat('Ana', 'ana@c.us'), chat('Ben', 'ben@c.us')],
  getContactById: async () => ({}),
  sendMessage: async (to, text) => {
    if (to === 'ben@c.us') throw new Error('page crashed');
    sent.push([to, text]);
    return { id: { _serialized: `true_${to}_${sent.length}` } };
  },
};
const api = new NudgeApi({ baseUrl: process.argv[2], token: process.argv[3], retries: 1, backoffMs: 1 });
const lines = [];
pushChats(client, api, { owner: 'test:js', ttlSeconds: 60, limit: 10, log: (l) => lines.push(l) })
  .then(() => console.log(JSON.stringify({ sent, lines })),
        (error) => { console.error(error.message); process.exit(2); });
"""


def test_the_collector_script_is_valid_javascript():
    done = subprocess.run([NODE, "--check", str(COLLECTOR)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _run(stack) -> dict:
    done = subprocess.run([NODE, "-e", SCRIPT, str(COLLECTOR), stack.base_url, TOKEN],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_js_collector_sends_queued_replies_once_with_send_message(stack, db):
    for name in ("Ana", "Ben", "Cleo"):
        db.execute("INSERT INTO user_profiles (id) VALUES (1) ON CONFLICT DO NOTHING")
        db.execute("INSERT INTO chats (user_profile_id, name) VALUES (1, %s)", [name])
    outbox.set_enabled(db, user_id=1, enabled=True)
    first = outbox.queue_custom(db, user_id=1, chat="Ana", text="see you at 8")
    nowhere = outbox.queue_custom(db, user_id=1, chat="Cleo", text="hi Cleo")
    second = outbox.queue_custom(db, user_id=1, chat="Ana", text="bring the wine")
    broken = outbox.queue_custom(db, user_id=1, chat="Ben", text="hi Ben")

    result = _run(stack)  # per chat in queue order: Ana, Ana, then Ben breaks and the run stops
    assert result["sent"] == [["ana@c.us", "see you at 8"], ["ana@c.us", "bring the wine"]]
    first_state = outbox.get_item(db, user_id=1, outbox_id=first.id)
    assert (first_state.state, first_state.whatsapp_id) == ("sent", "true_ana@c.us_1")
    assert outbox.get_item(db, user_id=1, outbox_id=second.id).state == "sent"
    assert outbox.get_item(db, user_id=1, outbox_id=broken.id).state == "sending"  # maybe sent
    assert outbox.get_item(db, user_id=1, outbox_id=nowhere.id).state == "queued"
    assert any("unknown, check WhatsApp" in line for line in result["lines"])

    again = _run(stack)
    assert again["sent"] == []  # nothing is sent twice; Ben's reply is never tried again
    assert outbox.get_item(db, user_id=1, outbox_id=broken.id).status == "unknown"
    missing = outbox.get_item(db, user_id=1, outbox_id=nowhere.id)
    assert (missing.state, missing.error) == ("failed", "no WhatsApp chat named Cleo")
