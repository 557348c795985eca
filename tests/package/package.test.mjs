// The npm package as its users meet it: the packed tarball's contents, `npm install`
// of the tarball under Node, a Vite + React app built from it, a plain
// <script type="module"> page, and the TypeScript types, all against the real local
// backend on 127.0.0.1 and Debian's headless Chromium.
//
// Every step installs the tarball (never pkg/ by path), so a file missing from the
// package's `files` list or a wrong `exports` entry fails here. Sizes are reported as
// diagnostics, never asserted.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { eventually, launchBrowser, sessionsOf } from "../e2e/support.mjs";
import { NPM_FLAGS, ROOT, copyFixture, openPage, packPackage, removeTemp, run, startServer, tempDir } from "./support.mjs";

const EXPECTED_FILES = [
  "README.md",
  "node.d.ts",
  "node.js",
  "package.json",
  "react-native.js",
  "react/index.d.ts",
  "react/index.js",
  "video_session_sdk.d.ts",
  "video_session_sdk.js",
  "video_session_sdk_bg.wasm",
  "video_session_sdk_bg.wasm.d.ts",
];

let packed;
let browser;
let viteApp; // the Vite fixture with its dependencies and the tarball installed (lazily, shared)

before(async () => {
  packed = await packPackage();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await removeTemp();
});

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gzip9 = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The fixture Vite app in a temp dir: `npm ci` from its lockfile, then the tarball. */
function preparedViteApp() {
  viteApp ??= (async () => {
    const dir = await copyFixture("fixture-vite");
    await run("npm", ["ci", ...NPM_FLAGS], { cwd: dir });
    await run("npm", ["install", packed.tarball, "--no-save", ...NPM_FLAGS], { cwd: dir });
    return dir;
  })();
  return viteApp;
}

/** The one session `userId` has on the backend, once it is ended there. */
async function endedSessionOf(url, userId) {
  const [session] = await eventually(`the ended session of ${userId} on the backend`, async () => {
    const list = await sessionsOf(url, userId);
    return list.length === 1 && list[0].sessionStatus === "ended" && list;
  });
  return session;
}

test("npm pack ships exactly the package's files", (t) => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, EXPECTED_FILES, "no tests, sources, .gitignore or build leftovers; nothing missing");
  t.diagnostic(`tarball ${packed.filename}: packed ${packed.size} B (${kb(packed.size)}), unpacked ${packed.unpackedSize} B (${kb(packed.unpackedSize)}), ${packed.entryCount} files`);
});

test("the packed manifest points every export at a shipped file", async () => {
  const manifest = JSON.parse(await readFile(join(packed.unpacked, "package.json"), "utf8"));
  assert.equal(manifest.name, "video-session-sdk");
  assert.equal(manifest.type, "module");
  const targets = (entry) => (typeof entry === "string" ? [entry] : Object.values(entry).flatMap(targets));
  for (const target of targets(manifest.exports)) {
    assert.ok(EXPECTED_FILES.includes(target.replace(/^\.\//, "")), `exports target ${target} is in the tarball`);
  }
  assert.ok(EXPECTED_FILES.includes(manifest.main.replace(/^\.\//, "")), "main is in the tarball");
  assert.ok(EXPECTED_FILES.includes(manifest.types.replace(/^\.\//, "")), "types is in the tarball");
  assert.deepEqual(Object.keys(manifest.exports["."]), ["types", "react-native", "node", "default"], "types first, react-native and node before default");
});

test("React Native: the condition and the field name the entry, which loads without WebAssembly", { timeout: 60_000 }, async () => {
  const manifest = JSON.parse(await readFile(join(packed.unpacked, "package.json"), "utf8"));
  assert.equal(manifest["react-native"], "./react-native.js", "the field, for Metro without package exports");
  assert.equal(manifest.exports["."]["react-native"], "./react-native.js");
  assert.equal(manifest.exports["./react"]["react-native"], "./react/index.js");
  const entry = await readFile(join(packed.unpacked, "react-native.js"), "utf8");
  assert.doesNotMatch(entry, /import\.meta/, "Hermes cannot parse import.meta");
  assert.doesNotMatch(entry, /^\s*import\s/m, "one file: it imports nothing");
  const probe = `delete globalThis.WebAssembly; delete globalThis.TextEncoder; delete globalThis.TextDecoder;
    const before = Object.getOwnPropertyNames(globalThis).length;
    const m = await import(${JSON.stringify(join(packed.unpacked, "react-native.js"))});
    const c = await m.VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "rn", storage: "memory" });
    const id = await c.startSession({ supportWorkerName: "Dr. RN" });
    console.log(JSON.stringify({ id, pending: c.pendingCount(), globals: Object.getOwnPropertyNames(globalThis).length - before }));
    process.exit(0);`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], { cwd: packed.unpacked, timeoutMs: 30_000 });
  const out = JSON.parse(stdout.trim().split("\n").pop());
  assert.match(out.id, /^[0-9a-f-]{36}$/);
  assert.equal(out.pending, 1);
  assert.equal(out.globals, 0, "loading the entry creates no globals");
});

test("Node: the installed tarball runs a call that reaches the backend", { timeout: 90_000 }, async () => {
  const dir = await tempDir("node-app");
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "node-user-app", private: true, type: "module" }));
  await run("npm", ["install", packed.tarball, "react@19", ...NPM_FLAGS], { cwd: dir });
  await cp(join(ROOT, "tests/package/fixture-node/run.mjs"), join(dir, "run.mjs"));

  const server = await startServer(dir);
  try {
    const user = "package-node";
    const { stdout } = await run(process.execPath, ["run.mjs", server.url, user], { cwd: dir, timeoutMs: 30_000 });
    const out = JSON.parse(stdout.trim().split("\n").pop());
    assert.equal(out.hook, "function", "video-session-sdk/react resolves and exports useVideoSession");
    assert.equal(out.pending, 0, "flush() delivered everything");
    assert.equal(out.ended.sessionId, out.sessionId);

    const session = await endedSessionOf(server.url, user);
    assert.equal(session.clientSessionId, out.sessionId);
    assert.equal(session.supportWorkerName, "Dr. Node");
    assert.equal(session.endReason, "user_ended");
    assert.equal(session.duration, out.ended.duration);
  } finally {
    await server.stop();
  }
});

test("Vite: a React app built with the package records a call in Chromium", { timeout: 120_000 }, async (t) => {
  const dir = await preparedViteApp();
  const build = await run(join(dir, "node_modules/.bin/vite"), ["build"], { cwd: dir });
  assert.match(build.stdout, /built in/, "vite build finished");

  const dist = join(dir, "dist");
  const assets = await readdir(join(dist, "assets"));
  const wasmFiles = assets.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasmFiles.length, 1, `Vite emitted the SDK's .wasm as one asset (got ${assets.join(", ")})`);
  let total = 0;
  for (const f of assets.filter((a) => /\.(js|wasm)$/.test(a))) {
    const bytes = await readFile(join(dist, "assets", f));
    total += gzip9(bytes);
    t.diagnostic(`dist/assets/${f}: ${bytes.length} B raw, ${gzip9(bytes)} B gzip -9`);
  }
  t.diagnostic(`what the browser loads (wasm + JS incl. React): ${total} B gzip -9 (${kb(total)})`);
  const glue = gzip9(await readFile(join(packed.unpacked, "video_session_sdk.js")));
  const hook = gzip9(await readFile(join(packed.unpacked, "react/index.js")));
  const wasm = gzip9(await readFile(join(packed.unpacked, "video_session_sdk_bg.wasm")));
  t.diagnostic(`the SDK alone (wasm + glue + hook, unbundled): ${wasm + glue + hook} B gzip -9 (wasm ${wasm}, glue ${glue}, hook ${hook})`);

  const server = await startServer(dist);
  try {
    const user = "package-vite";
    const page = await openPage(browser, `${server.url}/?user=${user}`);
    await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout: 20_000 });
    assert.equal(await page.getAttribute("body", "data-state"), "ready", `the SDK started: ${await page.textContent("body")}`);

    await page.click('[data-testid="run-call"]');
    const result = await page.waitForSelector('[data-testid="result"]', { timeout: 15_000 });
    const sessionId = await result.getAttribute("data-session-id");
    assert.match(sessionId, /^[0-9a-f-]{36}$/, "the page shows the ended session's id");
    await page.waitForSelector('[data-testid="pending"][data-value="0"]', { timeout: 15_000 });
    assert.equal(await page.$('[data-testid="error"]'), null, "the hook reported no error");

    const session = await endedSessionOf(server.url, user);
    assert.equal(session.clientSessionId, sessionId);
    assert.equal(session.supportWorkerName, "Dr. Vite");
    assert.equal(session.audioOption, "wifi");
    assert.equal(session.endReason, "user_ended");
    assert.equal(String(session.duration), await result.getAttribute("data-duration"));

    const wasmResponse = page.responses.find((r) => r.url.endsWith(".wasm"));
    assert.ok(wasmResponse, "the page fetched the .wasm");
    assert.match(wasmResponse.url, new RegExp(`/assets/${wasmFiles[0].replace(/[.]/g, "\\.")}$`), "from Vite's hashed asset");
    assert.equal(wasmResponse.status, 200);
    assert.equal(wasmResponse.type, "application/wasm");
    assert.deepEqual(page.problems, [], "no console errors");
    await page.context().close();
  } finally {
    await server.stop();
  }
});

test("plain page: <script type=module> imports the package by relative path", { timeout: 60_000 }, async () => {
  const www = await copyFixture("fixture-plain");
  await cp(packed.unpacked, join(www, "pkg"), { recursive: true });
  const server = await startServer(www);
  try {
    const user = "package-plain";
    const page = await openPage(browser, `${server.url}/index.html?user=${user}`);
    await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: 20_000 });
    const result = page.locator('[data-testid="result"]');
    assert.equal(await page.getAttribute("body", "data-state"), "done", `the page ran the call: ${await result.textContent()}`);
    assert.equal(await result.getAttribute("data-pending"), "0");

    const session = await endedSessionOf(server.url, user);
    assert.equal(session.clientSessionId, await result.getAttribute("data-session-id"));
    assert.equal(session.supportWorkerName, "Dr. Plain");
    assert.ok(page.responses.some((r) => r.url.endsWith("/pkg/video_session_sdk_bg.wasm") && r.status === 200));
    assert.deepEqual(page.problems, [], "no console errors");
    await page.context().close();
  } finally {
    await server.stop();
  }
});

test("TypeScript: the public types check under --strict and catch misuse", { timeout: 90_000 }, async (t) => {
  const dir = await preparedViteApp();
  const tsc = join(dir, "node_modules/.bin/tsc");
  const strict = ["--noEmit", "--strict"];

  const ok = await run(tsc, ["-p", "tsconfig.json", ...strict], { cwd: dir, allowFail: true });
  assert.equal(ok.code, 0, `correct use type-checks (Vite's template options):\n${ok.stdout}${ok.stderr}`);
  const lib = await run(tsc, ["-p", "tsconfig.libcheck.json", ...strict], { cwd: dir, allowFail: true });
  assert.equal(lib.code, 0, `the SDK's .d.ts files themselves type-check (skipLibCheck off):\n${lib.stdout}${lib.stderr}`);

  // Informational: a strict project on lib ES2022 without skipLibCheck, as some users have.
  const es2022 = await run(tsc, ["-p", "tsconfig.libcheck.json", ...strict, "--lib", "ES2022,DOM"], { cwd: dir, allowFail: true });
  t.diagnostic(
    es2022.code === 0
      ? "lib ES2022 + skipLibCheck false: clean"
      : `lib ES2022 + skipLibCheck false reports, in the SDK's .d.ts: ${es2022.stdout.trim().split("\n").join(" | ")}`,
  );

  const bad = await run(tsc, ["-p", "tsconfig.bad.json", ...strict], { cwd: dir, allowFail: true });
  assert.notEqual(bad.code, 0, "misuse is rejected");
  const source = await readFile(join(dir, "types/misuses-public-types.ts"), "utf8");
  const marked = source.split("\n").flatMap((line, i) => (line.endsWith("// error") ? [i + 1] : []));
  const reported = [...bad.stdout.matchAll(/misuses-public-types\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => Number(m[1]));
  assert.ok(marked.length >= 5, "the misuse file marks its errors");
  assert.deepEqual([...new Set(reported)], marked, `tsc reports exactly the marked lines:\n${bad.stdout}`);
});

test("the public .d.ts surface has no `any`", async (t) => {
  const read = (f) => readFile(join(packed.unpacked, f), "utf8");
  const main = await read("video_session_sdk.d.ts");
  // wasm-bindgen's InitOutput (the raw wasm exports `init()` resolves to) is typed
  // with `any` by the generator; it is reported, not part of the API checked here.
  const initOutput = /export interface InitOutput \{[\s\S]*?\n\}/.exec(main);
  assert.ok(initOutput, "the generated InitOutput interface is where it was expected");
  const surface = {
    "video_session_sdk.d.ts (without InitOutput)": main.replace(initOutput[0], ""),
    "react/index.d.ts": await read("react/index.d.ts"),
    "node.d.ts": await read("node.d.ts"),
  };
  const count = (text) => (text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "").match(/\bany\b/g) ?? []).length;
  for (const [name, text] of Object.entries(surface)) {
    assert.equal(count(text), 0, `${name} has \`any\``);
  }
  t.diagnostic(`\`any\` in generated, non-API declarations: InitOutput ${count(initOutput[0])}, video_session_sdk_bg.wasm.d.ts ${count(await read("video_session_sdk_bg.wasm.d.ts"))}`);
});
