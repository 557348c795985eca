// The crash test's moving parts: the real local backend serving the workload page
// (a temp www/ holding tests/crash/page/ and a copy of pkg/), a Chromium this module
// starts itself (so the test can SIGKILL the whole browser) with a user-data-dir that
// outlives it (so localStorage survives a browser kill), reached through
// playwright-core over CDP, and the console journal of every page.
//
// Invariants: `stop()` of the server and `close()` of the browser end every process
// started here and remove their temp directories; journal lines are collected from
// the moment a page is created, before it navigates.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join as joinPath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ROOT, startServer } from "../e2e/support.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PLAYWRIGHT = joinPath(ROOT, "scripts/tools/node_modules/playwright-core/index.mjs");
const CHROMIUM = process.env.VSS_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--no-default-browser-check",
];

/** Spawns `cmd`, resolves with the first match of `re` in its output, or fails. */
function spawnUntil(cmd, args, re, what) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise((done) => child.once("exit", done));
  const found = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk;
      const m = re.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return { child, exited, found, output: () => output };
}

async function stopChild(child, exited, signal = "SIGTERM") {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(killer);
  }
}

/** The local backend with a fresh database, serving the workload page and pkg/. */
export function startCrashServer() {
  return startServer(joinPath(HERE, "page"));
}

/**
 * A Chromium whose profile lives in a temp dir until `close()`. `kill()` SIGKILLs the
 * browser process (no shutdown, no flush); `restart()` starts a new one on the same
 * profile. `context()` is the profile's default context (one localStorage).
 */
export async function startBrowser() {
  const { chromium } = await import(pathToFileURL(PLAYWRIGHT).href);
  const profile = await mkdtemp(joinPath(tmpdir(), "vss-crash-profile-"));
  let proc;
  let browser;
  const launch = async () => {
    proc = spawnUntil(
      CHROMIUM,
      [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
      /DevTools listening on (ws:\/\/\S+)/,
      "chromium",
    );
    browser = await chromium.connectOverCDP(await proc.found);
  };
  await launch();
  return {
    context: () => browser.contexts()[0],
    async kill() {
      await stopChild(proc.child, proc.exited, "SIGKILL");
      await browser.close().catch(() => {});
    },
    async restart() {
      await launch();
    },
    async close() {
      await browser.close().catch(() => {});
      await stopChild(proc.child, proc.exited);
      // Chromium's helper processes can still be writing the profile for a moment
      // after the browser exits (ENOTEMPTY seen in CI): retry the removal.
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

/**
 * Opens the workload page in a new page of `context`; every `VSSJ` console line goes
 * to `journal` (parsed) as it arrives. Resolves once the page's client is ready.
 */
export async function openWorkload(context, url, query, journal) {
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (process.env.VSS_CRASH_DEBUG) console.log(new Date().toISOString().slice(11, 23), msg.type(), msg.text().slice(0, 300));
    const text = msg.text();
    if (text.startsWith("VSSJ ")) journal.push(JSON.parse(text.slice(5)));
  });
  page.on("pageerror", (err) => journal.push({ t: "pageerror", message: err.message }));
  await page.goto(`${url}/?${new URLSearchParams(query)}`);
  await waitState(page, "ready");
  return page;
}

/** Waits until the page reached `state` ("ready" is also reached once it is "done"). */
export async function waitState(page, state, timeout = 20_000) {
  const states = state === "ready" ? ["ready", "done", "error"] : [state, "error"];
  await page.waitForSelector(states.map((s) => `body[data-state=${s}]`).join(", "), { timeout, state: "attached" });
  if ((await page.getAttribute("body", "data-state")) === "error") {
    throw new Error(`the workload page failed to start (see its fatal journal line)`);
  }
}

/** mulberry32: the driver's seeded choices. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
