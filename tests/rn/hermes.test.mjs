// React Native's engines, for real: Metro bundles a fixture app that imports the
// package by name, React Native's Babel preset down-levels it, and the Hermes 0.12 VM
// (npm hermes-engine-cli) runs it with an AsyncStorage-shaped adapter. The current
// Hermes compiler (npm hermes-compiler) compiles the same app bundled without
// down-levelling, as today's React Native ships it.
//
// The Hermes shell has no network: `fetch` inside the VM answers from a recorded
// exchange (hermes-prelude.js). Requests a run could not send are sent byte for byte
// by the harness to the real local backend, whose replies the next run receives; the
// backend is then queried directly.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sessionsOf, spawnServer } from "../e2e/support.mjs";
import { HERMESC, bundleFixture, forward, runInHermes } from "./hermes.mjs";

const run = promisify(execFile);
let server;
let dbDir;
let legacy; // bundled with React Native's Babel preset, for Hermes 0.12
let modern; // bundled without down-levelling, for the current hermesc

before(async () => {
  dbDir = await mkdtemp(join(tmpdir(), "vss-rn-hermes-"));
  [server, legacy, modern] = await Promise.all([
    spawnServer(join(dbDir, "db.sqlite3"), dbDir),
    bundleFixture({ downlevel: true }),
    bundleFixture({ downlevel: false }),
  ]);
});
after(async () => {
  await server?.stop();
  for (const d of [dbDir, legacy?.dir, modern?.dir]) if (d) await rm(d, { recursive: true, force: true });
});

const opKeys = (storage) => Object.keys(storage).filter((k) => k.includes(":op:"));

test("Hermes 0.12: the seed's flow offline, a restart over its storage, delivery to the real backend", { timeout: 300_000 }, async (t) => {
  const userId = "hermes-user";
  const host = { url: server.url, userId };

  // Run 1: the seed's flow with no network; everything waits in AsyncStorage.
  const first = await runInHermes(legacy.dir, legacy.bundle, { ...host, storage: {}, steps: ["seed-flow", "flush"] });
  const [flow, offlineFlush] = first.steps;
  assert.match(flow.id, /^[0-9a-f-]{36}$/);
  assert.equal(flow.pending, 5, "start, connected, settings, quality issue, end: all queued");
  assert.equal(offlineFlush.applied, 0);
  assert.equal(offlineFlush.online, false, "the failed delivery marks the client offline");
  assert.equal(opKeys(first.storage).length, 5, "every op is in the app's storage");

  // Run 2: a new VM over the storage run 1 left: the ops are recovered, delivery is tried.
  const second = await runInHermes(legacy.dir, legacy.bundle, { ...host, storage: first.storage, steps: ["flush"] });
  assert.equal(second.pendingAtStart, 5, "the restarted app recovered every op");
  const { unanswered } = second;
  assert.ok(unanswered.some((r) => r.body.includes("applyBatch")), "the restarted app tried to deliver");

  // The harness sends those exact requests to the real backend; run 3 gets the replies.
  const replies = await forward(server.url, unanswered);
  const third = await runInHermes(legacy.dir, legacy.bundle, { ...host, storage: second.storage, replies, steps: ["flush"] });
  assert.equal(third.pendingAtStart, 5);
  assert.deepEqual(third.steps[0], { step: "flush", applied: 5, rejected: 0, pending: 0, online: true });
  assert.equal(third.dead, 0);
  assert.deepEqual(opKeys(third.storage), [], "delivered ops leave the storage");

  // The backend holds the seed's session once, as it happened.
  const sessions = await sessionsOf(server.url, userId);
  assert.equal(sessions.length, 1);
  const [s] = sessions;
  assert.equal(s.clientSessionId, flow.id);
  assert.equal(s.supportWorkerName, "Dr. Hermes");
  assert.equal(s.sessionStatus, "ended");
  assert.equal(s.endReason, "user_ended");
  assert.equal(s.cameraEnabled, false);
  assert.deepEqual(s.qualityIssues, ["Audio choppy"]);
  t.diagnostic(`create() in Hermes 0.12: ${first.createMs} ms empty, ${second.createMs} ms over 5 stored ops`);
});

test("Hermes 0.12: reconnection, screen sharing, network samples and a rating (#13) work offline, typed errors included", { timeout: 300_000 }, async () => {
  const offline = await runInHermes(legacy.dir, legacy.bundle, { url: server.url, userId: "hermes-reconnect", storage: {}, steps: ["reconnect-flow"] });
  const [flow] = offline.steps;
  assert.equal(flow.activeStatus, "reconnecting", "getActiveSession returns the reconnecting call");
  assert.equal(flow.current, flow.id, "and it stays the current one");
  assert.equal(flow.badRating, "INVALID_ARGUMENT");
  assert.equal(flow.badActive, "INVALID_ARGUMENT");
  assert.equal(flow.again, "INVALID_TRANSITION", "a second rating is refused");
  assert.deepEqual(
    { status: flow.status, rating: flow.rating, reconnectCount: flow.reconnectCount, totalReconnects: flow.totalReconnects, averageRating: flow.averageRating },
    { status: "ended", rating: 5, reconnectCount: 1, totalReconnects: 1, averageRating: 5 },
  );
  assert.equal(flow.badSample, "INVALID_ARGUMENT", "a NaN sample");
  assert.deepEqual({ count: flow.rttCount, mean: flow.rttMean }, { count: 3, mean: 200 }, "three samples folded");
  assert.equal(flow.pending, 9, "start, connected, share, reconnecting, one network report, reconnected, share, end, rating");
  assert.equal(opKeys(offline.storage).length, 9);
});

test("the current Hermes compiler compiles the bundle as written (no down-levelling)", { timeout: 120_000 }, async (t) => {
  const out = `${modern.bundle}.hbc`;
  await run(HERMESC, ["-O", "-emit-binary", "-out", out, modern.bundle], { timeout: 120_000, maxBuffer: 64 << 20 });
  const { size } = await stat(out);
  assert.ok(size > 100_000, `bytecode written (${size} B)`);
  t.diagnostic(`current hermesc: ${size} B of bytecode from ${(await stat(modern.bundle)).size} B of JS`);
});
