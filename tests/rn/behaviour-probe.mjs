// The SDK's behaviour against the real local backend over HTTP, for one build
// (argv[2], see load.mjs), with a network the probe controls: it replaces the global
// `fetch` (which the SDK calls) with one that can be offline or drop the backend's
// reply after the backend applied the batch. Prints the outcomes as JSON, with ids
// and wall-clock times replaced; behaviour.test.mjs runs it per build, compares, and
// checks the backend itself.
//
// Usage: node behaviour-probe.mjs <build> <backend url> <user prefix>
import { loadBuild } from "./load.mjs";

const [build, url, prefix] = process.argv.slice(2);
const realFetch = globalThis.fetch;
const net = { mode: "online", dropReplies: 0, dropped: 0, requests: 0 };
// Defined before the SDK loads; the SDK reads the global at every call.
globalThis.fetch = async (input, init) => {
  net.requests++;
  if (net.mode === "offline") throw new TypeError("fetch failed (the probe's network is off)");
  const res = await realFetch(input, init);
  const isBatch = typeof init?.body === "string" && init.body.includes("applyBatch");
  if (isBatch && net.dropReplies > 0) {
    net.dropReplies--;
    net.dropped++;
    await res.arrayBuffer(); // the backend has applied it; the reply is lost
    throw new TypeError("fetch failed (the probe dropped the reply)");
  }
  return res;
};
const { sdk } = await loadBuild(build, { warmFetch: `${url}/` });
const { VideoSessionClient } = sdk;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ids = new Map();
function normalize(v) {
  if (typeof v === "string") {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)) {
      if (!ids.has(v)) ids.set(v, `<id${ids.size}>`);
      return ids.get(v);
    }
    return /^\d{4}-\d\d-\d\dT/.test(v) ? "<time>" : v;
  }
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) {
      if (k === "_id" || k === "_creationTime" || k === "oldestPendingAgeMs") continue;
      out[k] = k === "userId" ? v[k].slice(prefix.length) : normalize(v[k]);
    }
    return out;
  }
  return v;
}

const out = {};
// Every delivery here is an explicit flush(): a debounce longer than any scenario keeps
// the background sender from sending on its own, which on a loaded machine it did in
// the middle of a scenario (a batch sent before the flush changes what flush reports).
// The sender's first round (a timer after create(), then a 25 ms lease settle) sends
// whatever is pending whatever the debounce: on a loaded machine it ran mid-scenario and
// took one of the dropped replies. Each scenario starts after it has passed.
const open = async (name, extra = {}) => {
  const c = await VideoSessionClient.create({ url, userId: `${prefix}${name}`, storage: "memory", debounceMs: 60_000, ...extra });
  await sleep(200);
  return c;
};
const state = (c) => ({ pending: c.pendingCount(), online: c.isOnline(), current: normalize(c.currentSessionId()) });

// Lifecycle, online: every step, then what the backend returns through the SDK.
{
  const c = await open("lifecycle");
  const id = await c.startSession({ supportWorkerName: "Dr. Smith", audioOption: "speaker" });
  await c.markConnected();
  await c.updateSettings({ cameraEnabled: false, micEnabled: true, audioOption: "earpiece" });
  await c.reportQualityIssue("Audio choppy");
  const ended = await c.endSession({ endReason: "user_ended" });
  const flushed = await c.flush();
  out.lifecycle = { dead: normalize(c.deadLetters()), id: normalize(id), ended: normalize(ended), flushed: normalize(flushed), state: state(c), sessions: normalize(await c.getUserSessions()), stats: normalize(await c.getCallStats()) };
  c.close();
}

// Offline, then online: ops wait, answers come from the device, then all arrive.
{
  net.mode = "offline";
  const c = await open("offline");
  await c.startSession({ supportWorkerName: "Dr. Offline" });
  await c.markConnected();
  await c.reportQualityIssue("Video frozen");
  const active = await c.getActiveSession();
  const ended = await c.endSession();
  const offlineFlush = await c.flush();
  const offline = { state: state(c), active: normalize(active), ended: normalize(ended), flush: normalize(offlineFlush) };
  net.mode = "online";
  const onlineFlush = await c.flush();
  out.offlineThenOnline = { offline, online: { flush: normalize(onlineFlush), state: state(c), sessions: normalize(await c.getUserSessions()) } };
  c.close();
}

// Exactly once: the backend applies the batch, the reply is lost twice, the SDK resends.
{
  const c = await open("dropped");
  await c.startSession({ supportWorkerName: "Dr. Dropped" });
  await c.markConnected();
  await c.reportQualityIssue("Echo");
  await c.endSession();
  net.dropReplies = 2;
  const flushes = [];
  for (let i = 0; i < 3; i++) flushes.push(normalize(await c.flush()));
  out.exactlyOnce = { dropped: net.dropped, flushes, state: state(c), sessions: normalize(await c.getUserSessions()), stats: normalize(await c.getCallStats()) };
  c.close();
}

// Duration from event times: connected offline, ended 2.3 s later, delivered later still.
{
  net.mode = "offline";
  const c = await open("duration");
  await c.startSession({ supportWorkerName: "Dr. Duration" });
  await c.markConnected();
  await sleep(2_300);
  const ended = await c.endSession();
  await sleep(1_500);
  net.mode = "online";
  const flushed = await c.flush();
  const [session] = await c.getUserSessions();
  out.eventTimeDuration = { ended: normalize(ended), flushed: normalize(flushed), duration: session.duration, status: session.sessionStatus };
  c.close();
}

// Analytics: the device's UTC offset (the Date of this process, whose TZ the test
// sets) on both bucketed ops and the stored session; the five reads; offline, the
// last answer for the same arguments, else NETWORK; a bad argument refused.
{
  const c = await open("analytics");
  await c.startSession({ supportWorkerName: "Dr. Chart", supportWorkerId: `${prefix}worker` });
  await c.reportQualityIssue("Echo");
  await c.endSession();
  const flushed = await c.flush();
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const range = { granularity: "day", from: today, to: today };
  const volume = await c.getCallVolume(range);
  const trend = await c.getDurationTrend({ granularity: "month", from: today, to: today });
  const peak = await c.getPeakHours();
  const issues = await c.getIssuesByHour();
  const board = (await c.getSupportWorkerLeaderboard({ limit: 100 })).filter((r) => r.supportWorkerId === `${prefix}worker`);
  const [stored] = await c.getUserSessions();
  net.mode = "offline";
  const offlineVolume = await c.getCallVolume(range);
  const offlineOther = await c.getCallVolume({ ...range, granularity: "week" }).catch((e) => e.code);
  const bad = await c.getCallVolume({ ...range, granularity: "year" }).catch((e) => e.code);
  net.mode = "online";
  out.analytics = {
    offset: -now.getTimezoneOffset(),
    stored: stored.utcOffsetMin,
    flushed: normalize(flushed),
    volume: volume.map((b) => ({ ...b, bucket: b.bucket === today ? "<today>" : b.bucket })),
    trend: trend.map(({ bucket, ...rest }) => rest),
    peak: { total: peak.flat().reduce((a, b) => a + b, 0), today: peak[(now.getDay() + 6) % 7].reduce((a, b) => a + b, 0) },
    issues: issues.reduce((a, b) => a + b, 0),
    board: board.map(({ supportWorkerId, ...rest }) => rest),
    offlineSame: JSON.stringify(offlineVolume) === JSON.stringify(volume),
    offlineOther,
    bad,
  };
  c.close();
}

process.stdout.write(JSON.stringify({ build, requests: net.requests > 0, out }));
process.exit(0);
