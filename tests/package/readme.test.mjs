// The README in the tarball is the package's own (js/README.package.md): complete on
// npm, where relative links into this repository do not resolve, and true to the
// code — every error code and event type of the .d.ts is described, and the bundler
// recipes are the ones the fixtures in tests/package/fixtures build with.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, packPackage, removeTemp } from "./support.mjs";

let readme;
let dts;
let manifest;

before(async () => {
  const packed = await packPackage();
  readme = await readFile(join(packed.unpacked, "README.md"), "utf8");
  dts = await readFile(join(packed.unpacked, "video_session_sdk.d.ts"), "utf8");
  manifest = JSON.parse(await readFile(join(packed.unpacked, "package.json"), "utf8"));
});
after(removeTemp);

/** GitHub's heading anchors (what npm renders too). */
const anchor = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");

test("the packed README is the package's, and every link resolves from npm", () => {
  assert.match(readme, /^# video-session-sdk\n/);
  assert.doesNotMatch(readme, /scripts\/|BENCHMARKS\.md|demo\.sh/, "names nothing the tarball lacks");
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1])));
  for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) {
    if (target.startsWith("#")) assert.ok(anchors.has(target.slice(1)), `anchor ${target} is a heading`);
    else assert.match(target, /^https:\/\//, `link ${target} is absolute`);
  }
});

test("the README has a quickstart for each bundler and framework, with the fixtures' recipes", async () => {
  for (const name of ["Node", "Vite", "webpack 5", "esbuild", "Rollup", "Next.js", "React Native", "TypeScript", "CommonJS"]) {
    assert.match(readme, new RegExp(`^### ${name.replace(".", "\\.")}$`, "m"), `### ${name}`);
  }
  const fixtures = join(ROOT, "tests/package/fixtures");
  const rollup = await readFile(join(fixtures, "rollup.config.mjs"), "utf8");
  for (const line of ["nodeResolve({ browser: true })", "importMetaAssets()"]) {
    assert.ok(rollup.includes(line) && readme.includes(line), `Rollup: ${line}`);
  }
  const esbuildEntry = await readFile(join(fixtures, "src/esbuild-init.js"), "utf8");
  for (const line of ['import wasmUrl from "video-session-sdk/video_session_sdk_bg.wasm";', "init({ module_or_path: wasmUrl })"]) {
    assert.ok(esbuildEntry.includes(line) && readme.includes(line), `esbuild: ${line}`);
  }
  assert.ok(readme.includes("--loader:.wasm=file"), "esbuild: the loader flag the test builds with");
  assert.equal(manifest.engines.node, "^20.19.0 || >=22.12.0");
  assert.ok(readme.includes("Node 20.19") && readme.includes("22.12"), "CommonJS: the versions engines states");
});

test("the README describes every error code and event type the types declare", () => {
  const union = (name) => {
    const m = new RegExp(`export type ${name} =([\\s\\S]*?);\\n`).exec(dts);
    assert.ok(m, `${name} in the .d.ts`);
    return m[1];
  };
  const codes = [...union("ErrorCode").matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  const events = [...union("VideoSessionEvent").matchAll(/type: "(\w+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 10 && events.length >= 9);
  for (const code of [...codes, "WASM_NOT_FOUND"]) assert.ok(readme.includes(`\`${code}\``), `error code ${code}`);
  for (const type of events) assert.ok(readme.includes(`\`${type}\``), `event ${type}`);
});
