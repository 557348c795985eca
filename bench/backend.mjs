// Backend-side figures, measured from Node against the real local backend over HTTP:
// getCallStats and the five analytics queries' latency against history size (history
// seeded through applyBatch, as the SDK would deliver it) and the server's own
// throughput example; plus the runner
// for bench/enqueue_bench.rs (the SDK core natively, for the "why" of the browser
// figures).
//
// Invariants: every seeded op must come back "applied" and the stats must count what
// was seeded, or the figure is refused (a benchmark of failing calls measures nothing).

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServer } from "../tests/e2e/server.mjs";
import { ms, p50, p99, ratio, row } from "./stats.mjs";

async function call(url, kind, path, args) {
  const res = await fetch(`${url}/api/${kind}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path, format: "convex_encoded_json", args: [args] }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.status !== "success") {
    throw new Error(`${path} failed: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  }
  return body.value;
}

/**
 * Seeds `sessions` completed 30-second sessions (start, connect, end: 3 ops each) for
 * `userId`, 100 ops a batch.
 */
export async function seedHistory(url, userId, sessions) {
  const ops = [];
  for (let i = 0; i < sessions; i++) {
    const cs = `${userId}-s${i}`;
    const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000);
    ops.push({
      opId: `${cs}-start`,
      kind: "startSession",
      occurredAt: at.toISOString(),
      args: { clientSessionId: cs, supportWorkerName: "Seed Worker", supportWorkerId: `seed-w${i % 5}` },
    });
    ops.push({ opId: `${cs}-connect`, kind: "markConnected", occurredAt: at.toISOString(), args: { clientSessionId: cs } });
    ops.push({
      opId: `${cs}-end`,
      kind: "endSession",
      occurredAt: new Date(at.getTime() + 30_000).toISOString(),
      args: { clientSessionId: cs },
    });
  }
  const t0 = performance.now();
  for (let i = 0; i < ops.length; i += 100) {
    const reply = await call(url, "mutation", "videoCallSessions:applyBatch", { userId, ops: ops.slice(i, i + 100) });
    const bad = reply.results.filter((r) => r.status !== "applied");
    if (bad.length) throw new Error(`seeding ${userId}: ${bad.length} ops not applied, e.g. ${JSON.stringify(bad[0])}`);
  }
  return { ops: ops.length, ms: performance.now() - t0 };
}

export const callStats = (url, userId) => call(url, "query", "videoCallSessions:getCallStats", { userId });

/**
 * getCallStats latency for a user with `small` and one with `large` sessions, the two
 * interleaved call by call so load on the machine hits both alike.
 */
export async function callStatsBench(url, { small = 10, large = 10_000, samples = 2_000, warmup = 200 } = {}) {
  const stamp = Date.now();
  const users = { small: `bench-stats-${small}-${stamp}`, large: `bench-stats-${large}-${stamp}` };
  const seedSmall = await seedHistory(url, users.small, small);
  const seedLarge = await seedHistory(url, users.large, large);
  for (const [which, n] of [["small", small], ["large", large]]) {
    const s = await callStats(url, users[which]);
    if (s.totalSessions !== n || s.completedSessions !== n || s.totalDuration !== 30 * n) {
      throw new Error(`${which} user's stats do not count the seeded history: ${JSON.stringify(s)}`);
    }
  }
  for (let i = 0; i < warmup; i++) {
    await callStats(url, users.small);
    await callStats(url, users.large);
  }
  const t = { small: [], large: [] };
  for (let i = 0; i < samples; i++) {
    for (const which of i % 2 ? ["small", "large"] : ["large", "small"]) {
      const t0 = performance.now();
      await callStats(url, users[which]);
      t[which].push(performance.now() - t0);
    }
  }
  return {
    small: { sessions: small, p50: p50(t.small), p99: p99(t.small) },
    large: { sessions: large, p50: p50(t.large), p99: p99(t.large) },
    ratioP50: p50(t.large) / p50(t.small),
    samples,
    seedMs: seedSmall.ms + seedLarge.ms,
    seedOps: seedSmall.ops + seedLarge.ops,
  };
}

const OFFSETS = [-300, 0, 60, 330];

/**
 * Seeds `sessions` calls of `userId` spread evenly over 2024 at four UTC offsets:
 * each starts (with `utcOffsetMin`), connects, reports an RTT and loss sample, ends 30 s
 * later and is rated; every third also reports a quality issue. 100 ops a batch.
 */
export async function seedAnalyticsHistory(url, userId, sessions) {
  const ops = [];
  const step = Math.floor((365 * 86_400_000) / sessions);
  for (let i = 0; i < sessions; i++) {
    const cs = `${userId}-a${i}`;
    const at = Date.UTC(2024, 0, 1, 12) + i * step;
    const iso = (ms) => new Date(ms).toISOString();
    const ref = { clientSessionId: cs };
    ops.push({
      opId: `${cs}-start`,
      kind: "startSession",
      occurredAt: iso(at),
      args: { ...ref, supportWorkerName: "Seed Worker", supportWorkerId: `seed-w${i % 5}`, utcOffsetMin: OFFSETS[i % 4] },
    });
    ops.push({ opId: `${cs}-connect`, kind: "markConnected", occurredAt: iso(at), args: ref });
    ops.push({ opId: `${cs}-net`, kind: "reportNetworkStats", occurredAt: iso(at + 5_000), args: { ...ref, rttMs: 50 + (i % 100), packetLossPct: i % 3 } });
    if (i % 3 === 0) {
      ops.push({ opId: `${cs}-issue`, kind: "reportQualityIssue", occurredAt: iso(at + 10_000), args: { ...ref, issue: "echo", utcOffsetMin: OFFSETS[i % 4] } });
    }
    ops.push({ opId: `${cs}-end`, kind: "endSession", occurredAt: iso(at + 30_000), args: ref });
    ops.push({ opId: `${cs}-rate`, kind: "rateSession", occurredAt: iso(at + 40_000), args: { ...ref, rating: 1 + (i % 5) } });
  }
  const t0 = performance.now();
  for (let i = 0; i < ops.length; i += 100) {
    const reply = await call(url, "mutation", "videoCallSessions:applyBatch", { userId, ops: ops.slice(i, i + 100) });
    const bad = reply.results.filter((r) => r.status !== "applied");
    if (bad.length) throw new Error(`seeding ${userId}: ${bad.length} ops not applied, e.g. ${JSON.stringify(bad[0])}`);
  }
  return { ops: ops.length, ms: performance.now() - t0 };
}

/** The five analytics queries as the dashboard asks them (a year by day, by week). */
export const analyticsQueries = (userId) => [
  ["getCallVolume", { userId, granularity: "day", from: "2024-01-01", to: "2024-12-31" }],
  ["getDurationTrend", { userId, granularity: "week", from: "2024-01-01", to: "2024-12-31" }],
  ["getPeakHours", { userId }],
  ["getIssuesByHour", { userId }],
  ["getSupportWorkerLeaderboard", {}],
];

/** Refuses a seeded backend whose analytics do not count exactly what was seeded. */
async function checkAnalytics(url, userId, n) {
  const q = (name, args) => call(url, "query", `videoCallSessions:${name}`, args);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const [volume, trend, peak, issues, board] = await Promise.all(analyticsQueries(userId).map(([name, args]) => q(name, args)));
  const counts = {
    calls: sum(volume.map((b) => b.calls)),
    completed: sum(volume.map((b) => b.completedSessions)),
    timed: sum(trend.map((b) => b.timedCalls)),
    peak: sum(peak.flat()),
    issues: sum(issues),
    workers: sum(board.map((w) => w.totalSessions)),
  };
  const want = { calls: n, completed: n, timed: n, peak: n, issues: Math.ceil(n / 3), workers: n };
  if (JSON.stringify(counts) !== JSON.stringify(want) || volume.length !== 366 || trend.some((b) => b.averageDuration !== null && b.averageDuration !== 30)) {
    throw new Error(`analytics do not count the seeded history of ${n}: ${JSON.stringify(counts)}`);
  }
}

/**
 * Each analytics query's latency on a backend holding `small` sessions of history and
 * on one holding `large` (two server processes, so the global leaderboard compares
 * too), the two interleaved call by call so load on the machine hits both alike.
 */
export async function analyticsBench({ small = 10, large = 10_000, samples = 1_000, warmup = 100 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "vss-analytics-bench-"));
  const servers = {};
  try {
    for (const which of ["small", "large"]) servers[which] = await spawnServer(join(dir, `${which}.sqlite3`), dir);
    const userId = `bench-analytics-${Date.now()}`;
    const seed = {};
    for (const [which, n] of [["small", small], ["large", large]]) {
      seed[which] = await seedAnalyticsHistory(servers[which].url, userId, n);
      await checkAnalytics(servers[which].url, userId, n);
    }
    const out = {};
    for (const [name, args] of analyticsQueries(userId)) {
      const path = `videoCallSessions:${name}`;
      for (let i = 0; i < warmup; i++) {
        await call(servers.small.url, "query", path, args);
        await call(servers.large.url, "query", path, args);
      }
      const t = { small: [], large: [] };
      for (let i = 0; i < samples; i++) {
        for (const which of i % 2 ? ["small", "large"] : ["large", "small"]) {
          const t0 = performance.now();
          await call(servers[which].url, "query", path, args);
          t[which].push(performance.now() - t0);
        }
      }
      out[name] = {
        small: { sessions: small, p50: p50(t.small), p99: p99(t.small) },
        large: { sessions: large, p50: p50(t.large), p99: p99(t.large) },
        ratioP50: p50(t.large) / p50(t.small),
      };
    }
    return { queries: out, samples, seedOps: seed.small.ops + seed.large.ops, seedMs: seed.small.ms + seed.large.ms };
  } finally {
    for (const s of Object.values(servers)) await s.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table rows of `analyticsBench`'s result: one per query, goal ratio ≤ `goal`. */
export function analyticsRows(res, goal = 1.5) {
  return Object.entries(res.queries).map(([name, q]) =>
    row(
      `${name} p50, ${q.small.sessions.toLocaleString("en")} vs ${q.large.sessions.toLocaleString("en")} sessions in history`,
      `${ms(q.small.p50)} vs ${ms(q.large.p50)} → ${ratio(q.ratioP50)}`,
      `ratio ≤ ${goal}`,
      q.ratioP50 <= goal,
    ),
  );
}

function runToEnd(bin) {
  return new Promise((ok, fail) => {
    const child = spawn(bin, [], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (c) => (text += c));
    child.stderr.on("data", (c) => (text += c));
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? ok(text) : fail(new Error(`${bin} exited ${code}:\n${text}`))));
  });
}

/** Runs bench/enqueue_bench.rs (the SDK core natively) and returns its JSON line. */
export async function nativeCore(bin) {
  const out = await runToEnd(bin);
  const last = out.trim().split("\n").at(-1);
  return { ...JSON.parse(last), output: out.trim() };
}

/**
 * Runs the server's throughput example (it starts its own server) and parses its two
 * result lines; the raw output is kept in the results.
 */
export async function throughput(bin) {
  const out = await runToEnd(bin);
  const single = /= (\d+) mutations\/s/.exec(out);
  const batch = /, (\d+) ops\/s/.exec(out);
  if (!single || !batch) throw new Error(`could not parse the throughput example's output:\n${out}`);
  return { mutationsPerSec: Number(single[1]), batchOpsPerSec: Number(batch[1]), output: out.trim() };
}
