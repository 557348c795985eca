// The Hermes harness: bundles tests/rn/fixture-app with Metro (React Native's Babel
// preset, the package installed by name from pkg/), runs the bundle in the Hermes
// 0.12 VM (npm hermes-engine-cli) with hermes-prelude.js in front, compiles it with
// the current Hermes compiler (npm hermes-compiler), and forwards the requests a run
// could not send to the real local backend, recording the replies for the next run.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../e2e/support.mjs";

const run = promisify(execFile);
const TOOLS = join(ROOT, "scripts/tools/node_modules");
export const HERMES_VM = join(TOOLS, "hermes-engine-cli/linux64-bin/hermes");
export const HERMESC_012 = join(TOOLS, "hermes-engine-cli/linux64-bin/hermesc");
export const HERMESC = join(TOOLS, "hermes-compiler/hermesc/linux64-bin/hermesc");

/**
 * A temp React Native project: the fixture app, the package from pkg/ under
 * node_modules/video-session-sdk (as `npm install` lays it out), a Babel config and
 * React Native's Metro config. `downlevel` true: React Native's Babel preset (what
 * Hermes 0.12 needs); false: only ES modules to CommonJS (what Metro needs), so the
 * code reaches the current Hermes compiler as written. Returns `{dir, bundle}`.
 */
export async function bundleFixture({ downlevel = true } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "vss-rn-app-"));
  await cp(join(ROOT, "tests/rn/fixture-app"), dir, { recursive: true });
  await mkdir(join(dir, "node_modules"));
  await cp(join(ROOT, "pkg"), join(dir, "node_modules/video-session-sdk"), { recursive: true });
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "vss-rn-fixture", private: true, main: "index.js" }));
  await writeFile(
    join(dir, "babel.config.js"),
    downlevel
      ? `module.exports = { presets: [${JSON.stringify(join(TOOLS, "@react-native/babel-preset"))}] };\n`
      : `module.exports = { plugins: [${JSON.stringify(join(TOOLS, "@babel/plugin-transform-modules-commonjs"))}] };\n`,
  );
  await writeFile(
    join(dir, "metro.config.js"),
    `// React Native's own Metro defaults (resolver: the react-native condition and
// field), minus what needs the react-native package itself (InitializeCore).
const { getDefaultConfig, mergeConfig } = require(${JSON.stringify(join(TOOLS, "@react-native/metro-config/dist/index.js"))});
module.exports = mergeConfig(getDefaultConfig(${JSON.stringify(dir)}), {
  projectRoot: ${JSON.stringify(dir)},
  // Metro's runtime and @babel/runtime (the preset's helpers) come from scripts/tools, as
  // react-native brings them into an app.
  watchFolders: [${JSON.stringify(TOOLS)}],
  cacheStores: [],
  resolver: { nodeModulesPaths: [${JSON.stringify(TOOLS)}] },
  serializer: { getModulesRunBeforeMainModule: () => [], getPolyfills: () => [] },
});
`,
  );
  const out = join(dir, "bundle.js");
  const script = `
    const Metro = require(${JSON.stringify(join(TOOLS, "metro"))});
    (async () => {
      const config = await Metro.loadConfig({ cwd: ${JSON.stringify(dir)}, config: ${JSON.stringify(join(dir, "metro.config.js"))} });
      await Metro.runBuild(config, { entry: "index.js", platform: "android", dev: false, minify: false, out: ${JSON.stringify(out)} });
    })().catch((e) => { console.error(e); process.exit(1); });`;
  await run(process.execPath, ["-e", script], { cwd: dir, timeout: 300_000, maxBuffer: 64 << 20 });
  return { dir, bundle: out };
}

/**
 * One Hermes 0.12 VM run of `bundle` with `host` as `globalThis.__vssHost`; returns
 * the app's result. `bytecode`: compile the run's file with Hermes 0.12's hermesc
 * first and run the bytecode, as an app ships (for timings; costs a compile per run).
 */
export async function runInHermes(dir, bundle, host, { bytecode = false } = {}) {
  const prelude = await readFile(join(ROOT, "tests/rn/hermes-prelude.js"), "utf8");
  const file = join(dir, `run-${Date.now()}-${Math.random().toString(36).slice(2)}.js`);
  await writeFile(file, `globalThis.__vssHost = ${JSON.stringify({ replies: {}, ...host })};\n${prelude}\n${await readFile(bundle, "utf8")}\n`);
  // -lazy: compile functions when first called (as React Native's Hermes does with
  // bytecode), not the whole 3 MB bundle up front.
  let args = ["-lazy", "-Xmicrotask-queue", file];
  if (bytecode) {
    await run(HERMESC_012, ["-O", "-emit-binary", "-out", `${file}.hbc`, file], { timeout: 300_000, maxBuffer: 64 << 20 });
    args = ["-Xmicrotask-queue", `${file}.hbc`];
  }
  const { stdout } = await run(HERMES_VM, args, { timeout: 300_000, maxBuffer: 64 << 20 });
  const line = (tag) => stdout.split("\n").find((l) => l.startsWith(tag));
  const error = line("VSS_ERROR");
  if (error || !line("VSS_RESULT")) throw new Error(`the Hermes run failed:\n${stdout.slice(-4000)}`);
  const result = JSON.parse(line("VSS_RESULT").slice("VSS_RESULT ".length));
  return { ...result, output: stdout };
}

/** Sends each request a VM run could not, byte for byte, to the backend; returns replies by key. */
export async function forward(url, unanswered) {
  const replies = {};
  for (const req of unanswered) {
    const path = req.url.replace(/^https?:\/\/[^/]+/, "");
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: req.body });
    replies[req.key] = { status: res.status, body: await res.text() };
  }
  return replies;
}
