#!/usr/bin/env node
// Example collector for Nudge: WhatsApp Web (whatsapp-web.js) -> POST /ingest, per CONTRACTS.md.
//
//   NUDGE_API_URL=https://<api-id>.execute-api.<region>.amazonaws.com \
//   INGEST_API_TOKEN=... node collect.js [--limit 200] [--ttl 300] [--no-send]
//
// Protocol, exactly as the Python collector does it:
//   1. POST /lock {"name": "collector", "owner", "ttl_seconds"}; 409 -> print who holds it, exit 0.
//   2. For each chat, POST /ingest a JSON batch with X-Lock-Name / X-Lock-Token / X-Lock-Fence.
//      Before each batch, once half the lease has passed, PUT /lock/collector to renew it.
//   3. DELETE /lock/collector in a finally block (errors too).
//   4. The outbox (unless --no-send): GET /outbox, then per reply POST /outbox/{id}/claim BEFORE
//      client.sendMessage, then POST /outbox/{id}/sent {ok, whatsapp_id | error}. A reply is
//      claimed once: if we die between sending and reporting it stays "sending" and is never sent
//      again (the user is told "unknown, check WhatsApp"). If sendMessage throws, it may have
//      gone out: the reply is left unreported and the outbox stops for this run.
// Transient failures (network errors, 429, 5xx) are retried with bounded exponential backoff.
// Re-sending is safe: messages carry WhatsApp's id and the server stores each id once.
'use strict';

const os = require('node:os');

const LOCK_NAME = 'collector';
const BATCH_SIZE = 1000; // well under the 10 MB request limit
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

// whatsapp-web.js message types -> Nudge kinds (CONTRACTS.md `kind`).
const KINDS = {
  chat: 'text',
  image: 'media', video: 'media', audio: 'media', ptt: 'media', document: 'media',
  sticker: 'media', gif: 'media',
  location: 'location',
  vcard: 'contact', multi_vcard: 'contact',
  revoked: 'deleted',
  poll_creation: 'poll',
  call_log: 'call',
  e2e_notification: 'system', notification: 'system', notification_template: 'system',
  gp2: 'system', protocol: 'system',
};

function kindOf(type) {
  return KINDS[type] || 'system';
}

class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${body && body.error ? body.error : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

class NudgeApi {
  constructor({ baseUrl, token, retries = 5, backoffMs = 500, fetchImpl = globalThis.fetch }) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.retries = retries;
    this.backoffMs = backoffMs;
    this.fetch = fetchImpl;
  }

  // One request with retries; returns {status, body} for any final answer (2xx or 4xx).
  async send(method, path, payload, headers = {}) {
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt === this.retries;
      let response;
      try {
        response = await this.fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.token}`,
            'Content-Type': 'application/json',
            ...headers,
          },
          body: payload === undefined ? undefined : JSON.stringify(payload),
        });
      } catch (error) { // network error: retry
        if (last) throw error;
        await sleep(this.delay(attempt));
        continue;
      }
      if (RETRY_STATUSES.has(response.status) && !last) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Math.max(this.delay(attempt), Number.isFinite(retryAfter) ? retryAfter * 1000 : 0));
        continue;
      }
      const text = await response.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
      return { status: response.status, body };
    }
  }

  delay(attempt) {
    return Math.min(this.backoffMs * 2 ** attempt, 30000);
  }

  async acquire(owner, ttlSeconds) {
    const { status, body } = await this.send('POST', '/lock',
      { name: LOCK_NAME, owner, ttl_seconds: ttlSeconds });
    // 200 {acquired: true, name, token, fence, expires_at} | 409 {acquired: false, holder, expires_at}
    if (status === 200 || status === 409) return body;
    throw new HttpError(status, body);
  }

  async renew(token, ttlSeconds) {
    const { status, body } = await this.send('PUT', `/lock/${encodeURIComponent(LOCK_NAME)}`,
      { token, ttl_seconds: ttlSeconds });
    if (status !== 200) throw new HttpError(status, body);
    return body.expires_at;
  }

  async release(token) {
    const { status, body } = await this.send('DELETE', `/lock/${encodeURIComponent(LOCK_NAME)}`,
      { token });
    if (status !== 200) throw new HttpError(status, body);
  }

  async ingest(batch, lease) {
    const { status, body } = await this.send('POST', '/ingest', batch, fenceHeaders(lease));
    if (status !== 200) throw new HttpError(status, body);
    return body; // {chat, inserted, duplicates, skipped}
  }

  // Queued replies, per chat in queue order: {enabled, replies: [{id, chat, chat_type, text, ...}]}
  async outbox(lease) {
    const { status, body } = await this.send('GET', '/outbox', undefined, fenceHeaders(lease));
    if (status !== 200) throw new HttpError(status, body);
    return body.replies || [];
  }

  // queued -> sending under our fence; null when the reply is not ours to send (409 "reply":
  // claimed already, or an earlier reply of its chat goes first).
  async claim(id, lease) {
    const { status, body } = await this.send('POST', `/outbox/${id}/claim`, undefined,
      fenceHeaders(lease));
    if (status === 409 && body && body.conflict === 'reply') return null;
    if (status !== 200) throw new HttpError(status, body);
    return body;
  }

  async report(id, outcome, lease) {
    const { status, body } = await this.send('POST', `/outbox/${id}/sent`, outcome,
      fenceHeaders(lease));
    if (status !== 200) throw new HttpError(status, body);
    return body;
  }
}

function fenceHeaders(lease) {
  return {
    'X-Lock-Name': LOCK_NAME,
    'X-Lock-Token': lease.token,
    'X-Lock-Fence': String(lease.fence),
    ...(lease.owner ? { 'X-Lock-Owner': lease.owner } : {}),
  };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// One whatsapp-web.js message -> one /ingest message. Times go as UTC ISO-8601 ("...Z");
// the server turns them into wall-clock time in NUDGE_TIMEZONE.
// A voice note (type ptt) or shared audio carries its audio, base64, for transcription; the
// server keeps it only until transcribed. Fetched by the caller (downloadMedia) as `media`.
function toMessage(msg, senderName, media = null) {
  return {
    sent_at: new Date(msg.timestamp * 1000).toISOString(),
    sender: msg.fromMe ? null : senderName,
    text: msg.body || '',
    kind: kindOf(msg.type),
    from_me: Boolean(msg.fromMe),
    id: msg.id && msg.id._serialized ? msg.id._serialized : null,
    ...(media ? { media: { mimetype: media.mimetype, data: media.data, filename: media.filename || null } } : {}),
  };
}

const AUDIO_TYPES = new Set(['ptt', 'audio']);
const MAX_AUDIO_BASE64 = 8 * 1024 * 1024;

// The audio of a voice note, or null (not audio, too large, or the download failed).
async function audioOf(msg) {
  if (!AUDIO_TYPES.has(msg.type) || !msg.hasMedia) return null;
  try {
    const media = await msg.downloadMedia();
    if (!media || !media.data || media.data.length > MAX_AUDIO_BASE64) return null;
    return media;
  } catch {
    return null;
  }
}

// Batches of at most BATCH_SIZE messages and about MAX_BATCH_BYTES of JSON (voice notes are big).
const MAX_BATCH_BYTES = 9 * 1024 * 1024;

function toBatches(chat, messages) {
  const type = chat.isGroup ? 'group' : 'one_to_one';
  const batches = [];
  // chat.id._serialized is WhatsApp's own chat id: a renamed group stays one chat on the server
  const head = { name: chat.name, type, id: chat.id?._serialized };
  let current = [];
  let bytes = 0;
  for (const message of messages) {
    const size = JSON.stringify(message).length;
    if (current.length && (current.length >= BATCH_SIZE || bytes + size > MAX_BATCH_BYTES)) {
      batches.push({ chat: head, messages: current });
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length) batches.push({ chat: head, messages: current });
  return batches;
}

// Sender display names, resolved once per author id.
async function senderNames(client, messages) {
  const names = new Map();
  for (const msg of messages) {
    const author = msg.author || msg.from;
    if (msg.fromMe || names.has(author)) continue;
    let name = (msg._data && msg._data.notifyName) || null;
    try {
      const contact = await client.getContactById(author);
      name = contact.name || contact.pushname || contact.number || name;
    } catch { /* keep notifyName */ }
    names.set(author, name || author);
  }
  return names;
}

async function pushChats(client, api, { owner, ttlSeconds, limit, send = true, log = console.log }) {
  const lease = await api.acquire(owner, ttlSeconds);
  if (!lease.acquired) {
    log(`another collector (${lease.holder}) holds the lock until ${lease.expires_at}`);
    return 0;
  }
  return pushWithLease(client, api, { ...lease, owner }, { ttlSeconds, limit, send, log });
}

// The WhatsApp chat a reply goes to: the chat of that exact name, else the only one whose name
// matches ignoring case; null when there is none (or several).
function findChat(chats, name) {
  const exact = chats.filter((c) => c.name === name);
  if (exact.length === 1) return exact[0];
  const folded = chats.filter((c) => (c.name || '').toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : null;
}

// Each queued reply at most once: claim, send, report (see the header). Returns the counts.
async function sendOutbox(client, api, lease, chats, { keepLease, log }) {
  const done = { sent: 0, failed: 0, unknown: 0, skipped: 0 };
  for (const reply of await api.outbox(lease)) {
    await keepLease();
    if (!(await api.claim(reply.id, lease))) {
      done.skipped += 1;
      continue;
    }
    const chat = findChat(chats, reply.chat);
    let outcome;
    if (!chat) {
      outcome = { ok: false, error: `no WhatsApp chat named ${reply.chat}` };
    } else {
      try {
        const message = await client.sendMessage(chat.id._serialized, reply.text);
        outcome = { ok: true, whatsapp_id: message && message.id ? message.id._serialized : null };
      } catch (error) { // it may have gone out: never sent again by us, the user checks
        log(`reply ${reply.id}: unknown, check WhatsApp (${error.message})`);
        done.unknown += 1;
        break;
      }
    }
    await api.report(reply.id, outcome, lease);
    if (outcome.ok) done.sent += 1; else done.failed += 1;
    log(outcome.ok ? `reply ${reply.id}: sent to ${reply.chat}`
      : `reply ${reply.id}: not sent: ${outcome.error}`);
  }
  log(`outbox: ${done.sent} sent, ${done.failed} failed, ${done.unknown} unknown, `
    + `${done.skipped} skipped`);
  return done;
}

async function pushWithLease(client, api, lease, { ttlSeconds, limit, send = true, log }) {
  let leaseStart = Date.now();
  const keepLease = async () => {
    if (Date.now() - leaseStart >= (ttlSeconds * 1000) / 2) {
      leaseStart = Date.now();
      await api.renew(lease.token, ttlSeconds);
    }
  };
  try {
    const chats = await client.getChats();
    for (const chat of chats) {
      const messages = await chat.fetchMessages({ limit });
      const names = await senderNames(client, messages);
      const batch = [];
      for (const m of messages) {
        batch.push(toMessage(m, names.get(m.author || m.from) || null, await audioOf(m)));
      }
      for (const payload of toBatches(chat, batch)) {
        await keepLease();
        const result = await api.ingest(payload, lease);
        log(JSON.stringify(result));
      }
    }
    if (send) await sendOutbox(client, api, lease, chats, { keepLease, log });
  } finally {
    await api.release(lease.token).catch((error) => log(`release failed: ${error.message}`));
  }
  return 0;
}

function parseArgs(argv) {
  const args = { limit: 200, ttl: 300, send: true };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--limit') args.limit = Number(argv[++i]);
    else if (argv[i] === '--ttl') args.ttl = Number(argv[++i]);
    else if (argv[i] === '--no-send') args.send = false;
  }
  return args;
}

async function main() {
  const baseUrl = process.env.NUDGE_API_URL;
  const token = process.env.INGEST_API_TOKEN;
  if (!baseUrl || !token) {
    console.error('set NUDGE_API_URL and INGEST_API_TOKEN');
    return 2;
  }
  const args = parseArgs(process.argv.slice(2));
  const { Client, LocalAuth } = require('whatsapp-web.js');
  const qrcode = require('qrcode-terminal');
  const client = new Client({ authStrategy: new LocalAuth({ clientId: 'nudge' }) });
  client.on('qr', (qr) => qrcode.generate(qr, { small: true }));
  const ready = new Promise((resolve, reject) => {
    client.once('ready', resolve);
    client.once('auth_failure', (message) => reject(new Error(`auth failure: ${message}`)));
  });
  await client.initialize();
  await ready;
  try {
    const api = new NudgeApi({ baseUrl, token });
    return await pushChats(client, api, {
      owner: `${os.hostname()}:whatsapp-web:${process.pid}`, ttlSeconds: args.ttl,
      limit: args.limit, send: args.send,
    });
  } finally {
    await client.destroy();
  }
}

module.exports = {
  NudgeApi, HttpError, kindOf, toMessage, toBatches, pushChats, audioOf, sendOutbox, findChat,
  LOCK_NAME,
};

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`nudge collector: ${error.message}`);
    process.exit(2);
  });
}
