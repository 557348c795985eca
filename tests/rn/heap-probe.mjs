// Exhausts the React Native entry's fixed heap (in Node, WebAssembly deleted as in
// Hermes) and prints what the app sees, as JSON, for heap.test.mjs: the call that hit
// it, later calls, and a fresh load of the entry (a new core, as the next launch
// would have) over the same storage. Nothing listens at the URL: every op stays queued.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../e2e/support.mjs";
import { loadBuild } from "./load.mjs";

globalThis.fetch = async () => {
  throw new TypeError("fetch failed"); // offline
};
const { sdk } = await loadBuild("rn-bare");
const { VideoSessionClient } = sdk;

// AsyncStorage's shape over a Map the second load shares (the device's storage).
const disk = new Map();
const storage = {
  getItem: async (k) => (disk.has(k) ? disk.get(k) : null),
  setItem: async (k, v) => void disk.set(k, String(v)),
  removeItem: async (k) => void disk.delete(k),
  getAllKeys: async () => [...disk.keys()],
};
const options = { url: "http://127.0.0.1:9", userId: "heap", storage, debounceMs: 60_000 };
const error = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e) });
const outcome = async (work) => {
  try {
    await work();
    return null;
  } catch (e) {
    return error(e);
  }
};
const settle = () => new Promise((r) => setTimeout(r, 200));
const out = {};

const client = await VideoSessionClient.create(options);
await client.startSession({ supportWorkerName: "Dr. Heap" });
await client.markConnected();
await settle();
out.pendingBefore = client.pendingCount();
const keysBefore = disk.size;

// One string larger than the whole heap: the core cannot copy it in.
out.hit = await outcome(() => client.reportQualityIssue("x".repeat(40 << 20)));
out.afterAsync = await outcome(() => client.flush());
out.afterSync = await outcome(() => client.pendingCount());
out.closeThrows = await outcome(() => client.close());
out.createAfter = await outcome(() => VideoSessionClient.create(options));
out.storageKept = disk.size >= keysBefore;

// The next launch: a fresh module instance of the entry, hence a fresh core.
const next = await import(`${pathToFileURL(join(ROOT, "pkg/react-native.js")).href}?next-launch`);
await next.default();
const recovered = await next.VideoSessionClient.create(options);
await settle();
out.pendingRecovered = recovered.pendingCount();
recovered.close();
process.stdout.write(JSON.stringify(out));
process.exit(0);
