// Loads the RELEASE build of pkg/ (wasm-opt'd) in headless Chromium through
// playwright-core, from a page the local server serves, and checks that the module
// instantiates and that calls round-trip to the backend. Debug builds skip wasm-opt,
// so the wasm-bindgen tests alone would not notice a broken optimiser.
// It then runs the same package in Node (no window, no localStorage, no Web Locks:
// memory storage and the lease fallback), the way a server-side or test user would.
// Usage: node tests/browser/release_smoke.mjs <server-url>
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "scripts/tools/package.json"));
const { chromium } = require("playwright-core");

const url = process.argv[2];
if (!url) {
  console.error("usage: node tests/browser/release_smoke.mjs <server-url>");
  process.exit(2);
}

function check(cond, what, detail) {
  if (!cond) throw new Error(`${what}: ${JSON.stringify(detail)}`);
  console.log(`ok  ${what}`);
}

async function query(fn, args) {
  const res = await fetch(`${url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: fn, format: "json", args }),
  });
  const body = await res.json();
  if (body.status !== "success") throw new Error(`${fn}: ${JSON.stringify(body)}`);
  return body.value;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let failed = false;
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    // Failed loads are judged by URL below (the browser asks for /favicon.ico).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && !res.url().endsWith("/favicon.ico")) {
      pageErrors.push(`HTTP ${res.status()} for ${res.url()}`);
    }
  });
  await page.goto(`${url}/smoke.html`);
  await page.waitForFunction(() => window.smokeReady === true, null, { timeout: 15000 });
  const r = await page.evaluate(() => window.smoke());

  check(typeof r.id === "string" && r.id.length > 0, "startSession resolves with an id", r);
  check(r.end.sessionId === r.id && typeof r.end.endedAt === "string", "endSession result", r.end);
  // The background sender may deliver before flush() does: count delivered events.
  check(r.delivered === 3 && r.report.pending === 0, "3 ops delivered", r);
  check(r.pending === 0, "nothing pending", r.pending);
  check(r.error && r.error.isError && r.error.code === "INVALID_ARGUMENT", "typed error", r.error);

  const sessions = await query("videoCallSessions:getUserSessions", { userId: r.userId });
  check(sessions.length === 1 && sessions[0].clientSessionId === r.id
    && sessions[0].sessionStatus === "ended", "the backend has the ended session", sessions);
  const stats = await query("videoCallSessions:getCallStats", { userId: r.userId });
  check(stats.totalSessions === 1 && stats.completedSessions === 1, "backend stats", stats);
  check(pageErrors.length === 0, "no page errors", pageErrors);
} catch (e) {
  failed = true;
  console.error(`FAIL release smoke (Chromium): ${e.message}`);
} finally {
  await browser.close();
}

try {
  const pkg = await import(path.join(root, "pkg/video_session_sdk.js"));
  await pkg.default({ module_or_path: fs.readFileSync(path.join(root, "pkg/video_session_sdk_bg.wasm")) });
  const userId = `smoke-node-${Date.now()}`;
  const events = [];
  const client = await pkg.VideoSessionClient.create({
    url, userId, storage: "memory", debounceMs: 10, onEvent: (e) => events.push(e.type),
  });
  const id = await client.startSession({ supportWorkerName: "Dr. Node" });
  await client.markConnected(id);
  await client.endSession({ sessionIdToEnd: id });
  const report = await client.flush();
  client.close();
  const delivered = events.filter((t) => t === "delivered").length;
  check(delivered === 3 && report.pending === 0, "Node: 3 ops delivered", { events, report });
  const stats = await query("videoCallSessions:getCallStats", { userId });
  check(stats.totalSessions === 1 && stats.completedSessions === 1, "Node: backend stats", stats);
} catch (e) {
  failed = true;
  console.error(`FAIL release smoke (Node): ${e.message}`);
}
process.exit(failed ? 1 : 0);
