// The benchmark runner: measures every figure in one run and prints one table
// (figure | measured | goal | ok?), then writes bench/results.json. Entry point:
// `bash scripts/bench.sh` (it builds the release server and the throughput example
// first); `node bench/run.mjs` works when those exist.
//
// Real parts only: a private copy of pkg/ served to Debian's headless Chromium by a
// small static server (cross-origin isolated, so performance.now() has 5 µs rather
// than 100 µs resolution), the release local backend on 127.0.0.1 (a different
// origin, so delivery goes through CORS as in production), and Node's fetch for the
// backend-only figures.
//
// Invariants: every server and browser started here is stopped before exit, also on
// failure; a goal that is missed is printed as "NO", never hidden; a figure whose
// measurement did something other than intended (ops not applied, evictions, ops left
// pending) aborts the run instead of printing a number.

import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { analyticsBench, analyticsRows, callStats, callStatsBench, nativeCore, throughput } from "./backend.mjs";
import { packageSize } from "./size.mjs";
import { kib, mean, ms, p50, p99, printTable, ratio, row } from "./stats.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
process.env.VSS_SERVER_BIN ||= join(ROOT, "target/release/video-session-server");
const THROUGHPUT_BIN = process.env.VSS_THROUGHPUT_BIN || join(ROOT, "target/release/examples/throughput");
const { launchBrowser, startServer } = await import("../tests/e2e/support.mjs");

const GOALS = { sizeKb: 45, enqueueVsRaw: 3, flat: 1.5, coldMs: 50, drainS: 5, speedup: 20, statsRatio: 1.5 };
// The figures' sizes; VSS_BENCH_SCALE (default 1) shrinks them for a quick smoke run
// of the runner itself (the goals only mean something at scale 1).
const SCALE = Number(process.env.VSS_BENCH_SCALE || 1);
const DRAIN_OPS = Math.round(10_000 * SCALE);
const ENQUEUE_LEVELS = [10, Math.round(1_000 * SCALE), DRAIN_OPS];
const ENQUEUE_SAMPLES = Math.round(200 * Math.min(1, SCALE * 2));
const COLD_RUNS = 5;
const PER_OP_OPS = Math.round(1_000 * SCALE);
const NETWORK_SAMPLES = Math.round(1_000 * SCALE);
// VSS_BENCH_ONLY=network measures only the reportNetworkStats row (a loaded machine,
// or a check of that figure alone); results.json is not written then.
const ONLY = process.env.VSS_BENCH_ONLY || "";
const stamp = Date.now();

/** Copies pkg/ to `dest`, retrying while another engineer is rebuilding it. */
async function copyPkg(dest) {
  const files = ["video_session_sdk_bg.wasm", "video_session_sdk.js"];
  for (let attempt = 1; ; attempt++) {
    try {
      const before = await Promise.all(files.map((f) => stat(join(ROOT, "pkg", f))));
      await cp(join(ROOT, "pkg"), dest, { recursive: true });
      const after = await Promise.all(files.map((f) => stat(join(ROOT, "pkg", f))));
      const settled = Date.now() - Math.max(...after.map((s) => s.mtimeMs)) > 10_000;
      if (settled && before.every((s, i) => s.mtimeMs === after[i].mtimeMs)) {
        return { builtAt: new Date(Math.max(...after.map((s) => s.mtimeMs))).toISOString() };
      }
    } catch (err) {
      if (attempt >= 10) throw new Error(`pkg/ is missing or incomplete (${err.message}); run bash scripts/build-wasm.sh`);
    }
    if (attempt >= 10) throw new Error("pkg/ kept changing while being copied; try again when nobody is rebuilding it");
    console.error(`bench: pkg/ is being rebuilt; retrying in 15 s (attempt ${attempt})`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };

/** Serves `dir` on 127.0.0.1, cross-origin isolated and uncached (every load is a first visit). */
async function serveStatic(dir) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = resolve(dir, `.${path === "/" ? "/index.html" : path}`);
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    };
    try {
      if (!file.startsWith(dir)) throw new Error("outside");
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] || "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

async function openPage(context, url, errors) {
  const page = await context.newPage();
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(url);
  await page.waitForSelector("body[data-state=ready]");
  return page;
}

function check(cond, message) {
  if (!cond) throw new Error(`bench: ${message}`);
}

async function browserFigures(context, pageUrl, backendUrl, errors) {
  const out = {};
  const page = await openPage(context, pageUrl, errors);
  out.environment = await page.evaluate(() => window.bench.environment());
  out.enqueue = [];
  const enqUser = `bench-enqueue-${stamp}`;
  for (const level of ENQUEUE_LEVELS) {
    console.error(`bench: enqueue at ${level} pending`);
    const r = await page.evaluate((a) => window.bench.enqueueAt(a), { level, samples: ENQUEUE_SAMPLES, userId: enqUser });
    check(r.events.evicted === 0 && r.events.storageFull === 0, `enqueue at ${level}: ${JSON.stringify(r.events)}`);
    out.enqueue.push({
      level,
      samples: r.times.length,
      pendingRange: [Math.min(...r.pendings), Math.max(...r.pendings)],
      p50: p50(r.times),
      p99: p99(r.times),
      max: Math.max(...r.times),
      raw: {
        keyLength: r.raw.keyLength,
        valueLength: r.raw.valueLength,
        singleP50: p50(r.raw.single),
        singleP99: p99(r.raw.single),
        batchedP50: p50(r.raw.batched),
        batchedP99: p99(r.raw.batched),
        batchedMean: mean(r.raw.batched),
      },
      fillMs: r.fillMs,
      pendingAfter: r.pendingAfter,
      prefix: r.prefix,
    });
  }
  await page.close();
  const full = out.enqueue.at(-1);
  check(full.pendingAfter === DRAIN_OPS, `the queue holds ${full.pendingAfter} ops, not ${DRAIN_OPS}`);

  console.error("bench: cold start");
  out.rawRecovery = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const p = await openPage(context, pageUrl, errors);
    const r = await p.evaluate((a) => window.bench.rawRecovery(a), { prefix: full.prefix });
    check(r.records === DRAIN_OPS, `raw recovery read ${r.records} records`);
    out.rawRecovery.push({ ms: r.ms, firstAccessMs: r.firstAccessMs });
    await p.close();
  }
  out.cold = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const p = await openPage(context, pageUrl, errors);
    const r = await p.evaluate((a) => window.bench.coldStart(a), { userId: enqUser, prefix: full.prefix });
    check(r.pending === DRAIN_OPS, `cold start recovered ${r.pending} ops, not ${DRAIN_OPS}`);
    out.cold.push({ ...r, totalMs: r.importMs + r.initMs + r.createMs });
    await p.close();
  }

  const drainPage = await openPage(context, pageUrl, errors);
  console.error(`bench: drain ${DRAIN_OPS} ops batched`);
  const batched = await drainPage.evaluate((a) => window.bench.drain(a), {
    url: backendUrl, userId: enqUser, prefix: full.prefix, timeoutMs: 300_000,
  });
  out.drainBatched = await verifiedDrain(backendUrl, enqUser, batched, DRAIN_OPS);

  console.error(`bench: drain ${PER_OP_OPS} ops one request per op`);
  const perUser = `bench-perop-${stamp}`;
  const fill = await drainPage.evaluate((a) => window.bench.fillQueue(a), { userId: perUser, prefix: "perop:", n: PER_OP_OPS });
  check(fill.pending === PER_OP_OPS, `per-op fill queued ${fill.pending}`);
  const perOp = await drainPage.evaluate((a) => window.bench.drain(a), {
    url: backendUrl, userId: perUser, prefix: "perop:", batchSize: 1, timeoutMs: 600_000,
  });
  out.drainPerOp = await verifiedDrain(backendUrl, perUser, perOp, PER_OP_OPS);
  await drainPage.close();
  out.network = await networkFigure(context, pageUrl, errors);
  return out;
}

/** reportNetworkStats p50 in Chromium and the storage its samples add (#13 item 7). */
async function networkFigure(context, pageUrl, errors) {
  console.error(`bench: reportNetworkStats, ${NETWORK_SAMPLES} samples`);
  const page = await openPage(context, pageUrl, errors);
  const r = await page.evaluate((a) => window.bench.networkStats(a), { userId: `bench-net-${stamp}`, samples: NETWORK_SAMPLES });
  await page.close();
  check(r.count === NETWORK_SAMPLES + 1, `the session folded ${r.count} samples, not ${NETWORK_SAMPLES + 1}`);
  check(r.events.evicted === 0 && r.events.storageFull === 0, `network samples: ${JSON.stringify(r.events)}`);
  return {
    samples: r.times.length,
    p50: p50(r.times),
    p99: p99(r.times),
    afterFirst: r.afterFirst,
    afterAll: r.afterAll,
    pending: r.pending,
    // UTF-16 units of keys + values added per sample after the first.
    unitsPerSample: (r.afterAll.units - r.afterFirst.units) / r.times.length,
  };
}

function networkRows(n) {
  const growth = n.afterAll.units - n.afterFirst.units;
  // None beyond the summary: still one report record, whose numbers grew a few digits.
  const flat = n.afterAll.keys === n.afterFirst.keys && n.afterAll.reports === 1 && growth < 200;
  return [
    row(
      `reportNetworkStats p50 / p99 (${n.samples.toLocaleString("en")} samples of 4 metrics, one call, offline)`,
      `${ms(n.p50)} / ${ms(n.p99)}`,
      "—",
      null,
    ),
    row(
      "reportNetworkStats: storage added per sample",
      `${n.afterFirst.reports} report record, ${n.afterFirst.units} chars of keys + values after 1 sample → ${n.afterAll.reports} record, ${n.afterAll.units} after ${(n.samples + 1).toLocaleString("en")} (+${growth} chars in all, ${n.unitsPerSample.toFixed(3)} per sample)`,
      "none beyond the summary (one record per session)",
      flat,
    ),
  ];
}

/** Refuses a drain that did not deliver every op, or whose ops the backend does not count. */
async function verifiedDrain(url, userId, r, n) {
  check(r.before === n && r.after === 0, `drain of ${userId}: ${r.before} pending before, ${r.after} after`);
  check(r.dead === 0 && r.events.dropped === 0, `drain of ${userId}: ${r.dead} dead letters`);
  const s = await callStats(url, userId);
  const k = r.kinds;
  check(
    s.totalSessions === (k.startSession || 0) &&
      s.completedSessions === (k.endSession || 0) &&
      s.totalQualityIssues === (k.reportQualityIssue || 0),
    `the backend's stats for ${userId} ${JSON.stringify(s)} do not match the queued ops ${JSON.stringify(k)}`,
  );
  return { ops: n, ms: r.ms, flushes: r.flushes, kinds: k, serverStats: s };
}

function table(res) {
  const rows = [];
  const sz = res.size;
  const pkgNote = sz.releaseLike ? "" : ` — pkg/ has a ${kib(sz.customSections.name)} name section (not a stripped release build; without custom sections ${kib(sz.strippedTotalGzip)})`;
  rows.push(row("wasm + JS glue, gzip -9", `${kib(sz.totalGzip)} (wasm ${kib(sz.wasmGzip)} + js ${kib(sz.jsGzip)})${pkgNote}`, `≤ ${GOALS.sizeKb} KB`, sz.totalGzip <= GOALS.sizeKb * 1024));
  for (const e of res.enqueue) {
    const vs = e.p50 / e.raw.batchedP50;
    const range = e.pendingRange[0] === e.pendingRange[1] ? `${e.pendingRange[0]}` : e.pendingRange.join("–");
    rows.push(row(
      `enqueue p50 / p99 @ ${e.level.toLocaleString("en")} pending (queue length ${range})`,
      `${ms(e.p50)} / ${ms(e.p99)}; raw setItem p50 ${ms(e.raw.batchedP50)} (mean ${ms(e.raw.batchedMean)}) → ${ratio(vs)}`,
      `p50 ≤ ${GOALS.enqueueVsRaw}× raw setItem`,
      vs <= GOALS.enqueueVsRaw,
    ));
  }
  const flat = res.enqueue.at(-1).p50 / res.enqueue[0].p50;
  rows.push(row("enqueue flatness: p50 @ 10,000 / p50 @ 10", ratio(flat), `≤ ${GOALS.flat}`, flat <= GOALS.flat));
  const cold = p50(res.cold.map((c) => c.totalMs));
  rows.push(row(
    `cold start over ${DRAIN_OPS.toLocaleString("en")} pending ops (glue import + init + create), median of ${res.cold.length} page loads`,
    `${ms(cold)} (create ${ms(p50(res.cold.map((c) => c.createMs)))})`,
    `≤ ${GOALS.coldMs} ms`,
    cold <= GOALS.coldMs,
  ));
  rows.push(row("wasm instantiate alone (init: fetch + compile + instantiate), median", ms(p50(res.cold.map((c) => c.initMs))), "—", null));
  rows.push(row(
    `plain JS reading the same ${DRAIN_OPS.toLocaleString("en")} records (keys + getItem + JSON.parse), median`,
    `${ms(p50(res.rawRecovery.map((r) => r.ms)))} (first localStorage access ${ms(p50(res.rawRecovery.map((r) => r.firstAccessMs)))})`,
    "—",
    null,
  ));
  const b = res.drainBatched.ms / 1000;
  rows.push(row(`drain ${DRAIN_OPS.toLocaleString("en")} ops, batched (default batchSize 100)`, `${b.toFixed(2)} s`, `≤ ${GOALS.drainS} s`, b <= GOALS.drainS));
  const perOpExtrapolated = (res.drainPerOp.ms / 1000) * (DRAIN_OPS / PER_OP_OPS);
  const speedup = perOpExtrapolated / b;
  rows.push(row(
    "drain, one request per op (batchSize 1)",
    `${PER_OP_OPS.toLocaleString("en")} ops measured in ${(res.drainPerOp.ms / 1000).toFixed(2)} s → ${perOpExtrapolated.toFixed(1)} s for ${DRAIN_OPS.toLocaleString("en")} (extrapolated ×${DRAIN_OPS / PER_OP_OPS}); speed-up ${speedup.toFixed(1)}×`,
    `speed-up ≥ ${GOALS.speedup}×`,
    speedup >= GOALS.speedup,
  ));
  rows.push(...networkRows(res.network));
  const st = res.callStats;
  rows.push(row(
    "getCallStats p50, 10 vs 10,000 sessions in history",
    `${ms(st.small.p50)} vs ${ms(st.large.p50)} → ${ratio(st.ratioP50)}`,
    `ratio ≤ ${GOALS.statsRatio}`,
    st.ratioP50 <= GOALS.statsRatio,
  ));
  if (res.analytics) rows.push(...analyticsRows(res.analytics, GOALS.statsRatio));
  if (res.native) {
    const n = res.native;
    rows.push(row(
      "native core (no browser), enqueue p50 @ 10 / 1,000 / 10,000 pending",
      `${n.enqueue10.p50us} / ${n.enqueue1000.p50us} / ${n.enqueue10000.p50us} µs`,
      "—",
      null,
    ));
    rows.push(row(`native core, Client::open over ${DRAIN_OPS.toLocaleString("en")} stored ops`, ms(n.open10000ms), "—", null));
  }
  rows.push(row("local backend: single mutations (4 client threads)", `${res.throughput.mutationsPerSec.toLocaleString("en")} mutations/s`, "—", null));
  rows.push(row("local backend: applyBatch, 100 ops per batch", `${res.throughput.batchOpsPerSec.toLocaleString("en")} ops/s`, "—", null));
  return rows;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "vss-bench-"));
  const cleanup = [() => rm(dir, { recursive: true, force: true })];
  const errors = [];
  const results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: +(totalmem() / 2 ** 30).toFixed(1), kernel: release(), node: process.version, loadavgAtStart: loadavg() },
  };
  try {
    const www = join(dir, "www");
    await mkdir(www);
    for (const f of ["index.html", "bench.js"]) await cp(join(HERE, f), join(www, f));
    results.pkg = await copyPkg(join(www, "pkg"));
    results.size = packageSize(join(www, "pkg"));

    const pageServer = await serveStatic(www);
    cleanup.unshift(pageServer.close);
    if (ONLY === "network") {
      const browser = await launchBrowser();
      cleanup.unshift(() => browser.close());
      results.browser = browser.version();
      results.network = await networkFigure(await browser.newContext(), pageServer.url, errors);
      check(errors.length === 0, `page errors: ${errors.join("; ")}`);
      results.machine.loadavgAtEnd = loadavg();
      printTable(networkRows(results.network));
      console.error(`bench: ${JSON.stringify({ network: results.network, machine: results.machine, browser: results.browser })}`);
      return;
    }
    check(ONLY === "", `VSS_BENCH_ONLY=${ONLY}: only "network" is known`);
    const backend = await startServer();
    cleanup.unshift(backend.stop);
    const browser = await launchBrowser();
    cleanup.unshift(() => browser.close());
    results.browser = browser.version();
    const context = await browser.newContext();
    Object.assign(results, await browserFigures(context, pageServer.url, backend.url, errors));
    check(results.environment.crossOriginIsolated, "the bench page is not cross-origin isolated (timer resolution would be 100 µs)");
    await browser.close();
    cleanup.shift();

    console.error("bench: getCallStats");
    results.callStats = await callStatsBench(backend.url);
    await backend.stop();
    cleanup.shift();

    // Two servers of its own (10 and 10,000 sessions of history), stopped on return.
    console.error("bench: analytics queries");
    results.analytics = await analyticsBench({ large: Math.round(10_000 * SCALE) });

    console.error("bench: server throughput example");
    results.throughput = await throughput(THROUGHPUT_BIN);
    if (SCALE === 1 && process.env.VSS_ENQUEUE_BENCH_BIN) {
      console.error("bench: native core example (enqueue_bench)");
      results.native = await nativeCore(process.env.VSS_ENQUEUE_BENCH_BIN);
    }
    check(errors.length === 0, `page errors: ${errors.join("; ")}`);
    results.machine.loadavgAtEnd = loadavg();
    results.finishedAt = new Date().toISOString();
    const rows = table(results);
    results.table = rows;
    printTable(rows);
    await writeFile(join(HERE, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    console.error(`bench: wrote ${join(HERE, "results.json")}`);
  } finally {
    for (const f of cleanup) await f().catch(() => {});
  }
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exitCode = 1;
});
