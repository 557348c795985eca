// An online call through both screens: pre-call → Join Now → connect → camera off →
// quality issue → End call. The backend's record (read with a direct HTTP query) must
// hold exactly what was done, with connect/end times from the clicks.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONNECTED, PRECALL, RATING, demoHarness, skipRating, drained, eventually, join, openDemo, screenshot, sessionsOf, statsOf, tid, timedClick,
} from "./support.mjs";

const h = demoHarness();

test("an online call is recorded on the backend as it happened", { timeout: 90_000 }, async () => {
  const user = "e2e-online";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user);
  await screenshot(page, "online-precall");

  const id = await join(page, { workerName: "Dr. Sarah Smith", workerId: "worker456", audio: "cellular" });
  assert.match(id, /^[0-9a-f-]{36}$/, "Join Now shows the session's id");
  assert.equal(await page.textContent(tid("call-status")), "Connecting…");

  const connected = await timedClick(page, tid("connect-now"), CONNECTED);
  await page.click(tid("toggle-camera"));
  await page.waitForSelector(`${tid("toggle-camera")}[aria-pressed="false"]`);
  await page.fill(tid("issue-input"), "Audio choppy");
  await page.click(tid("report-issue"));
  await page.waitForSelector(`${tid("issue-list")} li:has-text("Audio choppy")`);
  await page.waitForTimeout(1_300);
  assert.notEqual(await page.textContent(tid("call-timer")), "00:00", "the call timer runs");
  await screenshot(page, "online-meeting");

  const ended = await timedClick(page, tid("end-call"), RATING);
  await skipRating(page);

  const [session] = await eventually("the ended session on the backend", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list.length === 1 && list[0].sessionStatus === "ended" && list;
  });
  assert.equal(session.clientSessionId, id);
  assert.equal(session.userId, user);
  assert.equal(session.supportWorkerName, "Dr. Sarah Smith");
  assert.equal(session.supportWorkerId, "worker456");
  assert.equal(session.audioOption, "cellular");
  assert.equal(session.cameraEnabled, false);
  assert.equal(session.micEnabled, true);
  assert.deepEqual(session.qualityIssues, ["Audio choppy"]);
  assert.equal(session.endReason, "user_ended");
  const connectedAt = Date.parse(session.connectedAt);
  const endedAt = Date.parse(session.endedAt);
  assert.ok(connectedAt >= connected[0] && connectedAt <= connected[1], `connectedAt ${session.connectedAt} is the click time`);
  assert.ok(endedAt >= ended[0] && endedAt <= ended[1], `endedAt ${session.endedAt} is the click time`);
  assert.equal(session.duration, Math.floor((endedAt - connectedAt) / 1000));
  assert.ok(session.duration >= 1);

  const stats = await statsOf(h.server.url, user);
  assert.deepEqual(stats, {
    totalSessions: 1,
    completedSessions: 1,
    failedSessions: 0,
    totalDuration: session.duration,
    averageDuration: session.duration,
    totalQualityIssues: 1,
    // #13: no reconnects and no ratings in this call.
    totalReconnects: 0,
    averageRating: null,
  });

  await drained(page);
  const row = page.locator(tid("history-row")).first();
  await eventually("the history row to show the synced call", async () =>
    (await row.getAttribute("data-status")) === "ended" && (await row.getAttribute("data-synced")) === "true");
  await page.click("#history-refresh");
  await page.waitForSelector(`${tid("stat-totalSessions")}[data-value="1"]`);
  await page.waitForSelector(`${tid("stat-completedSessions")}[data-value="1"]`);
  await page.waitForSelector(`${tid("worker-row")}[data-worker-id="worker456"]`);
  assert.equal(await page.textContent(tid("dead-letters")), "0");
  await screenshot(page, "online-call");
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("bad input gets a clear message, starts nothing, and markup stays text", { timeout: 60_000 }, async () => {
  const user = "e2e-input";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user);

  await page.fill(tid("worker-name"), "   ");
  await page.click(tid("join-now"));
  await page.waitForSelector("#precall-error:not([hidden])");
  assert.match(await page.textContent("#precall-error"), /support worker/i);
  assert.equal(await page.isVisible(tid("precall-screen")), true);

  const name = '<img src=x onerror="window.__pwned=1">Dr. Who';
  await join(page, { workerName: name, workerId: "worker-who" });
  assert.equal(await page.textContent("#remote-name"), name, "the name is shown as text");
  await page.click(tid("connect-now"));
  await page.waitForSelector(CONNECTED);
  await page.fill(tid("issue-input"), "<b>loud</b> static");
  await page.click(tid("report-issue"));
  await page.waitForSelector(`${tid("issue-list")} li:has-text("<b>loud</b> static")`);
  assert.equal(await page.locator(`${tid("issue-list")} b`).count(), 0, "no markup was created");
  await page.click(tid("end-call"));
  await skipRating(page);

  const [session] = await eventually("the session on the backend", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list.length === 1 && list[0].sessionStatus === "ended" && list;
  });
  assert.equal(session.supportWorkerName, name);
  assert.deepEqual(session.qualityIssues, ["<b>loud</b> static"]);
  await drained(page);
  await page.click("#history-refresh");
  await page.waitForSelector(`${tid("history-row")}[data-synced="true"]`);
  assert.equal(await page.locator(`${tid("history-list")} img`).count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await screenshot(page, "input-as-text");
  assert.deepEqual(page.errors, []);
  await context.close();
});
