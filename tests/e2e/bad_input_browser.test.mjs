// The bad-input cases that need a real browser: JS values Rust cannot be handed
// (NaN, Infinity, strings and objects where numbers go, cycles, BigInt, missing
// arguments) through the wasm package's JS API, a real localStorage that throws
// QuotaExceededError, and a bearer token that must never reach localStorage.
//
// Each bad call must reject with a VideoSessionError of the expected code and change
// nothing: localStorage byte-for-byte equal and the same pending ops, which afterwards
// all deliver. The page is the server's plain /version page (same origin, no demo
// code running), so only this test's client touches localStorage.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  demoHarness, eventually, sessionsOf,
} from "./support.mjs";

const h = demoHarness();

const IA = "INVALID_ARGUMENT";

// A case that shows a bug in the SDK is kept, run and printed, but does not fail the
// suite (it reports when it starts passing).

// [name, code run as `(c, m) => …` (c: a client with pending ops, m: the module),
//  expected code (null: not forbidden by the contract; any typed outcome), known bug]
const CASES = [
  ["getUserSessions limit NaN", "c.getUserSessions({ limit: NaN })", IA],
  ["getUserSessions limit Infinity", "c.getUserSessions({ limit: Infinity })", IA],
  ["getUserSessions limit -Infinity", "c.getUserSessions({ limit: -Infinity })", IA],
  ["getUserSessions limit 1.5", "c.getUserSessions({ limit: 1.5 })", IA],
  ["getUserSessions limit 0", "c.getUserSessions({ limit: 0 })", IA],
  ["getUserSessions limit '10' (a string)", "c.getUserSessions({ limit: '10' })", IA],
  ["getUserSessions limit 2**53 + 2", "c.getUserSessions({ limit: 2 ** 53 + 2 })", null],
  ["startSession with no argument", "c.startSession()", IA],
  ["startSession(null)", "c.startSession(null)", IA],
  ["startSession with a numeric worker name", "c.startSession({ supportWorkerName: 42 })", IA],
  ["startSession with an unknown option (ignored)", "c.startSession({ supportWorkerName: 'W', isAdmin: true })", null],
  ["startSession with metadata of 4097 JSON chars", "c.startSession({ supportWorkerName: 'W', metadata: { k: 'v'.repeat(4089) } })", IA],
  ["startSession with cyclic metadata", "(() => { const o = {}; o.self = o; return c.startSession({ supportWorkerName: 'W', metadata: o }); })()", IA],
  ["startSession with BigInt metadata", "c.startSession({ supportWorkerName: 'W', metadata: { n: 10n } })", IA],
  ["startSession with metadata NaN", "c.startSession({ supportWorkerName: 'W', metadata: { n: NaN } })", null],
  ["startSession with metadata an array (v.any())", "c.startSession({ supportWorkerName: 'W', metadata: [1, 2] })", null],
  ["startSession with a lone surrogate name", "c.startSession({ supportWorkerName: '\\ud800' })", null],
  ["reportQualityIssue(undefined)", "c.reportQualityIssue(undefined)", IA],
  ["reportQualityIssue(123)", "c.reportQualityIssue(123)", IA],
  ["updateSettings with cameraEnabled 'yes'", "c.updateSettings({ cameraEnabled: 'yes' })", IA],
  ["markConnected(42)", "c.markConnected(42)", IA],
  ["endSession with endReason {}", "c.endSession({ endReason: {} })", IA],
  ["markReconnecting(42)", "c.markReconnecting(42)", IA],
  ["markScreenShare('yes')", "c.markScreenShare('yes')", IA],
  ["markScreenShare(1)", "c.markScreenShare(1)", IA],
  ["markScreenShare() with no argument", "c.markScreenShare()", IA],
  ["rateSession with no argument", "c.rateSession()", IA],
  ["rateSession with rating '5' (a string)", "c.rateSession({ rating: '5' })", IA],
  ["rateSession with rating NaN", "c.rateSession({ rating: NaN })", IA],
  ["rateSession with rating 4.5", "c.rateSession({ rating: 4.5 })", IA],
  ["rateSession with rating 0", "c.rateSession({ rating: 0 })", IA],
  ["rateSession with rating 6", "c.rateSession({ rating: 6 })", IA],
  ["rateSession with a comment of 1001 chars", "c.rateSession({ rating: 5, comment: 'x'.repeat(1001) })", IA],
  ["reportNetworkStats with rttMs NaN", "c.reportNetworkStats({ rttMs: NaN })", IA],
  ["reportNetworkStats with jitterMs -1", "c.reportNetworkStats({ jitterMs: -1 })", IA],
  ["reportNetworkStats with packetLossPct 101 (above the ceiling)", "c.reportNetworkStats({ packetLossPct: 101 })", IA],
  ["reportNetworkStats with bitrateKbps Infinity", "c.reportNetworkStats({ bitrateKbps: Infinity })", IA],
  ["reportNetworkStats with rttMs '80' (a string)", "c.reportNetworkStats({ rttMs: '80' })", IA],
  ["reportNetworkStats with a good rttMs and jitterMs '5'", "c.reportNetworkStats({ rttMs: 80, jitterMs: '5' })", IA],
  ["reportNetworkStats with no metric", "c.reportNetworkStats({})", IA],
  ["reportNetworkStats with no argument", "c.reportNetworkStats()", IA],
  ["create with userId ''", "m.VideoSessionClient.create({ url: location.origin, userId: '', storage: 'localStorage' })", IA],
  ["create with userId 42", "m.VideoSessionClient.create({ url: location.origin, userId: 42, storage: 'localStorage' })", IA],
  ["create with url 'not a url'", "m.VideoSessionClient.create({ url: 'not a url', userId: 'u', storage: 'localStorage' })", IA],
  ["create with batchSize 0", "m.VideoSessionClient.create({ url: location.origin, userId: 'u', storage: 'localStorage', batchSize: 0 })", IA],
  ["create with batchSize 101", "m.VideoSessionClient.create({ url: location.origin, userId: 'u', storage: 'localStorage', batchSize: 101 })", IA],
  ["create with debounceMs NaN", "m.VideoSessionClient.create({ url: location.origin, userId: 'u', storage: 'localStorage', debounceMs: NaN })", IA],
  ["create with debounceMs -1", "m.VideoSessionClient.create({ url: location.origin, userId: 'u', storage: 'localStorage', debounceMs: -1 })", IA],
  ["create with storage 'floppy'", "m.VideoSessionClient.create({ url: location.origin, userId: 'u', storage: 'floppy' })", IA],
  ["setAuth with a token containing a space", "Promise.resolve().then(() => c.setAuth('two words'))", IA],
];

/** Loads the package into a blank same-origin page; returns the page. */
async function blankPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err.message));
  await page.goto(`${h.server.url}/version`);
  await page.evaluate(async () => {
    const m = await import("/pkg/video_session_sdk.js");
    await m.default();
    window.m = m;
    window.snapshot = () => JSON.stringify(Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k)]));
  });
  return page;
}

test("bad JS arguments are typed errors that change nothing", { timeout: 90_000 }, async () => {
  const user = "e2e-bad-args";
  const context = await h.browser.newContext();
  const page = await blankPage(context);
  const results = await page.evaluate(
    async ({ user, cases }) => {
      const m = window.m;
      const c = await m.VideoSessionClient.create({ url: location.origin, userId: user, storage: "localStorage", debounceMs: 60_000 });
      await c.startSession({ supportWorkerName: "Dr. Smith" });
      await c.markConnected();
      const out = [];
      for (const [name, code, expected, bug] of cases) {
        const before = window.snapshot();
        const pending = c.pendingCount();
        let outcome;
        try {
          // eslint-disable-next-line no-new-func
          const v = await new Function("c", "m", `return ${code};`)(c, m);
          if (v && typeof v.close === "function") v.close();
          outcome = { ok: true };
        } catch (err) {
          outcome = { ok: false, name: err?.name, code: err?.code, message: String(err?.message ?? err) };
        }
        const unchanged = window.snapshot() === before && c.pendingCount() === pending;
        out.push({ name, expected, bug, outcome, unchanged, pendingAfter: c.pendingCount(), pending });
      }
      const report = await c.flush();
      c.close();
      return { out, report };
    },
    { user, cases: CASES },
  );

  const failures = [];
  const known = [];
  for (const { name, expected, bug, outcome, unchanged, pending, pendingAfter } of results.out) {
    if (expected === null) {
      // An input the contract does not forbid: any outcome but a crash; if it was
      // refused, it must be a typed error that stored nothing.
      if (!outcome.ok && (outcome.name !== "VideoSessionError" || !outcome.code)) {
        failures.push(`${name}: untyped failure ${JSON.stringify(outcome)}`);
      } else if (!outcome.ok && !unchanged) {
        failures.push(`${name}: refused but storage changed`);
      }
      console.log(`  ${outcome.ok ? "accepted" : `refused ${outcome.code}`}  ${name}`);
      continue;
    }
    let problem = null;
    if (outcome.ok) problem = `accepted, expected ${expected}`;
    else if (outcome.name !== "VideoSessionError" || outcome.code !== expected) {
      problem = `got ${outcome.name} ${outcome.code} (${outcome.message}), expected ${expected}`;
    } else if (!outcome.message) problem = "empty message";
    else if (!unchanged) problem = `storage or pending changed (${pending} -> ${pendingAfter})`;
    if (problem && bug) {
      known.push(name);
      console.log(`  KNOWN BUG  ${name}: ${problem}: ${bug}`);
    } else if (problem) failures.push(`${name}: ${problem}`);
    else console.log(`  ok ${expected}  ${name}${bug ? " (flagged known bug now passes: remove the flag)" : ""}`);
  }
  const summary = failures.length ? `${failures.length} failed` : known.length ? `${known.length} known bugs, the rest passed` : "all passed";
  console.log(`bad-input catalogue (browser): ${CASES.length} cases, ${summary}`);
  assert.deepEqual(page.errors, [], "no uncaught page errors");
  assert.deepEqual(failures, [], `failing cases:\n${failures.join("\n")}`);
  assert.equal(results.report.rejected, 0, `nothing valid was rejected: ${JSON.stringify(results.report)}`);
  assert.equal(results.report.pending, 0, `everything valid delivered: ${JSON.stringify(results.report)}`);
  const list = await sessionsOf(h.server.url, user);
  assert.ok(list.some((s) => s.supportWorkerName === "Dr. Smith" && s.sessionStatus === "connected"), JSON.stringify(list));
  await context.close();
});

test("a full localStorage never fails a call, and nothing is lost once space returns", { timeout: 90_000 }, async () => {
  const user = "e2e-bad-quota";
  const context = await h.browser.newContext();
  const page = await blankPage(context);
  const r = await page.evaluate(async (user) => {
    const m = window.m;
    const events = [];
    const c = await m.VideoSessionClient.create({
      url: location.origin, userId: user, storage: "localStorage", debounceMs: 60_000, onEvent: (e) => events.push(e),
    });
    await c.startSession({ supportWorkerName: "Dr. Quota" });
    // Fill localStorage until it throws, with ever smaller pieces.
    let n = 0;
    let quotaError = null;
    for (let size = 1 << 20; size >= 16; size >>= 1) {
      for (;;) {
        try {
          localStorage.setItem(`filler:${n++}`, "x".repeat(size));
        } catch (err) {
          quotaError = err.name;
          break;
        }
      }
    }
    const storedBefore = Object.keys(localStorage).filter((k) => k.includes(":op:")).length;
    let callError = null;
    try {
      await c.markConnected();
      await c.reportQualityIssue("written while full");
    } catch (err) {
      callError = `${err.name} ${err.code} ${err.message}`;
    }
    const storedWhileFull = Object.keys(localStorage).filter((k) => k.includes(":op:")).length;
    const pendingWhileFull = c.pendingCount();
    for (const k of Object.keys(localStorage)) if (k.startsWith("filler:")) localStorage.removeItem(k);
    const report = await c.flush();
    c.close();
    return { quotaError, callError, storedBefore, storedWhileFull, pendingWhileFull, report, events };
  }, user);
  assert.equal(r.quotaError, "QuotaExceededError", "the filler really filled localStorage");
  assert.equal(r.callError, null, "calls resolve while storage is full");
  assert.equal(r.storedWhileFull, r.storedBefore, "nothing could be written while full");
  assert.equal(r.pendingWhileFull, 3, "the two new ops are kept in memory");
  assert.ok(r.events.some((e) => e.type === "storageFull" && e.inMemory >= 1), JSON.stringify(r.events));
  assert.equal(r.report.pending, 0, JSON.stringify(r.report));
  assert.equal(r.report.rejected, 0, JSON.stringify(r.report));
  const list = await eventually("the session on the backend", async () => {
    const l = await sessionsOf(h.server.url, user);
    return l[0]?.qualityIssues?.length === 1 && l;
  });
  assert.equal(list[0].sessionStatus, "connected");
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("a bearer token never reaches localStorage, even when the backend refuses it", { timeout: 90_000 }, async () => {
  const user = "e2e-bad-token";
  const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUtYmFkLXRva2VuIn0.c2VjcmV0LXNpZ25hdHVyZS1ub3QtdG8tc3RvcmU";
  const context = await h.browser.newContext();
  const page = await blankPage(context);
  const r = await page.evaluate(async ({ user, secret }) => {
    const m = window.m;
    const c = await m.VideoSessionClient.create({ url: location.origin, userId: user, storage: "localStorage", auth: secret, debounceMs: 60_000 });
    await c.startSession({ supportWorkerName: "Dr. Token" });
    await c.markConnected();
    // The test server has no JWT secret, so it refuses every token (401).
    const refused = await c.flush();
    await c.getUserSessions();
    const leaked = Object.keys(localStorage).filter((k) => {
      const v = localStorage.getItem(k);
      return [secret, ...secret.split(".").slice(1)].some((part) => k.includes(part) || v.includes(part));
    });
    c.setAuth(null);
    const delivered = await c.flush();
    c.close();
    return { refused, leaked, delivered };
  }, { user, secret });
  assert.deepEqual(r.leaked, [], "no key or value holds the token or a part of it");
  assert.equal(r.refused.applied, 0, JSON.stringify(r.refused));
  assert.equal(r.delivered.pending, 0, `the refused token cost no op: ${JSON.stringify(r.delivered)}`);
  const list = await sessionsOf(h.server.url, user);
  assert.equal(list.length, 1);
  assert.deepEqual(page.errors, []);
  await context.close();
});
