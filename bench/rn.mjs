// The React Native figures for BENCHMARKS.md (not a test; run by hand):
//   node bench/rn.mjs
// Sizes of the RN entry (raw, gzip -9, Hermes 0.12 bytecode of the app bundle), enqueue
// latency (start/end pairs into an AsyncStorage-shaped adapter) in Node with the wasm
// build, in Node with the RN entry, and in the Hermes 0.12 VM, and create() over 0, 100
// and 1,000 stored ops in Hermes, once per adapter shape: AsyncStorage's (Promises and
// `multiGet`, as the fixture app has it; also with keys listed out of order, as iOS
// lists them), Promises without `multiGet` (one awaited `getItem` per record), and
// synchronous methods (no Promise at all: what is left is the core's own work). For
// each, also how long until the queue is read (the first call that needs it resolves)
// and the longest the thread went without running a 0 ms timer meanwhile. `node bench/rn.mjs create` runs
// only the create() figures.
import { execFile } from "node:child_process";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT } from "../tests/e2e/support.mjs";
import { HERMESC_012, bundleFixture, runInHermes } from "../tests/rn/hermes.mjs";

const run = promisify(execFile);
const UNREACHABLE = "http://127.0.0.1:9";

async function nodeEnqueue(build) {
  const script = `
    import { loadBuild } from ${JSON.stringify(join(ROOT, "tests/rn/load.mjs"))};
    const { sdk } = await loadBuild(${JSON.stringify(build)});
    const items = new Map();
    const storage = { getItem: async (k) => items.get(k) ?? null, setItem: async (k, v) => void items.set(k, v), removeItem: async (k) => void items.delete(k), getAllKeys: async () => [...items.keys()] };
    const c = await sdk.VideoSessionClient.create({ url: ${JSON.stringify(UNREACHABLE)}, userId: "bench", storage, debounceMs: 60000 });
    const ms = [];
    for (let i = 0; i < 500; i++) {
      let t = performance.now(); await c.startSession({ supportWorkerName: "Bench " + i }); ms.push(performance.now() - t);
      t = performance.now(); await c.endSession(); ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const at = (q) => ms[Math.floor(q * ms.length)];
    console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99) }));
    process.exit(0);`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop());
}

// A copy of the fixture app's create() whose storage adapter's shape the host picks.
const CREATE_APP = `
import { VideoSessionClient } from "video-session-sdk";
const host = globalThis.__vssHost;
const items = new Map(Object.entries(host.storage));
const get = (k) => (items.has(k) ? items.get(k) : null);
const sync = { getItem: get, setItem: (k, v) => void items.set(k, String(v)), removeItem: (k) => void items.delete(k), getAllKeys: () => [...items.keys()] };
const promises = { getItem: async (k) => get(k), setItem: async (k, v) => sync.setItem(k, v), removeItem: async (k) => sync.removeItem(k), getAllKeys: async () => sync.getAllKeys() };
const multiGet = { ...promises, multiGet: async (keys) => keys.map((k) => [k, get(k)]) };
// Keys listed out of order (AsyncStorage on iOS lists a dictionary's keys).
const scramble = (keys) => keys.map((k, i) => [(i * 7919) % keys.length, k]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
const adapters = { sync, promises, multiGet, unordered: { ...multiGet, getAllKeys: async () => scramble(sync.getAllKeys()) } };
async function main() {
  const t0 = Date.now();
  const client = await VideoSessionClient.create({ url: host.url, userId: host.userId, storage: adapters[host.adapter], debounceMs: 60000 });
  const out = { steps: [], createMs: Date.now() - t0, pendingAtStart: client.pendingCount() };
  // The queue is read after create() in slices: how long until a call can use it,
  // and the longest the app's thread waited for a timer meanwhile.
  let last = Date.now(), maxGap = 0, ticking = true;
  const tick = () => { const now = Date.now(); maxGap = Math.max(maxGap, now - last); last = now; if (ticking) setTimeout(tick, 0); };
  setTimeout(tick, 0);
  const t1 = Date.now();
  await client.getActiveSession().catch(() => null);
  out.readMs = Date.now() - t1;
  ticking = false;
  out.maxBlockMs = maxGap;
  client.close();
  client.free();
  out.storage = {};
  return out;
}
main().then(host.done, host.fail);
`;

/** Re-bundles the fixture project in `dir` with CREATE_APP as its entry. */
async function bundleCreateApp(dir) {
  await writeFile(join(dir, "create.js"), CREATE_APP);
  const out = join(dir, "create-bundle.js");
  const tools = join(ROOT, "scripts/tools/node_modules");
  const script = `
    const Metro = require(${JSON.stringify(join(tools, "metro"))});
    (async () => {
      const config = await Metro.loadConfig({ cwd: ${JSON.stringify(dir)}, config: ${JSON.stringify(join(dir, "metro.config.js"))} });
      await Metro.runBuild(config, { entry: "create.js", platform: "android", dev: false, minify: false, out: ${JSON.stringify(out)} });
    })().catch((e) => { console.error(e); process.exit(1); });`;
  await run(process.execPath, ["-e", script], { cwd: dir, timeout: 300_000, maxBuffer: 64 << 20 });
  return out;
}

/** create() in Hermes over 0, 100 and 1,000 stored ops, for each adapter shape. */
async function createFigures(dir, bundle, host, keys, filled) {
  const subset = (n) => Object.fromEntries(keys.slice(0, n).map((k) => [k, filled.storage[k]]));
  const createBundle = await bundleCreateApp(dir);
  const create = {};
  for (const adapter of ["multiGet", "unordered", "promises", "sync"]) {
    create[adapter] = {};
    for (const n of [0, 100, 1000]) {
      const r = await runInHermes(dir, createBundle, { ...host, adapter, storage: subset(n), steps: [] }, { bytecode: true });
      create[adapter][n] = { ms: r.createMs, pending: r.pendingAtStart, readMs: r.readMs, maxBlockMs: r.maxBlockMs };
    }
  }
  return create;
}

if (process.argv[2] === "create") {
  const { dir, bundle } = await bundleFixture({ downlevel: true });
  try {
    const host = { url: UNREACHABLE, userId: "bench" };
    const filled = await runInHermes(dir, bundle, { ...host, storage: {}, steps: ["enqueue:1000"] }, { bytecode: true });
    const keys = Object.keys(filled.storage).filter((k) => k.includes(":op:")).sort();
    console.log(JSON.stringify({ create: await createFigures(dir, bundle, host, keys, filled) }, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const entry = await readFile(join(ROOT, "pkg/react-native.js"));
const { dir, bundle } = await bundleFixture({ downlevel: true });
try {
  await run(HERMESC_012, ["-O", "-emit-binary", "-out", `${bundle}.hbc`, bundle], { maxBuffer: 64 << 20 });
  const sizes = { raw: entry.length, gzip: gzipSync(entry, { level: 9 }).length, bundleRaw: (await stat(bundle)).size, bytecode: (await stat(`${bundle}.hbc`)).size };

  const host = { url: UNREACHABLE, userId: "bench" };
  const filled = await runInHermes(dir, bundle, { ...host, storage: {}, steps: ["enqueue:1000"] }, { bytecode: true });
  const keys = Object.keys(filled.storage).filter((k) => k.includes(":op:")).sort();
  const create = await createFigures(dir, bundle, host, keys, filled);
  const hermes = filled.steps[0];
  const [wasm, rn] = [await nodeEnqueue("wasm"), await nodeEnqueue("rn-bare")];
  console.log(JSON.stringify({ sizes, enqueue: { hermes, nodeWasm: wasm, nodeRn: rn }, create }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
