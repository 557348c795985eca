// The live network-quality feed: a sample every 150 ms for a few seconds of call. The
// SDK folds them on the device, so the queue never holds more than the session's one
// pending report (and one in flight); after the call the backend's session holds
// every sample that was reported, and axe-core finds nothing wrong with the panel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CONNECTED, RATING, demoHarness, eventually, join, openDemo, sessionsOf, tid } from "./support.mjs";
import { blockingViolations, describe } from "./axe.mjs";

const h = demoHarness();

test("network samples are folded on the device and all reach the backend", { timeout: 90_000 }, async () => {
  const user = "e2e-netfeed";
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openDemo(context, h.server.url, user, { netSamples: 150 });

  await join(page, { workerName: "Dr. Sarah Smith", workerId: "worker456" });
  await page.click(tid("connect-now"));
  await page.waitForSelector(CONNECTED);
  let most = 0;
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="net-samples"]')?.dataset.value) >= 20, null, {
    polling: 50,
    timeout: 30_000,
  });
  for (let i = 0; i < 10; i++) {
    most = Math.max(most, Number(await page.getAttribute(tid("pending-count"), "data-value")));
    await page.waitForTimeout(60);
  }
  assert.ok(most <= 3, `the queue held ${most} ops while samples kept coming (one report per session, plus one in flight)`);
  const found = describe("meeting with the network feed", await blockingViolations(page));
  assert.deepEqual(found, [], `axe-core found serious/critical violations:\n${found.join("\n")}`);

  await page.click(tid("end-call"));
  await page.waitForSelector(RATING);
  const reported = Number(await page.getAttribute(tid("net-samples"), "data-value"));
  const [session] = await eventually("the session with its network summary", async () => {
    const list = await sessionsOf(h.server.url, user);
    return list.length === 1 && list[0].sessionStatus === "ended" && list[0].network?.rttMs?.count === reported && list;
  });
  const rtt = session.network.rttMs;
  assert.equal(rtt.buckets.reduce((a, b) => a + b, 0), reported);
  assert.ok(rtt.min <= rtt.mean && rtt.mean <= rtt.max && rtt.p95 <= rtt.max, JSON.stringify(rtt));
  for (const metric of ["jitterMs", "packetLossPct", "bitrateKbps"]) {
    assert.equal(session.network[metric].count, reported, metric);
  }
  assert.deepEqual(page.errors, []);
  await context.close();
});
