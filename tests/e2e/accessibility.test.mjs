// axe-core on every screen of the demo, in the states people see them in: the pre-call
// form (camera on and off), the meeting while connecting and once connected (camera
// and mic off, an issue reported; reconnecting while sharing the screen), the post-call
// rating, the history and dashboard after an ended and a
// failed call, and the whole page with the network off. Any serious or critical
// violation fails the test, listed with its rule id and element.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CONNECTED, PRECALL, RATING, demoHarness, drained, join, openDemo, skipRating, tid } from "./support.mjs";
import { blockingViolations, describe } from "./axe.mjs";

const h = demoHarness();

test("axe-core finds no serious or critical violation on any screen", { timeout: 120_000 }, async () => {
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, "e2e-axe");
  const found = [];
  const check = async (screen) => found.push(...describe(screen, await blockingViolations(page)));

  await check("pre-call");
  await page.click(`label:has(${tid("precall-camera")})`);
  await page.click(`label:has(${tid("precall-mic")})`);
  await check("pre-call, camera and mic off");
  await page.click(`label:has(${tid("precall-camera")})`);
  await page.click(`label:has(${tid("precall-mic")})`);

  await join(page, { workerName: "Dr. Sarah Smith", workerId: "worker456" });
  await check("meeting, connecting");
  await page.click(tid("connect-now"));
  await page.waitForSelector(CONNECTED);
  await page.click(tid("toggle-camera"));
  await page.waitForSelector(`${tid("toggle-camera")}[aria-pressed="false"]`);
  await page.click(tid("toggle-mic"));
  await page.waitForSelector(`${tid("toggle-mic")}[aria-pressed="false"]`);
  await page.fill(tid("issue-input"), "Audio choppy");
  await page.click(tid("report-issue"));
  await page.waitForSelector(`${tid("issue-list")} li`);
  await check("meeting, connected, camera and mic off, an issue reported");

  await page.click(tid("simulate-drop"));
  await page.waitForSelector(`${tid("call-status")}:text("Reconnecting…")`);
  await page.click(tid("toggle-share"));
  await page.waitForSelector(`${tid("toggle-share")}[aria-pressed="true"]`);
  await check("meeting, reconnecting, sharing the screen");

  await page.click(tid("end-call"));
  await page.waitForSelector(RATING);
  await page.click(tid("rating-star-4"));
  assert.equal(await page.isChecked(tid("rating-4")), true);
  await check("post-call rating");
  await page.click(tid("skip-rating"));
  await page.waitForSelector(PRECALL);
  await join(page, { workerName: "Dr. Amir Khan", workerId: "worker-khan" });
  await page.click(tid("simulate-failure"));
  await skipRating(page);
  await drained(page);
  await page.click("#history-refresh");
  await page.waitForSelector(`${tid("stat-totalSessions")}[data-value="2"]`);
  await page.waitForSelector(`${tid("history-row")}[data-status="failed"]`);
  await check("ended: history and dashboard");

  await page.click(`label:has(${tid("network-switch")})`);
  await page.waitForSelector(`${tid("network-state")}[data-state="offline"]`);
  await join(page, { workerName: "Dr. Sarah Smith", workerId: "worker456" });
  await page.waitForSelector(`${tid("event-log")} li[data-type="offline"]`);
  await check("network off, a call waiting in the queue");

  assert.deepEqual(found, [], `axe-core found serious/critical violations:\n${found.join("\n")}`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
