// Runs the lowered-semantics probe against one build (argv[2], see load.mjs) and
// prints its outcomes as JSON; semantics.test.mjs runs it once per build and
// compares. Every outcome is what the public API returns or the error it gives
// (code and message), with ids and wall-clock times replaced by stable stand-ins.
//
// What it exercises, and why: the React Native build runs the core as JavaScript
// translated from a wasm built for MVP features, so float->int casts are rustc's
// compare-and-branch code instead of saturating instructions, 64-bit integers are
// emulated with pairs of 32-bit ones, and memory is a fixed heap instead of one that
// grows. The probe feeds boundary numbers (limits, options, metadata), Unicode of
// every UTF-8 length, and enough long strings to make the wasm build grow memory.
import { loadBuild } from "./load.mjs";

const build = process.argv[2];
const { sdk, memory } = await loadBuild(build);
const { VideoSessionClient } = sdk;
const UNREACHABLE = "http://127.0.0.1:9"; // nothing listens: every call is offline

const results = {};
const BOUNDARY = [
  1, 1.5, 0, -0, -1, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53,
  2 ** 63, 2 ** 64, 1e21, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, NaN, Infinity,
  -Infinity, "5", null, true,
];
const label = (v) => (typeof v === "number" ? (Object.is(v, -0) ? "-0" : String(v)) : JSON.stringify(v));

async function outcome(work) {
  try {
    return { ok: normalize(await work()) };
  } catch (e) {
    return { error: { code: e?.code ?? null, message: String(e?.message ?? e) } };
  }
}

/** Stores the outcome of `work` under `key`; VSS_PROBE_TRACE=1 prints each key first. */
async function record(key, work) {
  if (process.env.VSS_PROBE_TRACE) process.stderr.write(`${key}\n`);
  results[key] = await outcome(work);
}

const ids = new Map();
function normalize(v) {
  if (typeof v === "string") {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)) {
      if (!ids.has(v)) ids.set(v, `<id${ids.size}>`);
      return ids.get(v);
    }
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v)) return "<time>";
    return v;
  }
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = /At$|^_creationTime$|^createdAt$/.test(k) && v[k] != null ? "<time>" : normalize(v[k]);
    return out;
  }
  return v;
}

let n = 0;
const opened = [];
async function client() {
  const x = await VideoSessionClient.create({ url: UNREACHABLE, userId: `probe-${n++}`, storage: "memory", debounceMs: 60_000 });
  opened.push(x);
  return x;
}

// 1. Numbers crossing into the core: f64 -> u32 (limit) and f64 -> u64 (options).
const c = await client();
await c.startSession({ supportWorkerName: "limits" });
for (const v of BOUNDARY) {
  await record(`getUserSessions limit ${label(v)}`, async () => (await c.getUserSessions({ limit: v })).length);
}
for (const opt of ["batchSize", "debounceMs", "readTimeoutMs", "maxAttempts", "requestTimeoutMs"]) {
  for (const v of [...BOUNDARY, 100, 60_000, 120_000, 300_000, 300_001, 1_000, 1_001]) {
    await record(`create ${opt} ${label(v)}`, async () => {
      const x = await VideoSessionClient.create({ url: UNREACHABLE, userId: "opts", storage: "memory", [opt]: v });
      x.close();
      return "created";
    });
  }
}

// 2. Numbers through serde_json inside the core (parse and print of f64 and integers).
const NUMBERS = { max: Number.MAX_VALUE, min: Number.MIN_VALUE, negZero: -0, big: 2 ** 53 + 2, tenth: 0.1 + 0.2, e21: 1e21, neg: -123456789.125, i: 9007199254740991, tiny: 5e-324, list: [0, -1, 2 ** 31, 2 ** 32, -(2 ** 63)] };
await record("metadata numbers", async () => {
  const x = await client();
  await x.startSession({ supportWorkerName: "numbers", metadata: NUMBERS });
  return (await x.getUserSessions())[0].metadata;
});
for (const [name, metadata] of [["NaN", { a: NaN }], ["Infinity", { a: Infinity }], ["-Infinity", [-Infinity]]]) {
  await record(`metadata ${name}`, async () => {
    const x = await client();
    return x.startSession({ supportWorkerName: "bad", metadata });
  });
}

// 3. Unicode of every UTF-8 length, surrogates, BOM, NUL, combining and ZWJ sequences.
const UNICODE = [
  "plain ASCII", "Zoë Ångström", "医生 王", "Dr. 😀🎥", "👩🏽‍⚕️ ZWJ", "e\u0301 combining", "\u0000nul", "\ufeffBOM first",
  "lone \ud800 high", "lone \udc00 low", "\udbff\udfff max", "\u00a0\u2028\u2029", "x".repeat(199) + "😀", "é".repeat(200), "é".repeat(201),
];
for (const s of UNICODE) {
  await record(`name ${JSON.stringify(s).slice(0, 40)}`, async () => {
    const x = await client();
    await x.startSession({ supportWorkerName: s });
    await x.reportQualityIssue(s);
    const [session] = await x.getUserSessions();
    return { name: session.supportWorkerName, issues: session.qualityIssues, pending: x.pendingCount() };
  });
}

// 4. Long strings, enough to make the wasm build grow its memory several times.
const start = memory();
const big = await client();
const long = "長い文字列😀".repeat(80); // 480 UTF-16 units, ~1.1 KB of UTF-8
let sessions = 0;
for (let s = 0; s < 60; s++) {
  await big.startSession({ supportWorkerName: `long ${s}`, metadata: { note: "ü".repeat(1_900), n: s } });
  for (let q = 0; q < 40; q++) await big.reportQualityIssue(`${q} ${long}`.slice(0, 500));
  await big.endSession();
  sessions++;
}
const list = await big.getUserSessions({ limit: 200 });
results["long strings"] = {
  sessions,
  pending: big.pendingCount(),
  listed: list.length,
  // Near the queue's 4 MiB cap the oldest quality ops are evicted (the same ones in
  // both builds), and a session left with none has no qualityIssues field.
  issues: list.reduce((a, s) => a + (s.qualityIssues ?? []).length, 0),
  firstIssue: list.find((s) => s.qualityIssues?.length > 1)?.qualityIssues[1] ?? null,
  metadataBytes: list.reduce((a, s) => a + JSON.stringify(s.metadata).length, 0),
};
await record("one string over every limit", () => big.reportQualityIssue("ü".repeat(1_000_000)));
await record("a 1 MB name", () => big.startSession({ supportWorkerName: "名".repeat(1_000_000) }));

const end = memory();
for (const x of opened) x.close();
process.stdout.write(JSON.stringify({ build, grewMemory: end > start, memory: { start, end }, results }));
// The closed clients' last timers would keep the process alive for their debounce.
process.exit(0);
