// Reloading the page in the middle of a call resumes it: getActiveSession brings the
// meeting screen back with the same session, its connect time (the timer keeps
// counting from it) and its settings and issues; ending it then leaves exactly one
// session on the backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONNECTED, PRECALL, RATING, demoHarness, skipRating, drained, eventually, join, openDemo, screenshot, sessionsOf, statsOf, tid, timedClick, waitReady,
} from "./support.mjs";

const h = demoHarness();

const clockSecs = (text) => text.split(":").map(Number).reduce((acc, n) => acc * 60 + n, 0);

test("a reload in the middle of a call resumes the active session", { timeout: 90_000 }, async () => {
  const user = "e2e-reload";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user);

  const id = await join(page, { workerName: "Nurse Lee Chen", workerId: "worker-chen" });
  const connected = await timedClick(page, tid("connect-now"), CONNECTED);
  await page.click(tid("toggle-mic"));
  await page.waitForSelector(`${tid("toggle-mic")}[aria-pressed="false"]`);
  await page.fill(tid("issue-input"), "Echo on the line");
  await page.click(tid("report-issue"));
  await page.waitForSelector(`${tid("issue-list")} li:has-text("Echo on the line")`);
  await page.waitForTimeout(2_000);

  await page.reload();
  await waitReady(page);
  await page.waitForSelector(`${tid("meeting-screen")}:not([hidden])`);
  assert.equal(await page.getAttribute(tid("meeting-screen"), "data-session-id"), id, "the same session is resumed");
  assert.equal(await page.textContent(tid("call-status")), "Connected");
  assert.equal(await page.isHidden(tid("connect-now")), true);
  assert.equal(await page.getAttribute(tid("toggle-mic"), "aria-pressed"), "false", "settings survive the reload");
  assert.equal(await page.getAttribute(tid("toggle-camera"), "aria-pressed"), "true");
  assert.equal(await page.locator(`${tid("issue-list")} li`).count(), 1);
  await page.waitForTimeout(300);
  const shown = clockSecs(await page.textContent(tid("call-timer")));
  const elapsed = (Date.now() - connected[1]) / 1000;
  assert.ok(shown >= 2 && shown <= elapsed + 1, `the timer counts from the connect time (${shown} s shown, ${elapsed} s elapsed)`);
  await page.waitForSelector(`${tid("toast")}:has-text("Welcome back")`);
  await screenshot(page, "reload-resumed");

  const ended = await timedClick(page, tid("end-call"), RATING);
  await skipRating(page);
  const list = await eventually("the ended session on the backend", async () => {
    const l = await sessionsOf(h.server.url, user);
    return l[0]?.sessionStatus === "ended" && l;
  });
  assert.equal(list.length, 1, "the reload did not start a second session");
  const [session] = list;
  assert.equal(session.clientSessionId, id);
  assert.equal(session.micEnabled, false);
  assert.deepEqual(session.qualityIssues, ["Echo on the line"]);
  const connectedAt = Date.parse(session.connectedAt);
  const endedAt = Date.parse(session.endedAt);
  assert.ok(connectedAt >= connected[0] && connectedAt <= connected[1]);
  assert.ok(endedAt >= ended[0] && endedAt <= ended[1]);
  assert.equal(session.duration, Math.floor((endedAt - connectedAt) / 1000));
  assert.ok(session.duration >= 2);
  const stats = await statsOf(h.server.url, user);
  assert.equal(stats.totalSessions, 1);
  assert.equal(stats.completedSessions, 1);

  await drained(page);
  await page.reload();
  await waitReady(page);
  assert.equal(await page.isVisible(tid("precall-screen")), true, "nothing to resume after the call ended");
  assert.deepEqual(page.errors, []);
  await context.close();
});
