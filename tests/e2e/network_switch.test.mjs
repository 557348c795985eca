// The Network switch during a call: the call starts online, then the network goes off
// (the client is re-created with an unreachable backend on the same localStorage),
// the call connects and ends while offline, and the ops reach the backend only when
// the switch is back on. The backend's connectedAt/endedAt must be the click times,
// not the delivery time, and the duration must come from them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONNECTED, PRECALL, RATING, demoHarness, skipRating, drained, eventually, join, openDemo, pending, screenshot, sessionsOf, statsOf, tid, timedClick,
} from "./support.mjs";

const h = demoHarness();

async function setNetwork(page, on) {
  // The input itself is visually hidden; people click its visible switch (the label).
  await page.click(`label:has(${tid("network-switch")})`);
  const state = on ? "online" : "offline";
  await page.waitForSelector(`${tid("network-state")}[data-state="${state}"]`);
  await page.waitForSelector(`${tid("network-switch")}:not([disabled])`);
  assert.equal(await page.isChecked(tid("network-switch")), on);
}

test("a call made while offline reaches the backend with its true times", { timeout: 90_000 }, async () => {
  const user = "e2e-network";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user);

  const id = await join(page, { workerName: "Dr. Amir Khan", workerId: "worker-khan" });
  await eventually("the started session on the backend", async () => (await sessionsOf(h.server.url, user)).length === 1);
  await drained(page);

  await setNetwork(page, false);
  assert.equal(await page.textContent(tid("network-state")), "Offline");
  assert.equal(await page.getAttribute(tid("meeting-screen"), "data-session-id"), id, "the call goes on");

  const connected = await timedClick(page, tid("connect-now"), CONNECTED);
  await page.fill(tid("issue-input"), "Video frozen");
  await page.click(tid("report-issue"));
  await page.waitForTimeout(2_200);
  const ended = await timedClick(page, tid("end-call"), RATING);
  await skipRating(page);

  await eventually("the queue inspector to show 3 pending ops", async () => (await pending(page)) === 3);
  const waiting = page.locator(`${tid("history-row")}[data-session-id="${id}"]`);
  await eventually("history to show the call ended, from the local view while offline", async () =>
    (await waiting.getAttribute("data-status")) === "ended");
  await page.waitForSelector(`${tid("event-log")} li[data-type="offline"]`);
  await screenshot(page, "network-off");

  await page.waitForTimeout(2_500);
  const [stale] = await sessionsOf(h.server.url, user);
  assert.equal(stale.sessionStatus, "connecting", "nothing reaches the backend while the network is off");
  assert.equal(stale.connectedAt, undefined);

  const backOn = Date.now();
  await setNetwork(page, true);
  const [session] = await eventually("the ended session on the backend", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list[0]?.sessionStatus === "ended" && list;
  });
  await drained(page);

  const connectedAt = Date.parse(session.connectedAt);
  const endedAt = Date.parse(session.endedAt);
  assert.ok(connectedAt >= connected[0] && connectedAt <= connected[1], `connectedAt ${session.connectedAt} is the click time`);
  assert.ok(endedAt >= ended[0] && endedAt <= ended[1], `endedAt ${session.endedAt} is the click time`);
  assert.ok(backOn - endedAt >= 2_000, "the end was delivered well after it happened, and kept its time");
  assert.equal(session.duration, Math.floor((endedAt - connectedAt) / 1000));
  assert.ok(session.duration >= 2);
  assert.deepEqual(session.qualityIssues, ["Video frozen"]);
  assert.equal(session.clientSessionId, id);

  const stats = await statsOf(h.server.url, user);
  assert.equal(stats.totalSessions, 1);
  assert.equal(stats.completedSessions, 1);
  assert.equal(stats.totalDuration, session.duration);
  assert.equal(stats.totalQualityIssues, 1);

  await eventually("the history row to be synced", async () => (await waiting.getAttribute("data-synced")) === "true");
  assert.equal(await page.textContent(tid("dead-letters")), "0");
  await page.waitForSelector(`${tid("stat-completedSessions")}[data-value="1"]`);
  await page.waitForSelector(`${tid("worker-row")}[data-worker-id="worker-khan"][data-completed="1"]`);
  assert.equal(await page.isVisible("#worker-empty"), false, "the offline note is gone once the backend answers");
  await screenshot(page, "network-back-on");
  assert.deepEqual(page.errors, []);
  await context.close();
});
