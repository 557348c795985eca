// Two tabs of the demo at once (two pages of one browser context, so one localStorage
// and one delivery lock): both run calls at the same time for the same user. Every op
// must take effect exactly once: the backend's totals equal what was done.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  demoHarness, drained, skipRating, eventually, join, openDemo, query, screenshot, sessionsOf, statsOf, tid,
} from "./support.mjs";

const h = demoHarness();

/** A full call in one tab: join, connect, report `issue`, then end or fail it. */
async function call(page, { workerName, workerId, issue, fail = false }) {
  const id = await join(page, { workerName, workerId });
  await page.click(tid("connect-now"));
  await page.waitForSelector(`${tid("call-status")}:text("Connected")`);
  await page.fill(tid("issue-input"), issue);
  await page.click(tid("report-issue"));
  await page.waitForSelector(`${tid("issue-list")} li:has-text("${issue}")`);
  await page.waitForTimeout(1_100);
  await page.click(tid(fail ? "simulate-failure" : "end-call"));
  await skipRating(page);
  return id;
}

test("two tabs at once: every call counted exactly once", { timeout: 120_000 }, async () => {
  const user = "e2e-tabs";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const a = await openDemo(context, h.server.url, user);
  const b = await openDemo(context, h.server.url, user);

  const [idA, idB] = await Promise.all([
    call(a, { workerName: "Dr. Sarah Smith", workerId: "worker456", issue: "Audio choppy" }),
    call(b, { workerName: "Dr. Amir Khan", workerId: "worker-khan", issue: "Video frozen" }),
  ]);
  assert.notEqual(idA, idB);
  const idA2 = await call(a, { workerName: "Dr. Sarah Smith", workerId: "worker456", issue: "Dropped audio", fail: true });

  const sessions = await eventually("three finished sessions on the backend", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list.length === 3 && list.every((s) => s.sessionStatus === "ended" || s.sessionStatus === "failed") && list;
  });
  await Promise.all([drained(a), drained(b)]);
  await a.waitForTimeout(1_000);

  const byId = new Map(sessions.map((s) => [s.clientSessionId, s]));
  assert.deepEqual([...byId.keys()].sort(), [idA, idB, idA2].sort(), "one backend session per call, no duplicates");
  assert.equal(byId.get(idA).sessionStatus, "ended");
  assert.deepEqual(byId.get(idA).qualityIssues, ["Audio choppy"]);
  assert.equal(byId.get(idB).sessionStatus, "ended");
  assert.deepEqual(byId.get(idB).qualityIssues, ["Video frozen"]);
  assert.equal(byId.get(idA2).sessionStatus, "failed");
  assert.equal(byId.get(idA2).endReason, "connection_lost");
  assert.equal(byId.get(idA2).duration, undefined);
  const durations = [idA, idB].map((id) => byId.get(id).duration);
  for (const [i, d] of durations.entries()) {
    const s = byId.get([idA, idB][i]);
    assert.equal(d, Math.floor((Date.parse(s.endedAt) - Date.parse(s.connectedAt)) / 1000));
  }

  const stats = await statsOf(h.server.url, user);
  assert.deepEqual(stats, {
    totalSessions: 3,
    completedSessions: 2,
    failedSessions: 1,
    totalDuration: durations[0] + durations[1],
    averageDuration: Math.round((durations[0] + durations[1]) / 3),
    totalQualityIssues: 3,
    // #13: no reconnects and no ratings in these calls.
    totalReconnects: 0,
    averageRating: null,
  });
  const workers = await query(h.server.url, "videoCallSessions:getSupportWorkerStats", {});
  const smith = workers.find((w) => w.supportWorkerId === "worker456");
  const khan = workers.find((w) => w.supportWorkerId === "worker-khan");
  assert.equal(workers.length, 2);
  assert.equal(smith.totalSessions, 2);
  assert.equal(smith.failedSessions, 1);
  assert.equal(khan.totalSessions, 1);
  assert.equal(khan.completedSessions, 1);

  for (const page of [a, b]) {
    await page.click("#history-refresh");
    await page.waitForSelector(`${tid("stat-totalSessions")}[data-value="3"]`);
    await page.waitForSelector(`${tid("stat-failedSessions")}[data-value="1"]`);
    assert.equal(await page.locator(tid("history-row")).count(), 3);
    assert.equal(await page.textContent(tid("dead-letters")), "0");
    assert.deepEqual(page.errors, []);
  }
  await screenshot(a, "two-tabs-a");
  await screenshot(b, "two-tabs-b");
  await context.close();
});
