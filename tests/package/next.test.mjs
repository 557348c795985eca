// Next.js 16 (app router) with the packed tarball, built for production with
// Turbopack and with `--webpack`, served by `next start` and driven in headless
// Chromium against the local backend: a 'use client' page that calls `init()` in an
// effect, one that calls it at module level (prerendered on the server through the
// Node entry: this failed `next build` before issue 11's fix), and a Route Handler.
//
// The app is built inside tests/package/fixtures (in a tmp-next-* directory, removed
// after): Turbopack compiles nothing outside the workspace root, so the shared
// node_modules cannot be symlinked into a temp dir as the other fixtures do.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { eventually, launchBrowser, sessionsOf } from "../e2e/support.mjs";
import { ROOT, openPage, packPackage, removeTemp, run, startServer, tempDir } from "./support.mjs";

const FIXTURES = join(ROOT, "tests/package/fixtures");
const NEXT = join(FIXTURES, "node_modules/.bin/next");
const ENV = { NEXT_TELEMETRY_DISABLED: "1" };

let app;
let browser;
let backend;

before(async () => {
  const packed = await packPackage();
  app = await mkdtemp(join(FIXTURES, "tmp-next-"));
  await cp(join(FIXTURES, "next-app"), app, { recursive: true });
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "next-user-app", private: true }));
  await mkdir(join(app, "node_modules"));
  await cp(packed.unpacked, join(app, "node_modules/video-session-sdk"), { recursive: true });
  browser = await launchBrowser();
  backend = await startServer(await tempDir("next-www"));
});
after(async () => {
  await browser?.close();
  await backend?.stop();
  if (app) await rm(app, { recursive: true, force: true });
  await removeTemp();
});

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.once("error", fail);
  });
}

/** `next start` on a free port; resolves `{ url, stop }` once it answers. */
async function nextStart() {
  const port = await freePort();
  const child = spawn(NEXT, ["start", "-p", String(port), "-H", "127.0.0.1"], { cwd: app, env: { ...process.env, ...ENV }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const exited = new Promise((done) => child.once("exit", done));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    await eventually(`next start on ${url}:\n${output}`, async () => (await fetch(url).catch(() => null))?.ok);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

async function drivePage(site, path, user, worker) {
  const page = await openPage(browser, `${site}${path}?user=${user}&backend=${encodeURIComponent(backend.url)}`);
  await page.waitForSelector("main[data-state=done], main[data-state=error]", { timeout: 30_000 });
  const result = page.locator('[data-testid="result"]');
  assert.equal(await page.getAttribute("main", "data-state"), "done", `${path} ran the call: ${await result.textContent()}`);
  assert.equal(await result.getAttribute("data-pending"), "0", "flush() delivered everything");
  const [session] = await eventually(`the ended session of ${user} on the backend`, async () => {
    const list = await sessionsOf(backend.url, user);
    return list.length === 1 && list[0].sessionStatus === "ended" && list;
  });
  assert.equal(session.clientSessionId, await result.getAttribute("data-session-id"));
  assert.equal(session.supportWorkerName, worker);
  assert.ok(page.responses.some((r) => r.url.endsWith(".wasm") && r.status === 200), "the page fetched the .wasm");
  assert.deepEqual(page.problems, [], "no console errors");
  await page.context().close();
}

for (const [builder, flags] of [["Turbopack", []], ["webpack", ["--webpack"]]]) {
  test(`Next.js (${builder}): next build, then both pages and the Route Handler run`, { timeout: 300_000 }, async (t) => {
    const started = Date.now();
    await run(NEXT, ["build", ...flags], { cwd: app, env: ENV, timeoutMs: 240_000 });
    t.diagnostic(`next build${flags.length ? " " + flags.join(" ") : ""}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const site = await nextStart();
    try {
      const route = await fetch(`${site.url}/api/init`).then((r) => r.json());
      assert.equal(route.ok, true, `the Route Handler ran init(): ${JSON.stringify(route)}`);
      assert.match(route.sessionId, /^[0-9a-f-]{36}$/);
      const tag = builder.toLowerCase();
      await drivePage(site.url, "/", `next-${tag}-effect`, "Dr. Next effect");
      await drivePage(site.url, "/module-init", `next-${tag}-module`, "Dr. Next module");
    } finally {
      await site.stop();
    }
  });
}
