// Backend-side figures, measured from Node against the real local backend over HTTP:
// getCallStats latency against history size (history seeded through applyBatch, as
// the SDK would deliver it) and the server's own throughput example; plus the runner
// for bench/enqueue_bench.rs (the SDK core natively, for the "why" of the browser
// figures).
//
// Invariants: every seeded op must come back "applied" and the stats must count what
// was seeded, or the figure is refused (a benchmark of failing calls measures nothing).

import { spawn } from "node:child_process";
import { p50, p99 } from "./stats.mjs";

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
