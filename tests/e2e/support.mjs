// Shared set-up of the end-to-end tests: the real local backend (a temp database and a
// temp copy of www/ with the built pkg/ inside), Debian's headless Chromium driven by
// playwright-core, direct Convex HTTP queries to check what the backend stored, and
// screenshots under test-results/e2e/.
//
// Invariants: every server and browser started here is stopped by the returned
// `stop()`/`close()` (the tests call them in `after`), and a server that exits or never
// prints its address fails the test with its output attached.

import { after, before } from "node:test";
import { access, cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join as joinPath, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { query, spawnServer } from "./server.mjs";
import { vendorCharts } from "../../scripts/vendor-charts.mjs";

export { query, spawnServer };

export const tid = (id) => `[data-testid="${id}"]`;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PLAYWRIGHT = joinPath(ROOT, "scripts/tools/node_modules/playwright-core/index.mjs");
const RESULTS = joinPath(ROOT, "test-results/e2e");

const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function mustExist(path, hint) {
  try {
    await access(path);
  } catch {
    throw new Error(`${path} is missing: ${hint}`);
  }
}

/**
 * Starts video-session-server on a free port with a fresh database, serving a copy of
 * `pages` (default: the demo, www/) with pkg/ and the vendored charting library
 * (scripts/vendor-charts.mjs) copied into it. Returns
 * `{ url, stop, output }`.
 */
export async function startServer(pages = joinPath(ROOT, "www")) {
  await mustExist(joinPath(ROOT, "pkg/video_session_sdk.js"), "run `bash scripts/build-wasm.sh`");
  const dir = await mkdtemp(joinPath(tmpdir(), "vss-e2e-"));
  const www = joinPath(dir, "www");
  await cp(pages, www, { recursive: true });
  await cp(joinPath(ROOT, "pkg"), joinPath(www, "pkg"), { recursive: true });
  await vendorCharts(www);

  const server = await spawnServer(joinPath(dir, "test.sqlite3"), www);
  return {
    ...server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers `before`/`after` hooks that start the demo's server and Chromium and stop
 * them; the returned object holds `server` and `browser` once `before` has run.
 */
export function demoHarness() {
  const h = {};
  before(async () => {
    h.server = await startServer();
    h.browser = await launchBrowser();
  });
  after(async () => {
    try {
      await h.browser?.close();
    } finally {
      await h.server?.stop();
    }
  });
  return h;
}

/** Debian's Chromium, headless, via playwright-core (never a downloaded browser). */
export async function launchBrowser() {
  const { chromium } = await import(pathToFileURL(PLAYWRIGHT).href);
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

export const sessionsOf = (url, userId) => query(url, "videoCallSessions:getUserSessions", { userId });
export const statsOf = (url, userId) => query(url, "videoCallSessions:getCallStats", { userId });

/** Polls `fn` until it returns a truthy value; throws with `what` after `ms`. */
export async function eventually(what, fn, ms = 15_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function screenshot(page, name) {
  await mkdir(RESULTS, { recursive: true });
  const path = joinPath(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Opens the demo in a new page of `context` as `userId` (typed into the pre-call
 * screen, as a person would). The simulated worker never answers by itself
 * (`connectDelay=off`), so each test decides when the call connects. Page errors are
 * collected in `page.errors`.
 */
export async function openDemo(context, url, userId, { netSamples = "off" } = {}) {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err.message));
  // The simulated worker answers, and a simulated drop ends, only when the test clicks;
  // no network samples unless a test asks (they would keep the queue from draining).
  await page.goto(`${url}/?connectDelay=off&reconnectDelay=off&netSamples=${netSamples}`);
  await waitReady(page);
  if ((await page.getAttribute("body", "data-user")) !== userId) {
    await page.fill(tid("user-id"), userId);
    await page.press(tid("user-id"), "Tab");
    await page.waitForSelector(`body[data-user="${userId}"]`);
  }
  return page;
}

export async function waitReady(page) {
  await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout: 20_000 });
  const state = await page.getAttribute("body", "data-state");
  if (state !== "ready") throw new Error(`the demo did not start: ${await page.textContent(tid("banner"))}`);
}

/** Fills the pre-call form and clicks "Join Now"; returns the new session's id. */
export async function join(page, { workerName, workerId, audio = "wifi" }) {
  await page.fill(tid("worker-name"), workerName);
  await page.fill(tid("worker-id"), workerId);
  await page.selectOption(tid("audio-option"), audio);
  await page.click(tid("join-now"));
  await page.waitForSelector(`${tid("meeting-screen")}:not([hidden])`);
  return page.getAttribute(tid("meeting-screen"), "data-session-id");
}

/**
 * Clicks a button and waits for `doneSelector` (the UI showing the call's effect);
 * returns the wall-clock bracket [before the click, after the effect showed]. The
 * event time the SDK records for the click must fall inside it.
 */
export async function timedClick(page, selector, doneSelector) {
  const before = Date.now();
  await page.click(selector);
  await page.waitForSelector(doneSelector);
  const after = Date.now();
  return [before, after];
}

export const CONNECTED = `${tid("call-status")}:text("Connected")`;
export const PRECALL = `${tid("precall-screen")}:not([hidden])`;
export const RATING = `${tid("rating-screen")}:not([hidden])`;

/** On the post-call rating screen (shown after a call ends or fails): skips it. */
export async function skipRating(page) {
  await page.waitForSelector(RATING);
  await page.click(tid("skip-rating"));
  await page.waitForSelector(PRECALL);
}

export async function pending(page) {
  return Number(await page.getAttribute(tid("pending-count"), "data-value"));
}

/** Waits until the queue inspector shows nothing pending. */
export async function drained(page, ms = 15_000) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="pending-count"]')?.dataset.value === "0",
    null,
    { timeout: ms },
  );
}
