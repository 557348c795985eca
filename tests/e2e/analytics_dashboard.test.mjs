// The analytics dashboard against the real backend. One user makes three calls from
// three browsers whose clocks are in different time zones (Chromium's time-zone
// emulation: UTC+14, UTC and UTC−10), so the SDK stamps each start and each quality
// issue with a different utcOffsetMin and the calls land in different local hours
// (and maybe days). Then the dashboard must show, in each chart's text alternative
// (its data table), exactly the backend's answer to the same query — and the figures
// the test expects from the stored sessions' own times — with every canvas drawn
// (pixels inside the bar / heat cell of each non-zero figure), the day / week / month
// switch working, the leaderboard matching getSupportWorkerLeaderboard, axe-core
// finding no violation of any impact on the dashboard, and no sideways scroll on a
// 390 px phone, and nothing fetched from anywhere but the page's own server.
// Saves test-results/e2e/dashboard.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join as joinPath } from "node:path";
import { allViolationsIn, describe } from "./axe.mjs";
import { CONNECTED, PRECALL, RATING, ROOT, demoHarness, drained, eventually, join, openDemo, query, sessionsOf, skipRating, tid } from "./support.mjs";

const h = demoHarness();
const USER = "e2e-analytics";
const ZONES = [
  { timezoneId: "Etc/GMT-14", offset: 840 },
  { timezoneId: "Etc/UTC", offset: 0 },
  { timezoneId: "Etc/GMT+10", offset: -600 },
];

/** The local buckets of UTC instant `ms` at `offset` minutes east (protocol::analytics). */
function local(ms, offset) {
  const d = new Date(ms + offset * 60_000);
  const day = d.toISOString().slice(0, 10);
  const weekday = (d.getUTCDay() + 6) % 7;
  return { day, slot: weekday * 24 + d.getUTCHours(), weekday, hour: d.getUTCHours() };
}

const shiftDay = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** One call from a browser in `zone`. */
async function call(zone, { worker, issue, outcome, rating, samples }) {
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: zone.timezoneId });
  const page = await openDemo(context, h.server.url, USER, { netSamples: samples ? 200 : "off" });
  let issueAt = null;
  await join(page, worker);
  if (outcome === "failed") {
    await page.click(tid("simulate-failure"));
    await skipRating(page);
  } else {
    await page.click(tid("connect-now"));
    await page.waitForSelector(CONNECTED);
    await page.fill(tid("issue-input"), issue);
    const before = Date.now();
    await page.click(tid("report-issue"));
    await page.waitForSelector(`${tid("issue-list")} li`);
    issueAt = [before, Date.now()];
    if (samples) {
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="net-samples"]')?.dataset.value) >= n, samples, { timeout: 15_000 });
    }
    await page.click(tid("end-call"));
    await page.waitForSelector(RATING);
    await page.click(tid(`rating-star-${rating}`));
    await page.click(tid("send-rating"));
    await page.waitForSelector(PRECALL);
  }
  await drained(page);
  assert.deepEqual(page.errors, []);
  await context.close();
  // The issue's local hour: the session keeps only its text, so the test brackets the
  // click (both ends in one hour but for a click astride an hour's end).
  return issueAt && issueAt.map((ms) => local(ms, zone.offset).hour);
}

/** The data table `testid`: {rowKey: [data-value of each cell as numbers/null]}. */
function readTable(page, testid) {
  return page.$$eval(`${tid(testid)} tbody tr`, (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.key, [...r.querySelectorAll("td")].map((td) => (td.dataset.value === "null" ? null : Number(td.dataset.value)))])),
  );
}

/**
 * Chart.js's own geometry for dataset `ds`, item `i` of the chart on `canvas`: the
 * pixel at the centre of that bar / heat cell, read back from the canvas. Returns
 * [r, g, b, a] (a = 0: nothing drawn there).
 */
function pixelAt(page, canvas, ds, i) {
  return page.$eval(tid(canvas), (el, [ds, i]) => {
    const chart = window.Chart.getChart(el);
    const p = chart.getDatasetMeta(ds).data[i].getCenterPoint();
    const ratio = chart.currentDevicePixelRatio;
    return [...el.getContext("2d").getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data];
  }, [ds, i]);
}

/** How many of the canvas's pixels are painted (alpha > 0). */
function painted(page, canvas) {
  return page.$eval(tid(canvas), (el) => {
    const { data } = el.getContext("2d").getImageData(0, 0, el.width, el.height);
    let n = 0;
    for (let k = 3; k < data.length; k += 4) if (data[k] > 0) n += 1;
    return n;
  });
}

/** The bucket holding local date `day`: itself, its week's Monday, or its month. */
function firstBucket(granularity, day) {
  if (granularity === "month") return day.slice(0, 7);
  if (granularity === "day") return day;
  return shiftDay(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
}

/** Sets the period's range and waits until the volume table starts at its first bucket. */
async function waitRange(page, granularity, from, to) {
  await page.fill(tid("range-from"), from);
  await page.fill(tid("range-to"), to);
  await page.dispatchEvent(tid("range-to"), "change");
  await page.waitForFunction(
    ([g, first]) => {
      const fig = document.querySelector('[data-testid="chart-volume"]');
      const row = document.querySelector('[data-testid="volume-table"] tbody tr');
      return fig?.dataset.granularity === g && row?.dataset.key === first;
    },
    [granularity, firstBucket(granularity, from)],
    { timeout: 10_000 },
  ).catch(async () => {
    throw new Error(`the volume table did not show ${granularity} ${from}–${to}: ${await page.textContent(tid("period-error"))}`);
  });
}

test("the dashboard's charts and tables show the backend's analytics", { timeout: 120_000 }, async () => {
  const issueHours = [
    await call(ZONES[0], { worker: { workerName: "Dr. Ana Ruiz", workerId: "worker-ana" }, issue: "Audio choppy", rating: 5, samples: 10 }),
    await call(ZONES[1], { worker: { workerName: "Dr. Ana Ruiz", workerId: "worker-ana" }, issue: "Video frozen", rating: 3 }),
  ];
  await call(ZONES[2], { worker: { workerName: "Dr. Ben Okafor", workerId: "worker-ben" }, outcome: "failed" });

  // What the stored sessions say: each start stamped with its browser's offset.
  const sessions = await eventually("three sessions", async () => {
    const list = await sessionsOf(h.server.url, USER);
    return list.length === 3 && list.every((s) => s.sessionStatus !== "connecting") && list;
  });
  const offsets = sessions.map((s) => s.utcOffsetMin).sort((a, b) => a - b);
  assert.deepEqual(offsets, [-600, 0, 840], "each browser's time zone reached the backend");
  const expectSlots = new Map();
  const expectDays = new Map();
  for (const s of sessions) {
    const at = local(Date.parse(s.joinedAt), s.utcOffsetMin);
    expectSlots.set(at.slot, (expectSlots.get(at.slot) ?? 0) + 1);
    expectDays.set(at.day, (expectDays.get(at.day) ?? 0) + 1);
  }
  const days = [...expectDays.keys()].sort();
  const from = shiftDay(days[0], -1);
  const to = shiftDay(days.at(-1), 1);

  const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Etc/UTC" });
  const requested = [];
  context.on("request", (req) => requested.push(req.url()));
  const page = await openDemo(context, h.server.url, USER);
  await page.waitForSelector(`${tid("peak-table")} tbody tr`, { state: "attached" });
  assert.ok(requested.some((u) => u.endsWith("/vendor/chart.umd.min.js")), "Chart.js came from the page's server");
  await page.waitForSelector(`${tid("worker-row")}[data-worker-id="worker-ben"]`);

  // Call volume and the duration trend, by day over a range holding every call's day.
  await waitRange(page, "day", from, to);
  const range = { userId: USER, granularity: "day", from, to };
  const volume = await query(h.server.url, "videoCallSessions:getCallVolume", range);
  const shown = await readTable(page, "volume-table");
  assert.deepEqual(shown, Object.fromEntries(volume.map((b) => [b.bucket, [b.calls, b.completedSessions, b.failedSessions]])));
  for (const [day, n] of expectDays) assert.equal(shown[day][0], n, `calls on ${day}`);
  assert.equal(Object.values(shown).reduce((a, r) => a + r[0], 0), 3);
  assert.equal(Object.values(shown).reduce((a, r) => a + r[2], 0), 1, "one failed call");
  const trend = await query(h.server.url, "videoCallSessions:getDurationTrend", range);
  assert.deepEqual(
    await readTable(page, "duration-table"),
    Object.fromEntries(trend.map((b) => [b.bucket, [b.completedSessions, b.timedCalls, b.averageDuration]])),
  );
  assert.equal(trend.reduce((a, b) => a + b.timedCalls, 0), 2, "two connected calls have a duration");
  const volumeIndex = volume.findIndex((b) => b.completedSessions > 0);
  assert.notEqual((await pixelAt(page, "chart-volume-canvas", 0, volumeIndex))[3], 0, "the completed bar is drawn");
  const trendIndex = trend.findIndex((b) => b.averageDuration !== null);
  assert.notEqual((await pixelAt(page, "chart-duration-canvas", 0, trendIndex))[3], 0, "the trend's point is drawn");
  assert.match(await page.getAttribute(tid("chart-volume-canvas"), "aria-label"), /3 calls/);

  // The week and month switch: each resets the range; the table follows the backend.
  for (const granularity of ["week", "month"]) {
    await page.check(`input[name="granularity"][value="${granularity}"]`);
    await page.waitForSelector(`${tid("chart-volume")}[data-granularity="${granularity}"]`);
    await waitRange(page, granularity, from, to);
    const answer = await query(h.server.url, "videoCallSessions:getCallVolume", { ...range, granularity });
    assert.deepEqual(await readTable(page, "volume-table"), Object.fromEntries(answer.map((b) => [b.bucket, [b.calls, b.completedSessions, b.failedSessions]])));
    assert.equal(answer.reduce((a, b) => a + b.calls, 0), 3, `${granularity}: every call counted once`);
  }
  // A range of more than 366 days is refused with a coded error, shown, not drawn.
  await page.check('input[name="granularity"][value="day"]');
  await page.fill(tid("range-from"), "2020-01-01");
  await page.dispatchEvent(tid("range-from"), "change");
  await page.waitForSelector(`${tid("period-error")}:not([hidden])`);
  assert.match(await page.textContent(tid("period-error")), /INVALID_ARGUMENT|366/);
  await waitRange(page, "day", from, to);
  assert.equal(await page.isHidden(tid("period-error")), true);

  // Peak hours: the 7×24 table is the backend's grid, with one call in each call's cell.
  const peak = await query(h.server.url, "videoCallSessions:getPeakHours", { userId: USER });
  const grid = await readTable(page, "peak-table");
  assert.deepEqual(Object.values(grid), peak);
  for (const [slot, n] of expectSlots) {
    assert.equal(grid[String(Math.floor(slot / 24))][slot % 24], n, `slot ${slot}`);
    const [r, g, b, a] = await pixelAt(page, "chart-peak-canvas", 0, slot);
    assert.ok(a > 0 && !(r === 0xee && g === 0xf2 && b === 0xf6), `the heat cell of slot ${slot} is coloured: ${[r, g, b, a]}`);
  }
  assert.equal(Object.values(grid).flat().reduce((a, b) => a + b, 0), 3);

  // Quality issues by local hour.
  const issues = await query(h.server.url, "videoCallSessions:getIssuesByHour", { userId: USER });
  const byHour = await readTable(page, "issues-table");
  assert.deepEqual(Object.values(byHour).map((r) => r[0]), issues);
  for (const [first, last] of issueHours) {
    const hour = byHour[String(first)][0] > 0 ? first : last;
    assert.ok(byHour[String(hour)][0] >= 1, `an issue counted at ${first}:00 (or ${last}:00)`);
    assert.notEqual((await pixelAt(page, "chart-issues-canvas", 0, hour))[3], 0, `the bar at ${hour}:00 is drawn`);
  }
  assert.equal(issues.reduce((a, b) => a + b, 0), 2);

  // Every canvas is drawn, and named.
  for (const canvas of ["chart-volume-canvas", "chart-duration-canvas", "chart-peak-canvas", "chart-issues-canvas"]) {
    assert.ok((await painted(page, canvas)) > 1000, `${canvas} is drawn`);
    assert.equal(await page.getAttribute(tid(canvas), "role"), "img");
  }

  // The leaderboard is getSupportWorkerLeaderboard's answer.
  const board = await query(h.server.url, "videoCallSessions:getSupportWorkerLeaderboard", { limit: 10 });
  const rows = await page.$$eval(`${tid("worker-row")}`, (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.workerId,
      cells: [...tr.querySelectorAll("td")].map((td) => td.dataset.value ?? null),
      rtt: tr.querySelector("[data-rtt]").dataset.rtt,
    })),
  );
  const str = (v) => (v === null ? "null" : String(v));
  assert.deepEqual(
    rows,
    board.map((w) => ({
      id: w.supportWorkerId,
      cells: [w.totalSessions, w.completionRate, w.averageDuration, w.averageRating, w.issuesPerCall, null].map((v, k) => (k === 5 ? null : str(v))),
      rtt: str(w.averageRttMs),
    })),
  );
  const ana = board.find((w) => w.supportWorkerId === "worker-ana");
  assert.equal(ana.totalSessions, 2);
  assert.equal(ana.averageRating, 4);
  assert.equal(ana.issuesPerCall, 1);
  assert.notEqual(ana.averageRttMs, null, "the network samples reached the worker's figures");

  // axe-core on the dashboard with every data table open: no violation of any impact.
  await page.$$eval("#dashboard details", (all) => all.forEach((d) => { d.open = true; }));
  const found = describe("dashboard", await allViolationsIn(page, "#dashboard"));
  assert.deepEqual(found, [], `axe-core on the dashboard:\n${found.join("\n")}`);
  await page.$$eval("#dashboard details", (all) => all.forEach((d) => { d.open = false; }));

  await mkdir(joinPath(ROOT, "test-results/e2e"), { recursive: true });
  await page.evaluate(() => document.activeElement?.blur());
  // A viewport as tall as the page, so the sticky top bar never lies over the shot.
  await page.setViewportSize({ width: 1280, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator("#dashboard").screenshot({ path: joinPath(ROOT, "test-results/e2e/dashboard.png") });

  // A phone: the charts shrink with the page, nothing scrolls sideways, still no violation.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 390, null, { timeout: 5_000 }).catch(async () => {
    throw new Error(`the page is ${await page.evaluate(() => document.documentElement.scrollWidth)}px wide on a 390px screen`);
  });
  assert.ok((await painted(page, "chart-peak-canvas")) > 1000);
  const onPhone = describe("phone dashboard", await allViolationsIn(page, "#dashboard"));
  assert.deepEqual(onPhone, [], `axe-core on the phone-sized dashboard:\n${onPhone.join("\n")}`);

  const elsewhere = requested.filter((u) => !u.startsWith(`${h.server.url}/`) && !u.startsWith("data:"));
  assert.deepEqual(elsewhere, [], "the dashboard fetched nothing from outside its own server");
  assert.deepEqual(page.errors, []);
  await context.close();
});
