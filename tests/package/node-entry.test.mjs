// The Node entry (node.js) where bundlers have been at it: a server bundle (what a
// Next.js Route Handler or a server-rendered 'use client' page becomes) rewrites or
// erases `new URL("./video_session_sdk_bg.wasm", import.meta.url)`. `init()` must still
// find the package's .wasm, and when it cannot, reject — never throw synchronously,
// so `init().catch(...)` at module level keeps a build alive (issue 11).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fixtureProject, packPackage, removeTemp, run, tempDir } from "./support.mjs";

let packed;
let project;

before(async () => {
  packed = await packPackage();
  project = await fixtureProject(packed);
});
after(removeTemp);

/** Runs a built server bundle with Node from `cwd`; returns its one JSON line. */
async function runBundle(file, cwd = project.dir) {
  const { stdout, stderr, code } = await run(process.execPath, [file], { cwd, allowFail: true, timeoutMs: 30_000 });
  assert.equal(code, 0, `the bundle exited ${code} (a synchronous throw crashes it):\n${stdout}\n${stderr}`);
  return JSON.parse(stdout.trim().split("\n").pop());
}

function assertStarted(out) {
  assert.deepEqual({ ok: out.ok, message: out.message }, { ok: true, message: undefined }, "init() resolved");
  assert.match(out.sessionId, /^[0-9a-f-]{36}$/);
  assert.equal(out.pending, 1);
}

test("esbuild to CommonJS (import.meta.url erased): init() finds the package's .wasm", { timeout: 60_000 }, async () => {
  const { dir, bin } = project;
  await run(bin("esbuild"), ["node/server-entry.js", "--bundle", "--platform=node", "--format=cjs", "--log-level=error", "--outfile=dist-node/esbuild.cjs"], { cwd: dir });
  assertStarted(await runBundle("dist-node/esbuild.cjs"));
});

test("webpack 5 for Node (the URL rewritten to an emitted asset): init() works", { timeout: 90_000 }, async () => {
  const { dir, bin } = project;
  await run(bin("webpack"), ["--config", "webpack.node.cjs"], { cwd: dir });
  assertStarted(await runBundle("dist-node/webpack/server.cjs"));
});

test("a bundle moved away from the package: init() rejects with WASM_NOT_FOUND, never throws", { timeout: 60_000 }, async () => {
  const { dir, bin } = project;
  const elsewhere = await tempDir("elsewhere");
  await run(bin("esbuild"), ["node/server-entry.js", "--bundle", "--platform=node", "--format=cjs", "--log-level=error", `--outfile=${join(elsewhere, "lost.cjs")}`], { cwd: dir });
  const out = await runBundle(join(elsewhere, "lost.cjs"), elsewhere);
  assert.equal(out.ok, false);
  assert.equal(out.name, "VideoSessionError");
  assert.equal(out.code, "WASM_NOT_FOUND");
  assert.match(out.message, /module_or_path/, "the message says how to pass the .wasm");
});

test("init() accepts a path, a file: URL, bytes; bad input rejects, never throws", { timeout: 90_000 }, async () => {
  const wasm = join(project.dir, "node_modules/video-session-sdk/video_session_sdk_bg.wasm");
  const args = {
    path: JSON.stringify(wasm),
    fileUrl: `new URL(${JSON.stringify(pathToFileURL(wasm).href)})`,
    fileUrlString: JSON.stringify(pathToFileURL(wasm).href),
    bytes: `(await import("node:fs")).readFileSync(${JSON.stringify(wasm)})`,
    options: `{ module_or_path: ${JSON.stringify(wasm)} }`,
    missing: JSON.stringify("/nonexistent/x.wasm"),
    number: "42",
    junk: "new Uint8Array([1, 2, 3])",
  };
  const out = {};
  // One process per argument: the glue keeps the first instance it made.
  for (const [kind, arg] of Object.entries(args)) {
    const probe = `import init from "video-session-sdk";
      const arg = ${arg};
      let p;
      try { p = init(arg); } catch (e) { console.log("threw: " + e.message); process.exit(0); }
      console.log(await p.then((exports) => typeof exports.memory, (e) => "rejected"));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], { cwd: project.dir, timeoutMs: 20_000 });
    out[kind] = stdout.trim().split("\n").pop();
  }
  assert.deepEqual(out, {
    path: "object", fileUrl: "object", fileUrlString: "object", bytes: "object", options: "object",
    missing: "rejected", number: "rejected", junk: "rejected",
  });
});

test("require() of the package works on this Node (>= 20.19 / 22.12 load ES modules with require)", { timeout: 30_000 }, async () => {
  const probe = `const sdk = require("video-session-sdk");
    sdk.default().then(() => console.log(JSON.stringify({ init: typeof sdk.default, client: typeof sdk.VideoSessionClient, version: process.version })));`;
  const { stdout } = await run(process.execPath, ["-e", probe], { cwd: project.dir, timeoutMs: 20_000 });
  const out = JSON.parse(stdout.trim().split("\n").pop());
  assert.deepEqual({ init: out.init, client: out.client }, { init: "function", client: "function" }, `on ${out.version}`);
});
