// The crash test's workload: whole calls through the real SDK (the wasm package copied
// next to this file, real localStorage, real fetch to the real server), with a journal
// the driver reads over the DevTools console stream, so it survives the page's death.
//
// Query parameters: `user`, `prefix` (storage prefix), `seed`, `mode` (`run` works until
// the driver calls `stopWorkload()` or kills the page; `recover` only delivers what is
// stored and reports), `debounce` (ms), `continue` (`1`: first finish the session a dead
// page left active), `storage` (`memory` only for the test's negative control: ops then
// die with the page, which the check must notice).
//
// Journal lines are `VSSJ {json}`. Invariants:
// - an `ok` line is written only after the SDK call's promise resolved (the op is then
//   durable in localStorage), and carries its kind, client session id, op id (from the
//   `queued` event the call raised) and, for a quality issue, its text;
// - an `attempt` line is written before every call (for reading a failure); the
//   backend may hold an op with no `ok` line: the page died between resolve and journal,
//   or before the driver received the line (the journal's tail dies with the page);
// - issue texts are unique per page load (`tag` is random), so a duplicate on the
//   backend is a double apply, never a coincidence.

import init, { VideoSessionClient } from "./pkg/video_session_sdk.js";

const params = new URLSearchParams(location.search);
const user = params.get("user");
const prefix = params.get("prefix") || "vss:";
const mode = params.get("mode") || "run";
const debounceMs = Number(params.get("debounce") || "50");
const tag = `${params.get("tag") || "p"}.${crypto.randomUUID().slice(0, 8)}`;
const rand = mulberry32((Number(params.get("seed")) ^ hash(tag)) >>> 0);

/** Small seeded PRNG (mulberry32): the workload's choices, replayable per page seed. */
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s) {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function journal(t, fields = {}) {
  console.log(`VSSJ ${JSON.stringify({ t, user, tag, at: Date.now(), ...fields })}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const queued = [];
let client;
let stopping = false;

/**
 * Runs one SDK call: `attempt` before, `ok` (with the op id the call queued) only
 * after it resolved, `error` if it rejected.
 */
async function call(kind, csid, extra, fn) {
  const mark = queued.length;
  journal("attempt", { kind, csid, ...extra });
  let value;
  try {
    value = await fn();
  } catch (err) {
    journal("error", { kind, csid, code: err.code ?? null, message: String(err.message ?? err), ...extra });
    throw err;
  }
  const sid = kind === "startSession" ? value : csid;
  const op = queued.slice(mark).find((e) => e.kind === kind && e.clientSessionId === sid);
  const fieldsOk = { kind, csid: sid, opId: op ? op.opId : null, ...extra };
  if (kind === "endSession") {
    fieldsOk.duration = value.duration ?? null;
    fieldsOk.endedAt = value.endedAt;
  }
  journal("ok", fieldsOk);
  return value;
}

let issueN = 0;
const nextIssue = () => `q ${tag} ${issueN++}`;
const pause = (max) => sleep(Math.floor(rand() * max));

/** Connect (usually), report 0-3 issues, then end (mostly) or fail. */
async function finish(csid, status) {
  if (status === "connecting" && rand() < 0.8) {
    await call("markConnected", csid, {}, () => client.markConnected(csid));
    status = "connected";
    await pause(80);
  }
  const issues = Math.floor(rand() * 4);
  for (let i = 0; i < issues && !stopping; i++) {
    const issue = nextIssue();
    await call("reportQualityIssue", csid, { issue }, () => client.reportQualityIssue(issue, csid));
    await pause(60);
  }
  // Some calls last over a second, so durations are not all zero.
  if (status === "connected" && rand() < 0.3) await sleep(900 + Math.floor(rand() * 700));
  if (rand() < 0.75) {
    await call("endSession", csid, {}, () => client.endSession({ sessionIdToEnd: csid, endReason: "user_ended" }));
  } else {
    await call("markFailed", csid, {}, () => client.markFailed({ sessionId: csid, reason: "connection_lost" }));
  }
}

async function runLoop() {
  if (params.get("continue") === "1") {
    const active = await client.getActiveSession();
    const csid = active && (active.clientSessionId || active._id);
    if (csid) {
      journal("continue", { csid, status: active.sessionStatus });
      await finish(csid, active.sessionStatus);
    }
  }
  const workers = [["Dr. Sarah Smith", "worker456"], ["Dr. Amir Khan", "worker-khan"]];
  while (!stopping) {
    const [name, id] = workers[Math.floor(rand() * workers.length)];
    const csid = await call("startSession", null, {}, () =>
      client.startSession({ supportWorkerName: name, supportWorkerId: id, audioOption: "wifi" }));
    await pause(100);
    await finish(csid, "connecting");
    await pause(100);
  }
}

/** Delivers until nothing is pending (or `ms` passed); reports what is left. */
async function drain(ms) {
  const end = Date.now() + ms;
  let report = await client.flush();
  while (client.pendingCount() > 0 && Date.now() < end) {
    await sleep(100);
    report = await client.flush();
  }
  return { pending: client.pendingCount(), dead: client.deadLetters(), report };
}

async function main() {
  await init();
  client = await VideoSessionClient.create({
    url: location.origin,
    userId: user,
    storagePrefix: prefix,
    storage: params.get("storage") === "memory" ? "memory" : "localStorage",
    debounceMs,
    onEvent: (e) => {
      if (e.type === "queued") queued.push(e);
      if (e.type === "dropped") journal("dropped", { opId: e.opId, kind: e.kind, code: e.code, reason: e.reason });
    },
  });
  journal("ready", { mode, pending: client.pendingCount() });
  document.body.dataset.state = "ready";
  if (mode === "recover") {
    const out = await drain(30_000);
    journal("drained", out);
    client.close();
    document.body.dataset.state = "done";
    return;
  }
  const loop = runLoop().catch((err) => journal("loopError", { code: err.code ?? null, message: String(err.message ?? err) }));
  window.stopWorkload = async () => {
    stopping = true;
    await loop;
    const out = await drain(30_000);
    journal("drained", out);
    client.close();
    return out;
  };
}

main().catch((err) => {
  journal("fatal", { message: String(err.message ?? err) });
  document.body.dataset.state = "error";
});
