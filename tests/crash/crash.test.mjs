// The browser crash test: workload pages are killed (page closed without beforeunload,
// renderer crashed, whole browser SIGKILLed) or reloaded at random moments, a fresh page
// recovers and delivers, and the backend must then hold every op whose call had
// resolved, exactly once, with stats and durations that agree with the sessions.
// The seed is printed; `VSS_CRASH_SEED=<n>` replays the driver's choices.
// The second test is the negative control: the same driver and checker must report
// the loss when the page keeps its ops in memory, and a double apply injected over HTTP.

import { test } from "node:test";
import assert from "node:assert/strict";
import { query } from "../e2e/support.mjs";
import { allSessions, checkBackend } from "./check.mjs";
import { startCrashServer } from "./harness.mjs";
import { crashSeed, runCrashSuite, summary } from "./trials.mjs";

const TRIALS = Number(process.env.VSS_CRASH_TRIALS || 20);

test(`${TRIALS} crash/reload trials and a four-tab kill: every resolved op on the backend exactly once`, { timeout: 600_000 }, async (t) => {
  const seed = crashSeed();
  t.diagnostic(`seed ${seed}`);
  console.log(`crash test seed ${seed} (replay with VSS_CRASH_SEED=${seed})`);
  const r = await runCrashSuite({ trials: TRIALS, seed });
  console.log(summary(r));
  const c = r.counts;
  assert.deepEqual(r.problems, [], `seed ${seed}: ${r.problems.length} problems`);
  assert.equal(c.duplicates, 0);
  assert.equal(c.missing, 0);
  assert.equal(c.trials, TRIALS + 1);
  for (const kind of ["close", "crash", "reload", "browserKill"]) {
    assert.ok(c[kind] >= 1, `no ${kind} trial ran`);
  }
  assert.equal(c.tabsKilled, 4);
  assert.ok(c.recoveredFromStorage > 0, "no fresh page had anything to recover: the kills never hit pending ops");
  assert.ok(c.journaled > TRIALS, `only ${c.journaled} calls were journaled`);
  assert.ok(c.backendOps >= c.journaled - c.lostOnBrowserKill, "fewer ops on the backend than journaled");
  const tabLines = r.journal.filter((l) => l.t === "ok" && /^tab\d\./.test(l.tag));
  assert.equal(new Set(tabLines.map((l) => l.tag)).size, 4, "all four tabs ran calls");
});

test("negative control: the checker reports ops lost with the page and an op applied twice", { timeout: 120_000 }, async () => {
  // Memory storage and a debounce longer than the run: nothing can survive the kill.
  const r = await runCrashSuite({
    trials: 2,
    seed: 1,
    tabs: false,
    actions: [["close", 1], ["crash", 1]],
    pageQuery: { storage: "memory", debounce: 60_000 },
  });
  assert.ok(r.counts.journaled > 0, "the workload journaled nothing");
  assert.ok(r.counts.missing > 0, `no loss reported:\n${summary(r)}`);
  assert.ok(r.problems.some((p) => p.includes("has no session on the backend")), r.problems.join("\n"));

  // A real session on a real server, then the same issue applied a second time.
  const server = await startCrashServer();
  try {
    const mutate = async (path, args) => {
      const res = await fetch(`${server.url}/api/mutation`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path, format: "json", args: [args] }),
      });
      const body = await res.json();
      assert.equal(body.status, "success", JSON.stringify(body));
      return body.value;
    };
    const user = "crash-a";
    await mutate("videoCallSessions:startSession", { userId: user, supportWorkerName: "Dr. X", clientSessionId: "cs-1" });
    const journal = [
      { t: "ready", user, tag: "t0.x" },
      { t: "ok", user, tag: "t0.x", kind: "startSession", csid: "cs-1", opId: "o1" },
      { t: "ok", user, tag: "t0.x", kind: "reportQualityIssue", csid: "cs-1", opId: "o2", issue: "q t0.x 0" },
    ];
    await mutate("videoCallSessions:reportQualityIssue", { clientSessionId: "cs-1", issue: "q t0.x 0", opId: "o2" });
    const clean = await checkBackend(server.url, [user], journal);
    assert.deepEqual(clean.problems, []);
    await mutate("videoCallSessions:reportQualityIssue", { clientSessionId: "cs-1", issue: "q t0.x 0", opId: "o3" });
    const dirty = await checkBackend(server.url, [user], journal);
    assert.equal(dirty.counts.duplicates, 1, dirty.problems.join("\n"));
    assert.equal((await allSessions(server.url, user))[0].qualityIssues.length, 2);
    assert.equal((await query(server.url, "videoCallSessions:getCallStats", { userId: user })).totalQualityIssues, 2);
  } finally {
    await server.stop();
  }
});
