// The packed tarball in production builds of the bundlers users reach for — esbuild,
// Rollup, webpack 5 — each with exactly the recipe the package README gives, driven in
// headless Chromium against the local backend (start -> connected -> end -> flush ->
// one ended session on the backend). Also the type checks that need the shared
// fixtures: a Node-only TypeScript project and arethetypeswrong.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eventually, launchBrowser, sessionsOf } from "../e2e/support.mjs";
import { fixtureProject, openPage, packPackage, removeTemp, run, startServer } from "./support.mjs";

let packed;
let project;
let browser;

before(async () => {
  packed = await packPackage();
  project = await fixtureProject(packed);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await removeTemp();
});

/** Writes the page for a build into `dist` (the fixture's index.html, naming the worker). */
async function writePage(dist, worker) {
  const html = await readFile(join(project.dir, "index.html"), "utf8");
  await writeFile(join(dist, "index.html"), html.replace('data-worker="WORKER"', `data-worker="${worker}"`));
}

/** Serves `dist` from the backend, runs the call in Chromium, checks the backend's record. */
async function driveCall(dist, user, worker) {
  const server = await startServer(dist);
  try {
    const page = await openPage(browser, `${server.url}/index.html?user=${user}`);
    await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: 20_000 });
    const result = page.locator('[data-testid="result"]');
    assert.equal(await page.getAttribute("body", "data-state"), "done", `the page ran the call: ${await result.textContent()}`);
    assert.equal(await result.getAttribute("data-pending"), "0", "flush() delivered everything");
    const [session] = await eventually(`the ended session of ${user} on the backend`, async () => {
      const list = await sessionsOf(server.url, user);
      return list.length === 1 && list[0].sessionStatus === "ended" && list;
    });
    assert.equal(session.clientSessionId, await result.getAttribute("data-session-id"));
    assert.equal(session.supportWorkerName, worker);
    assert.equal(session.endReason, "user_ended");
    const wasm = page.responses.find((r) => r.url.endsWith(".wasm"));
    assert.ok(wasm && wasm.status === 200, `the page fetched the .wasm: ${JSON.stringify(page.responses.map((r) => [r.url, r.status]))}`);
    assert.deepEqual(page.problems, [], "no console errors");
    await page.context().close();
  } finally {
    await server.stop();
  }
}

async function emittedWasm(dist) {
  const files = await readdir(dist, { recursive: true });
  return files.filter((f) => f.endsWith(".wasm"));
}

test("esbuild (production, the README's recipe): a call reaches the backend from Chromium", { timeout: 90_000 }, async () => {
  const { dir, bin } = project;
  const dist = join(dir, "dist-esbuild");
  await run(bin("esbuild"), ["src/esbuild-init.js", "--bundle", "--minify", "--format=esm", "--loader:.wasm=file", "--log-level=error", `--outfile=${join(dist, "main.js")}`], { cwd: dir });
  assert.equal((await emittedWasm(dist)).length, 1, "esbuild copied the .wasm");
  await writePage(dist, "Dr. esbuild");
  await driveCall(dist, "bundler-esbuild", "Dr. esbuild");
});

test("Rollup (@web/rollup-plugin-import-meta-assets): a call reaches the backend from Chromium", { timeout: 90_000 }, async () => {
  const { dir, bin } = project;
  const dist = join(dir, "dist-rollup");
  await run(bin("rollup"), ["-c", "rollup.config.mjs", "--silent"], { cwd: dir });
  assert.equal((await emittedWasm(dist)).length, 1, "Rollup emitted the .wasm");
  await writePage(dist, "Dr. Rollup");
  await driveCall(dist, "bundler-rollup", "Dr. Rollup");
});

test("webpack 5 (production, no configuration for the SDK): a call reaches the backend from Chromium", { timeout: 120_000 }, async () => {
  const { dir, bin } = project;
  const dist = join(dir, "dist-webpack");
  await run(bin("webpack"), ["--config", "webpack.browser.cjs"], { cwd: dir });
  assert.equal((await emittedWasm(dist)).length, 1, "webpack emitted the .wasm");
  await writePage(dist, "Dr. webpack");
  await driveCall(dist, "bundler-webpack", "Dr. webpack");
});
