// The demo on a phone-sized viewport (390×844, touch): nothing covers the buttons a
// caller needs ("Join Now", "Start the call now", the call controls), the page never
// scrolls sideways, and axe-core finds no serious or critical violation there either.
// The meeting is saved under test-results/e2e/ like every e2e screenshot; the copy in
// docs/screenshots/ was taken from one run by hand, so a test run never dirties the tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CONNECTED, PRECALL, RATING, demoHarness, join, openDemo, screenshot, tid } from "./support.mjs";
import { blockingViolations, describe } from "./axe.mjs";

const h = demoHarness();
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * Scrolls `selector` into view and hit-tests a 5×3 grid of points over it (inset from
 * the edges, so the rounded corners are left out). Returns one line per point where
 * something other than the button (or its icon) is on top.
 */
async function coveredPoints(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const covered = [];
    for (const fy of [0.25, 0.5, 0.75]) {
      for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9]) {
        const x = r.left + r.width * fx;
        const y = r.top + r.height * fy;
        const hit = document.elementFromPoint(x, y);
        if (hit && (hit === el || el.contains(hit))) continue;
        const who = hit ? `${hit.tagName.toLowerCase()}${hit.id ? `#${hit.id}` : ""}${[...hit.classList].map((c) => `.${c}`).join("")}` : "nothing";
        covered.push(`(${Math.round(x)},${Math.round(y)}) is covered by ${who}`);
      }
    }
    return covered;
  });
}

async function assertReachable(page, selector) {
  assert.ok(await page.isVisible(selector), `${selector} is visible`);
  assert.deepEqual(await coveredPoints(page, selector), [], `nothing covers ${selector}`);
}

async function assertNoSidewaysScroll(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
}

test("on a 390×844 phone nothing covers the call's buttons", { timeout: 90_000 }, async () => {
  const context = await h.browser.newContext(PHONE);
  const page = await openDemo(context, h.server.url, "e2e-phone");
  await assertNoSidewaysScroll(page);
  await assertReachable(page, tid("join-now"));
  const found = describe("phone pre-call", await blockingViolations(page));

  await join(page, { workerName: "Dr. Sarah Smith", workerId: "worker456" });
  await page.evaluate(() => window.scrollTo(0, 0));
  await assertNoSidewaysScroll(page);
  await assertReachable(page, tid("connect-now"));
  await assertReachable(page, tid("toggle-mic"));
  await assertReachable(page, tid("end-call"));
  found.push(...describe("phone meeting", await blockingViolations(page)));
  assert.deepEqual(found, [], `axe-core found serious/critical violations:\n${found.join("\n")}`);

  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, "phone-meeting");

  await page.tap(tid("connect-now"), { timeout: 5_000 });
  await page.waitForSelector(CONNECTED);
  await assertReachable(page, tid("end-call"));
  await page.tap(tid("end-call"), { timeout: 5_000 });
  await page.waitForSelector(RATING);
  await assertNoSidewaysScroll(page);
  await assertReachable(page, tid("send-rating"));
  await assertReachable(page, tid("skip-rating"));
  const onRating = describe("phone post-call rating", await blockingViolations(page));
  assert.deepEqual(onRating, [], `axe-core found serious/critical violations:\n${onRating.join("\n")}`);
  await page.tap(tid("skip-rating"), { timeout: 5_000 });
  await page.waitForSelector(PRECALL);
  assert.deepEqual(page.errors, []);
  await context.close();
});
