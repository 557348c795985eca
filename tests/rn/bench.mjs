// The React Native figures for BENCHMARKS.md (not a test; run by hand):
//   node tests/rn/bench.mjs
// Sizes of the RN entry (raw, gzip -9, Hermes 0.12 bytecode of the app bundle), enqueue
// latency (start/end pairs into an AsyncStorage-shaped adapter) in Node with the wasm
// build, in Node with the RN entry, and in the Hermes 0.12 VM, and create() over 0, 100
// and 1,000 stored ops in Hermes.
import { execFile } from "node:child_process";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT } from "../e2e/support.mjs";
import { HERMESC_012, bundleFixture, runInHermes } from "./hermes.mjs";

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

const entry = await readFile(join(ROOT, "pkg/react-native.js"));
const { dir, bundle } = await bundleFixture({ downlevel: true });
try {
  await run(HERMESC_012, ["-O", "-emit-binary", "-out", `${bundle}.hbc`, bundle], { maxBuffer: 64 << 20 });
  const sizes = { raw: entry.length, gzip: gzipSync(entry, { level: 9 }).length, bundleRaw: (await stat(bundle)).size, bytecode: (await stat(`${bundle}.hbc`)).size };

  const host = { url: UNREACHABLE, userId: "bench" };
  const filled = await runInHermes(dir, bundle, { ...host, storage: {}, steps: ["enqueue:1000"] }, { bytecode: true });
  const keys = Object.keys(filled.storage).filter((k) => k.includes(":op:")).sort();
  const subset = (n) => Object.fromEntries(keys.slice(0, n).map((k) => [k, filled.storage[k]]));
  const create = {};
  for (const n of [0, 100, 1000]) {
    const r = await runInHermes(dir, bundle, { ...host, storage: subset(n), steps: [] }, { bytecode: true });
    create[n] = { ms: r.createMs, pending: r.pendingAtStart };
  }
  const hermes = filled.steps[0];
  const [wasm, rn] = [await nodeEnqueue("wasm"), await nodeEnqueue("rn-bare")];
  console.log(JSON.stringify({ sizes, enqueue: { hermes, nodeWasm: wasm, nodeRn: rn }, create }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
