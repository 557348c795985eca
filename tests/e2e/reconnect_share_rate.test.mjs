// The call features beyond the seed, through the demo: the connection drops and comes
// back, the screen is shared for a while, the page is reloaded mid-call while
// reconnecting and sharing (both come back), the call ends and is rated. The backend's
// record (a direct HTTP query) must count one reconnect with its seconds and the
// screen-share seconds from the click times, hold the rating and its comment, and
// getCallStats must report the reconnect and the average rating.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONNECTED, PRECALL, RATING, demoHarness, drained, eventually, join, openDemo, screenshot, sessionsOf, statsOf, tid,
  timedClick, waitReady,
} from "./support.mjs";

const h = demoHarness();
const RECONNECTING = `${tid("call-status")}:text("Reconnecting…")`;

test("a dropped, shared, resumed call ends with its reconnects, screen time and rating", { timeout: 90_000 }, async () => {
  const user = "e2e-beyond";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user);

  const id = await join(page, { workerName: "Dr. Amir Khan", workerId: "worker-khan" });
  await page.click(tid("connect-now"));
  await page.waitForSelector(CONNECTED);
  const shareOn = await timedClick(page, tid("toggle-share"), `${tid("toggle-share")}[aria-pressed="true"]`);
  assert.equal(await page.isVisible(tid("sharing-pill")), true, "the page says the screen is shared");
  const dropped = await timedClick(page, tid("simulate-drop"), RECONNECTING);
  await screenshot(page, "meeting-reconnecting");

  // A reload while reconnecting and sharing: the call comes back as it was.
  await drained(page);
  await page.reload();
  await waitReady(page);
  await page.waitForSelector(RECONNECTING);
  assert.equal(await page.getAttribute(tid("meeting-screen"), "data-session-id"), id);
  assert.equal(await page.getAttribute(tid("toggle-share"), "aria-pressed"), "true");

  await page.waitForTimeout(1_100);
  const restored = await timedClick(page, tid("simulate-drop"), CONNECTED);
  const shareOff = await timedClick(page, tid("toggle-share"), `${tid("toggle-share")}[aria-pressed="false"]`);
  await page.click(tid("end-call"));
  await page.waitForSelector(RATING);
  assert.match(await page.textContent("#rating-title"), /Dr\. Amir Khan/);

  // Sending without stars is refused on the page, not sent.
  await page.click(tid("send-rating"));
  await page.waitForSelector("#rating-error:not([hidden])");
  await page.click(tid("rating-star-4"));
  assert.equal(await page.isChecked(tid("rating-4")), true);
  await page.fill(tid("rating-comment"), "Sound dropped once, <b>great</b> advice");
  await screenshot(page, "post-call-rating");
  await page.click(tid("send-rating"));
  await page.waitForSelector(PRECALL);

  const [session] = await eventually("the rated session on the backend", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list.length === 1 && list[0].rating !== undefined && list;
  });
  assert.equal(session.clientSessionId, id);
  assert.equal(session.sessionStatus, "ended");
  assert.equal(session.reconnectCount, 1);
  const secs = (a, b) => Math.floor((b - a) / 1000);
  const reconnect = session.reconnectSeconds;
  assert.ok(
    reconnect >= secs(dropped[1], restored[0]) && reconnect <= secs(dropped[0], restored[1]),
    `reconnectSeconds ${reconnect} is the time between the clicks`,
  );
  const shared = session.screenShareSeconds;
  assert.ok(
    shared >= secs(shareOn[1], shareOff[0]) && shared <= secs(shareOn[0], shareOff[1]),
    `screenShareSeconds ${shared} is the time between the clicks`,
  );
  assert.equal(session.reconnectingSince, undefined);
  assert.equal(session.screenShareSince, undefined);
  assert.equal(session.rating, 4);
  assert.equal(session.ratingComment, "Sound dropped once, <b>great</b> advice");

  const stats = await statsOf(h.server.url, user);
  assert.equal(stats.totalReconnects, 1);
  assert.equal(stats.averageRating, 4);
  await drained(page);
  await page.click("#history-refresh");
  await page.waitForSelector(`${tid("history-row")}[data-synced="true"] ${tid("history-rating")}:text("4★")`);
  await page.waitForSelector(`${tid("stat-averageRating")}[data-value="4"]`);
  await page.waitForSelector(`${tid("stat-totalReconnects")}[data-value="1"]`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
