// Set-up of the package tests: packing the npm package the way the build does, running
// npm/tsc/vite as child processes, and starting the local backend on a chosen --www.
//
// Why the package is packed from a temp copy: scripts/package.mjs rewrites pkg/
// in place, and pkg/ is shared with the other suites, so the tests copy pkg/ plus the
// inputs of package.mjs (js/node.js, js/README.package.md, js/react/*) into a temp
// tree with the repo's layout and run the real script there. The tarball is therefore
// what the build would publish from the current sources, and pkg/ is never written.
//
// Invariants: every process started here is awaited or stopped by the returned
// `stop()`, a failing command fails the test with its output attached, and every temp
// directory is removed by `removeTemp()`.

import { spawn } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, spawnServer } from "../e2e/support.mjs";

export { ROOT };
export const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund"];
const GENERATED = ["video_session_sdk.js", "video_session_sdk.d.ts", "video_session_sdk_bg.wasm", "package.json"];

const temps = [];

/** A fresh temp directory, removed by `removeTemp()`. */
export async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), `vss-pkg-${prefix}-`));
  temps.push(dir);
  return dir;
}

export async function removeTemp() {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * Runs a command; resolves `{stdout, stderr, code}`. Unless `allowFail`, a non-zero
 * exit (or running past `timeoutMs`) rejects with the command's output.
 */
export function run(cmd, args, { cwd, allowFail = false, timeoutMs = 120_000, env } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const line = `${cmd} ${args.join(" ")} (in ${cwd})`;
      if (signal) return fail(new Error(`${line} was killed (${signal}) after ${timeoutMs} ms:\n${stdout}\n${stderr}`));
      if (code !== 0 && !allowFail) return fail(new Error(`${line} exited ${code}:\n${stdout}\n${stderr}`));
      ok({ stdout, stderr, code });
    });
  });
}

/**
 * Waits until pkg/ holds a complete wasm-pack output that nobody is rewriting (no file
 * changed for 3 s), so a rebuild by another suite is never packed half-written.
 */
async function settledPkg() {
  const dir = join(ROOT, "pkg");
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      await Promise.all(GENERATED.map((f) => access(join(dir, f))));
      const names = await readdir(dir);
      const times = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).mtimeMs));
      if (Date.now() - Math.max(...times) > 3_000) return dir;
    } catch (err) {
      if (Date.now() > end) throw new Error(`pkg/ is not a complete build (run scripts/build-wasm.sh): ${err.message}`);
    }
    if (Date.now() > end) throw new Error("pkg/ kept changing for 2 minutes");
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Runs scripts/package.mjs on a copy of pkg/ and `npm pack`s it. Returns npm's report
 * (`filename`, `size`, `unpackedSize`, `files`) plus `tarball` (absolute path) and
 * `unpacked` (the tarball extracted, as `npm install` would lay it out).
 */
export async function packPackage() {
  const pkg = await settledPkg();
  const tree = await tempDir("tree");
  await cp(pkg, join(tree, "pkg"), { recursive: true });
  await mkdir(join(tree, "scripts"));
  await cp(join(ROOT, "scripts/package.mjs"), join(tree, "scripts/package.mjs"));
  await cp(join(ROOT, "js/node.js"), join(tree, "js/node.js"));
  await cp(join(ROOT, "js/README.package.md"), join(tree, "js/README.package.md"));
  await cp(join(ROOT, "js/react"), join(tree, "js/react"), { recursive: true });
  await run(process.execPath, [join(tree, "scripts/package.mjs")], { cwd: tree });

  const out = await tempDir("tarball");
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", out], { cwd: join(tree, "pkg") });
  const [report] = JSON.parse(stdout);
  const tarball = join(out, report.filename);
  const unpacked = await tempDir("unpacked");
  await run("tar", ["-xzf", tarball, "-C", unpacked]);
  return { ...report, tarball, unpacked: join(unpacked, "package") };
}

/** Copies a fixture app into a temp dir (without any node_modules or build output). */
export async function copyFixture(name) {
  const dir = join(await tempDir(name), "app");
  await cp(join(ROOT, "tests/package", name), dir, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src),
  });
  return dir;
}

/**
 * Starts video-session-server on a free port with a fresh database, serving `www`.
 * Returns `{ url, stop, output }`.
 */
export async function startServer(www) {
  const db = join(await tempDir("db"), "package.sqlite3");
  return spawnServer(db, www);
}

/**
 * Opens `url` in a new page of `browser`, recording console errors, page errors and
 * every response (url, status, content type) on the returned page.
 */
export async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.problems = [];
  page.responses = [];
  page.on("console", (msg) => msg.type() === "error" && page.problems.push(`console.error: ${msg.text()} (${msg.location().url})`));
  page.on("pageerror", (err) => page.problems.push(`page error: ${err.message}`));
  page.on("response", (res) =>
    page.responses.push({ url: res.url(), status: res.status(), type: res.headers()["content-type"] ?? "" }),
  );
  await page.goto(url);
  return page;
}

const FIXTURES = join(ROOT, "tests/package/fixtures");

/**
 * The bundler fixtures (tests/package/fixtures) in a temp dir, sharing the one
 * node_modules that `npm ci --prefix tests/package/fixtures` installed (each entry is
 * symlinked) plus the unpacked tarball as node_modules/video-session-sdk, so what the
 * bundlers see is exactly what `npm install <tarball>` lays out. Returns the dir and
 * `bin(name)`, the path of a tool from the shared node_modules.
 */
export async function fixtureProject(packed) {
  const shared = join(FIXTURES, "node_modules");
  await access(join(shared, ".bin/esbuild")).catch(() => {
    throw new Error(`${shared} is missing: run \`npm ci --prefix tests/package/fixtures\` (scripts/setup.sh does)`);
  });
  const dir = join(await tempDir("fixtures"), "app");
  await cp(FIXTURES, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist-[^\\/]*)$/.test(src) });
  await mkdir(join(dir, "node_modules"));
  for (const name of await readdir(shared)) {
    if (name === "video-session-sdk") continue;
    await symlink(join(shared, name), join(dir, "node_modules", name));
  }
  await cp(packed.unpacked, join(dir, "node_modules/video-session-sdk"), { recursive: true });
  return { dir, bin: (name) => join(shared, ".bin", name) };
}
