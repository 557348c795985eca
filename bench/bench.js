// The in-browser half of the benchmark suite: each export is one measurement that
// bench/run.mjs calls with page.evaluate and that returns raw numbers (milliseconds
// from performance.now()). Nothing here decides a goal; the runner does.
//
// Invariants:
// - every op enqueued here is a real SDK call (no record is written by hand); the
//   only direct localStorage writes are the raw setItem baseline, under a prefix the
//   SDK never reads, and they are removed again;
// - the op mix is valid for the backend (start, connect, at most 47 quality issues,
//   end), so a drained queue applies every op and dead-letters none;
// - every client created here is closed and freed before the function returns.

const GLUE = "./pkg/video_session_sdk.js";
/** Nothing listens on port 9 (discard): every delivery attempt fails fast. */
export const UNREACHABLE = "http://127.0.0.1:9";
const ISSUE = "Audio choppy";
const ISSUES_PER_SESSION = 47;

let sdk = null;

/** Imports the JS glue and instantiates the wasm once per page; returns the timings. */
export async function load() {
  if (sdk) return { importMs: 0, initMs: 0 };
  const t0 = performance.now();
  const mod = await import(GLUE);
  const t1 = performance.now();
  await mod.default();
  const t2 = performance.now();
  sdk = mod;
  return { importMs: t1 - t0, initMs: t2 - t1 };
}

export function environment() {
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

async function open(options) {
  await load();
  const events = { storageFull: 0, evicted: 0, dropped: 0 };
  const client = await sdk.VideoSessionClient.create({
    ...options,
    onEvent: (e) => {
      if (e.type in events) events[e.type] += 1;
    },
  });
  return { client, events };
}

function shut(client) {
  client.close();
  client.free();
}

/**
 * Drives one client through the realistic op mix: per session startSession,
 * markConnected, 47 reportQualityIssue, endSession (50 ops). `timedIssue` makes sure
 * the current session is open with room for one more issue (untimed), then times one
 * awaited reportQualityIssue.
 */
class Driver {
  constructor(client) {
    this.client = client;
    this.open = false;
    this.connected = false;
    this.issues = 0;
  }

  async startNew() {
    await this.client.startSession({ supportWorkerName: "Bench Worker", supportWorkerId: "bench-w1" });
    this.open = true;
    this.connected = false;
    this.issues = 0;
  }

  async next() {
    const c = this.client;
    if (!this.open) return this.startNew();
    if (!this.connected) {
      this.connected = true;
      return c.markConnected();
    }
    if (this.issues < ISSUES_PER_SESSION) {
      this.issues += 1;
      return c.reportQualityIssue(ISSUE);
    }
    this.open = false;
    return c.endSession();
  }

  async fillTo(n) {
    while (this.client.pendingCount() < n) await this.next();
  }

  async timedIssue() {
    if (!this.open || this.issues >= 50) {
      if (this.open) await this.client.endSession();
      await this.startNew();
    }
    const pending = this.client.pendingCount();
    const t0 = performance.now();
    await this.client.reportQualityIssue(ISSUE);
    const ms = performance.now() - t0;
    this.issues += 1;
    return { ms, pending };
  }
}

/** The newest stored op record under `prefix` (the SDK's keys sort by creation). */
function newestRecord(prefix) {
  let best = null;
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k.startsWith(`${prefix}op:`) && (best === null || k > best)) best = k;
  }
  return best === null ? null : { key: best, value: localStorage.getItem(best) };
}

/**
 * The baseline: localStorage.setItem of a key and value of the same lengths as the
 * SDK's newest record, under a prefix the SDK never reads. Timed per call and in
 * batches of 100 (the per-call time is near performance.now()'s resolution).
 */
function rawSetItem(record, calls = 200, batches = 50, perBatch = 100) {
  const stem = `rawbench:${"x".repeat(Math.max(0, record.key.length - 20))}`;
  const keyOf = (i) => `${stem}${String(i).padStart(11, "0")}`.slice(-record.key.length);
  const single = [];
  for (let i = 0; i < calls; i++) {
    const k = keyOf(i);
    const t0 = performance.now();
    localStorage.setItem(k, record.value);
    single.push(performance.now() - t0);
    localStorage.removeItem(k);
  }
  const batched = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) localStorage.setItem(keyOf(i), record.value);
    batched.push((performance.now() - t0) / perBatch);
    for (let i = 0; i < perBatch; i++) localStorage.removeItem(keyOf(i));
  }
  return { single, batched, keyLength: record.key.length, valueLength: record.value.length };
}

/**
 * Enqueue cost with `level` ops pending. Level ≤ 100: `samples` fresh clients, each
 * filled to exactly `level` ops, one timed call each. Larger levels: one client filled
 * to `level − samples`, then `samples` timed calls (the queue grows through the window,
 * ending at `level`).
 */
export async function enqueueAt({ level, samples, userId }) {
  const prefix = `enq${level}:`;
  localStorage.clear();
  const times = [];
  const pendings = [];
  const totals = { storageFull: 0, evicted: 0, dropped: 0 };
  let record = null;
  const add = (events) => {
    for (const k of Object.keys(totals)) totals[k] += events[k];
  };
  if (level <= 100) {
    for (let s = 0; s < samples; s++) {
      const { client, events } = await open({ url: UNREACHABLE, userId, storagePrefix: prefix });
      const d = new Driver(client);
      await d.fillTo(level);
      const r = await d.timedIssue();
      times.push(r.ms);
      pendings.push(r.pending);
      if (s === samples - 1) record = newestRecord(prefix);
      add(events);
      shut(client);
      localStorage.clear();
      d.client = null;
    }
    // The baseline runs against storage of the same size as the timed calls saw.
    const { client } = await open({ url: UNREACHABLE, userId, storagePrefix: prefix });
    await new Driver(client).fillTo(level);
    const raw = rawSetItem(record);
    shut(client);
    localStorage.clear();
    return { level, times, pendings, raw, events: totals };
  }
  const { client, events } = await open({ url: UNREACHABLE, userId, storagePrefix: prefix });
  const d = new Driver(client);
  const fill0 = performance.now();
  await d.fillTo(level - samples);
  const fillMs = performance.now() - fill0;
  // Stop 3 short of the level (a timed call may first end and start a session), so the
  // queue never passes the SDK's 10,000-record cap and nothing is evicted.
  while (times.length < samples && client.pendingCount() < level - 3) {
    const r = await d.timedIssue();
    times.push(r.ms);
    pendings.push(r.pending);
  }
  await d.fillTo(level);
  record = newestRecord(prefix);
  const raw = rawSetItem(record);
  const pendingAfter = client.pendingCount();
  add(events);
  shut(client);
  return { level, times, pendings, raw, events: totals, fillMs, pendingAfter, prefix };
}

/**
 * Cold start over what enqueueAt left in storage: import the glue, instantiate the
 * wasm, and open a client (which recovers every stored op). Call on a freshly
 * loaded page.
 */
export async function coldStart({ userId, prefix }) {
  const { importMs, initMs } = await load();
  const t0 = performance.now();
  const client = await sdk.VideoSessionClient.create({ url: UNREACHABLE, userId, storagePrefix: prefix });
  const createMs = performance.now() - t0;
  const pending = client.pendingCount();
  shut(client);
  return { importMs, initMs, createMs, pending };
}

/**
 * The floor any JS outbox pays to recover the same queue: list the keys under
 * `prefix`, getItem each, JSON.parse each. Call on a freshly loaded page (the first
 * localStorage access of a page also loads the origin's storage area).
 */
export function rawRecovery({ prefix }) {
  const t0 = performance.now();
  const n = localStorage.length;
  const t1 = performance.now();
  const records = [];
  for (let i = 0; i < n; i++) {
    const k = localStorage.key(i);
    if (k.startsWith(`${prefix}op:`)) records.push(JSON.parse(localStorage.getItem(k)));
  }
  const t2 = performance.now();
  return { ms: t2 - t0, firstAccessMs: t1 - t0, records: records.length };
}

/** Queues `n` ops (the realistic mix) with no delivery attempt, then closes the client. */
export async function fillQueue({ userId, prefix, n }) {
  localStorage.clear();
  const { client, events } = await open({ url: UNREACHABLE, userId, storagePrefix: prefix, debounceMs: 60_000 });
  const t0 = performance.now();
  await new Driver(client).fillTo(n);
  const fillMs = performance.now() - t0;
  const pending = client.pendingCount();
  shut(client);
  return { pending, fillMs, events };
}

/**
 * Opens a client on the real backend over the queue fillQueue left and times from
 * the flush start until pendingCount() is 0.
 */
export async function drain({ url, userId, prefix, batchSize, timeoutMs }) {
  const kinds = countKinds(prefix);
  const options = { url, userId, storagePrefix: prefix };
  if (batchSize !== undefined) options.batchSize = batchSize;
  const { client, events } = await open(options);
  const before = client.pendingCount();
  const t0 = performance.now();
  let flushes = 0;
  let lastReport = null;
  while (client.pendingCount() > 0 && performance.now() - t0 < timeoutMs) {
    lastReport = await client.flush();
    flushes += 1;
  }
  const ms = performance.now() - t0;
  const after = client.pendingCount();
  const dead = client.deadLetters().length;
  shut(client);
  localStorage.clear();
  return { before, after, ms, flushes, dead, lastReport, events, kinds };
}

/** How many stored op records under `prefix` are of each kind. */
export function countKinds(prefix) {
  const kinds = {};
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (!k.startsWith(`${prefix}op:`)) continue;
    const kind = JSON.parse(localStorage.getItem(k)).kind;
    kinds[kind] = (kinds[kind] || 0) + 1;
  }
  return kinds;
}

/** Every stored key under `prefix` and the UTF-16 units of keys plus values. */
function storedUnder(prefix) {
  let keys = 0;
  let units = 0;
  let reports = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (!k.startsWith(prefix)) continue;
    const v = localStorage.getItem(k);
    keys += 1;
    units += k.length + v.length;
    if (k.startsWith(`${prefix}op:`) && JSON.parse(v).kind === "reportNetworkStats") reports += 1;
  }
  return { keys, units, reports };
}

/**
 * reportNetworkStats (#13 item 7): one connected call offline, one untimed sample (the
 * session's report exists), then `samples` awaited samples of all four metrics, each
 * timed. Returns the times and what storage under the prefix held after the first
 * sample and after the last: a sample folds into the one stored report, so the
 * record count stays and only the summary's numbers grow.
 */
export async function networkStats({ userId, samples }) {
  const prefix = `net${Date.now()}:`;
  const { client, events } = await open({ url: UNREACHABLE, userId, storagePrefix: prefix, debounceMs: 60_000 });
  await client.startSession({ supportWorkerName: "Bench Worker" });
  await client.markConnected();
  const sample = (i) => ({
    rttMs: 20 + ((i * 37) % 480),
    jitterMs: (i * 13) % 90,
    packetLossPct: ((i * 7) % 40) / 10,
    bitrateKbps: 300 + ((i * 101) % 2500),
  });
  await client.reportNetworkStats(sample(0));
  const afterFirst = storedUnder(prefix);
  const times = [];
  for (let i = 1; i <= samples; i++) {
    const s = sample(i);
    const t0 = performance.now();
    await client.reportNetworkStats(s);
    times.push(performance.now() - t0);
  }
  const afterAll = storedUnder(prefix);
  const active = await client.getActiveSession();
  const pending = client.pendingCount();
  shut(client);
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k.startsWith(prefix)) localStorage.removeItem(k);
  }
  return { times, afterFirst, afterAll, pending, count: active?.network?.rttMs?.count ?? 0, events };
}
