// The React Native entry in Node with `WebAssembly`, `TextEncoder` and `TextDecoder`
// deleted, against the real local backend over HTTP, behaves as the wasm build:
// lifecycle, offline then online, exactly once through replies lost after the commit,
// and durations from event times. The probe (behaviour-probe.mjs) runs per build in
// its own process; the backend is then queried directly, independently of the SDK.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, query, spawnServer } from "../e2e/support.mjs";

const run = promisify(execFile);
let server;
let dir;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vss-rn-"));
  server = await spawnServer(join(dir, "db.sqlite3"), dir);
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function probe(build) {
  const args = [join(ROOT, "tests/rn/behaviour-probe.mjs"), build, server.url, `${build}-`];
  // A zone without daylight saving (+5:30), so the offset the ops carry is known.
  const env = { ...process.env, TZ: "Asia/Kolkata" };
  const { stdout } = await run(process.execPath, args, { timeout: 120_000, maxBuffer: 16 << 20, env });
  return JSON.parse(stdout);
}

const onBackend = async (userId) => {
  const strip = ({ _id, _creationTime, userId: _u, clientSessionId, ...rest }) => ({
    ...rest,
    ...Object.fromEntries(Object.entries(rest).filter(([k, v]) => /At$/.test(k) && v != null).map(([k]) => [k, "<time>"])),
  });
  return (await query(server.url, "videoCallSessions:getUserSessions", { userId })).map(strip);
};

test("RN entry without WebAssembly over HTTP: the wasm build's behaviour, and the backend agrees", { timeout: 300_000 }, async (t) => {
  const [wasm, rn] = await Promise.all([probe("wasm"), probe("rn-bare")]);
  assert.ok(rn.requests, "the RN build reached the backend over HTTP");
  for (const k of Object.keys(wasm.out)) assert.deepEqual(rn.out[k], wasm.out[k], k);

  const o = rn.out;
  assert.deepEqual(o.lifecycle.dead, [], "nothing refused");
  assert.equal(o.lifecycle.flushed.applied, 5);
  assert.equal(o.lifecycle.sessions[0].sessionStatus, "ended");
  assert.equal(o.offlineThenOnline.offline.state.online, false);
  assert.equal(o.offlineThenOnline.offline.state.pending, 4, "offline: the ops wait");
  assert.equal(o.offlineThenOnline.online.flush.applied, 4);
  assert.equal(o.exactlyOnce.dropped, 2, "two replies were lost after the backend applied the batch");
  assert.equal(o.exactlyOnce.stats.totalSessions, 1);
  assert.equal(o.eventTimeDuration.duration, 2, "2.3 s between the event times, delivered 1.5 s later");
  const a = o.analytics;
  assert.equal(a.offset, 330, "the probe runs in Asia/Kolkata");
  assert.equal(a.stored, 330, "the device's offset reached the stored session");
  assert.equal(a.flushed.applied, 3);
  assert.deepEqual(a.volume, [{ bucket: "<today>", calls: 1, completedSessions: 1, failedSessions: 0 }]);
  assert.deepEqual(a.trend, [{ completedSessions: 1, timedCalls: 0, averageDuration: null }]);
  assert.deepEqual(a.peak, { total: 1, today: 1 });
  assert.equal(a.issues, 1);
  assert.equal(a.board.length, 1);
  assert.equal(a.board[0].totalSessions, 1);
  assert.equal(a.offlineSame, true, "offline: the last answer for the same arguments");
  assert.equal(a.offlineOther, "NETWORK");
  assert.equal(a.bad, "INVALID_ARGUMENT");

  for (const user of ["lifecycle", "offline", "dropped", "duration"]) {
    const [a, b] = await Promise.all([onBackend(`wasm-${user}`), onBackend(`rn-bare-${user}`)]);
    assert.equal(b.length, 1, `${user}: exactly one session on the backend`);
    assert.deepEqual(b, a, `${user}: the backend holds the same from both builds`);
  }
  const dropped = (await onBackend("rn-bare-dropped"))[0];
  assert.deepEqual(dropped.qualityIssues, ["Echo"], "the resent batch was not applied twice");
  assert.equal((await onBackend("rn-bare-duration"))[0].duration, 2);
  t.diagnostic(`compared ${Object.keys(wasm.out).length} scenarios; backend checked for 4 users per build`);
});
