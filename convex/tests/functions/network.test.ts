/**
 * Network quality (issue #13 item 2): lib/network.ts as the port of
 * `protocol/src/network.rs` (its Rust tests, case for case, with the same refusal
 * texts), and `reportNetworkStats` as a mutation and an applyBatch kind.
 */
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { api } from "../../functions/_generated/api";
import {
  BOUNDS,
  BUCKETS,
  CEILINGS,
  METRICS,
  type Metric,
  type Summary,
  bucketOf,
  mean,
  merge,
  mergeInto,
  p95,
  readReport,
  sessionSummary,
  summaryOf,
} from "../../functions/lib/network";
import {
  type Backend,
  at,
  backend,
  expectCode,
  expectValidatorError,
  getDoc,
  rejection,
  sessionIn,
  startAt,
} from "./helpers";

function fold(metric: Metric, samples: number[]): Summary {
  let s = summaryOf(metric, samples[0]!);
  for (const x of samples.slice(1)) s = merge(s, summaryOf(metric, x));
  return s;
}

/** The refusal text of `args` read as a report (null when it is a valid report). */
function refusal(args: Record<string, unknown>): string | null {
  try {
    readReport(args);
    return null;
  } catch (e) {
    if (!(e instanceof ConvexError)) throw e;
    const data = e.data as { code: string; message: string };
    expect(data.code).toBe("INVALID_ARGUMENT");
    return data.message;
  }
}

describe("lib/network.ts: the rules of protocol/src/network.rs", () => {
  it("bounds rise and every value has one bucket (bounds_rise_and_every_value_has_one_bucket)", () => {
    for (const m of METRICS) {
      const b = BOUNDS[m];
      expect(b).toHaveLength(BUCKETS - 1);
      for (let i = 1; i < b.length; i++) expect(b[i - 1]!).toBeLessThan(b[i]!);
      expect(b[BUCKETS - 2]!).toBeLessThan(CEILINGS[m]);
      expect(bucketOf(m, 0)).toBe(0);
      expect(bucketOf(m, b[0]!)).toBe(0);
      expect(bucketOf(m, CEILINGS[m])).toBe(BUCKETS - 1);
    }
    expect(bucketOf("rttMs", 150)).toBe(3);
    expect(bucketOf("rttMs", 150.5)).toBe(4);
    expect(bucketOf("packetLossPct", 0)).toBe(0);
    expect(bucketOf("packetLossPct", 0.01)).toBe(1);
  });

  it("a fold is the same however it is split (a_fold_is_the_same_however_it_is_split)", () => {
    const samples = Array.from({ length: 500 }, (_, i) => ((i * 37) % 400) + 0.25);
    const whole = fold("rttMs", samples);
    const parts = merge(
      merge(fold("rttMs", samples.slice(0, 123)), fold("rttMs", samples.slice(123, 400))),
      fold("rttMs", samples.slice(400)),
    );
    expect(parts.count).toBe(whole.count);
    expect(parts.buckets).toEqual(whole.buckets);
    expect([parts.min, parts.max]).toEqual([whole.min, whole.max]);
    expect(Math.abs(parts.sum - whole.sum)).toBeLessThan(1e-6);
    expect(p95("rttMs", parts)).toBe(p95("rttMs", whole));
    expect(refusal({ rttMs: whole })).toBeNull();
  });

  it("p95 is the bound of the bucket of rank ⌈0.95·count⌉, never above max", () => {
    const s = fold("rttMs", [...Array(95).fill(40), ...Array(5).fill(900)]);
    expect(p95("rttMs", s)).toBe(50);
    // Rank 96 of 101 is in the slow bucket (≤ 1000), whose bound is above the max.
    expect(p95("rttMs", merge(s, summaryOf("rttMs", 900)))).toBe(900);
    expect(p95("rttMs", summaryOf("rttMs", 7))).toBe(7);
    expect(p95("rttMs", fold("rttMs", [5000, 9000]))).toBe(9000);
    expect(mean(s)).toBe((95 * 40 + 5 * 900) / 100);
  });

  it("the rank is exact for counts where count·95 is past 2^53", () => {
    // count = 2^53 − 1: ⌈0.95·count⌉ = 8556839292003942 (u64 arithmetic); one sample
    // short of it in the first bucket, the rest in the second.
    const count = Number.MAX_SAFE_INTEGER;
    const rank = 8556839292003942;
    const buckets = [rank - 1, count - (rank - 1), 0, 0, 0, 0, 0, 0, 0, 0];
    const s: Summary = { count, min: 10, max: 40, sum: 20 * count, buckets };
    expect(p95("rttMs", s)).toBe(40);
    const at = { ...s, buckets: [rank, count - rank, 0, 0, 0, 0, 0, 0, 0, 0] };
    expect(p95("rttMs", at)).toBe(25);
  });

  it("samples and summaries read from args; a session's value reads back", () => {
    expect(readReport({ packetLossPct: 1.5 })).toEqual({ packetLossPct: summaryOf("packetLossPct", 1.5) });
    const folded = fold("jitterMs", [3, 12, 12]);
    expect(readReport({ jitterMs: folded })).toEqual({ jitterMs: folded });
    const kept = sessionSummary("jitterMs", folded);
    expect(kept.mean).toBe(9);
    expect(kept.p95).toBe(12);
    expect(readReport({ jitterMs: kept })).toEqual({ jitterMs: folded });
    expect(folded).toEqual({ count: 3, min: 3, max: 12, sum: 27, buckets: [1, 0, 2, 0, 0, 0, 0, 0, 0, 0] });
  });

  it("refuses bad samples and summaries with network.rs's reasons, naming the metric", () => {
    const good = fold("rttMs", [30, 60]);
    const w = (k: string, v: unknown) => ({ ...good, [k]: v });
    const cases: [unknown, string][] = [
      [-1, "must not be negative"],
      [60_001, "is above the metric's ceiling"],
      // JSON has no NaN or ±Infinity: not numbers to network.rs (server/ reads them as null).
      [Number.NaN, "must be a number (a sample) or a summary object"],
      [Number.POSITIVE_INFINITY, "must be a number (a sample) or a summary object"],
      [w("min", Number.NEGATIVE_INFINITY), "summary needs count, min, max, sum and buckets"],
      [w("count", Number.NaN), "count and buckets must be whole numbers"],
      ["40", "must be a number (a sample) or a summary object"],
      [null, "must be a number (a sample) or a summary object"],
      [[40], "must be a number (a sample) or a summary object"],
      [w("count", 0), "count must be a whole number from 1"],
      [w("count", 2.5), "count and buckets must be whole numbers"],
      [w("count", -2), "count and buckets must be whole numbers"],
      [w("count", 3), "buckets must add up to count"],
      [w("buckets", [1, 1]), "buckets must be an array of 10 whole numbers"],
      [w("buckets", [1, 0, 1.5, 0, 0, 0, 0, 0, 0, 0]), "count and buckets must be whole numbers"],
      [w("buckets", [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]), "min and max must lie in the first and last non-empty buckets"],
      [w("min", 70), "min must not exceed max"],
      [w("sum", 200), "sum must lie between count·min and count·max"],
      [w("sum", 10), "sum must lie between count·min and count·max"],
      [w("sum", Number.NaN), "summary needs count, min, max, sum and buckets"],
      [w("max", 1e9), "is above the metric's ceiling"],
      [w("min", -1), "must not be negative"],
      [w("extra", 1), "summary has a field other than count, min, max, sum, buckets"],
      [{ count: 1 }, "buckets must be an array of 10 whole numbers"],
      [{ buckets: good.buckets }, "count and buckets must be whole numbers"],
      [{ count: 2, buckets: good.buckets, min: 30, max: 60 }, "summary needs count, min, max, sum and buckets"],
      [w("sum", "90"), "summary needs count, min, max, sum and buckets"],
    ];
    for (const [arg, want] of cases) expect(refusal({ rttMs: arg }), JSON.stringify(arg)).toBe(`rttMs ${want}`);
  });

  it("needs a metric; the first bad metric in rtt, jitter, loss, bitrate order is named", () => {
    expect(refusal({})).toBe("a report needs at least one of rttMs, jitterMs, packetLossPct, bitrateKbps");
    expect(refusal({ bitrateKbps: -1, jitterMs: -1 })).toBe("jitterMs must not be negative");
    expect(refusal({ rttMs: 50, packetLossPct: 100.5 })).toBe("packetLossPct is above the metric's ceiling");
  });

  it("accepts the ceilings and 0; -0 is stored as 0", () => {
    for (const m of METRICS) expect(refusal({ [m]: CEILINGS[m] })).toBeNull();
    const report = readReport({ rttMs: -0 });
    expect(Object.is(report.rttMs!.min, 0)).toBe(true);
    expect(Object.is(report.rttMs!.sum, 0)).toBe(true);
  });

  it("merges into a session's network per metric, the session's sum first", () => {
    const first = mergeInto(undefined, readReport({ rttMs: 0.1 }));
    const second = mergeInto(first, readReport({ rttMs: 0.2, jitterMs: 3 }));
    expect(second.rttMs!.sum).toBe(0.1 + 0.2);
    expect(second.rttMs!.count).toBe(2);
    expect(second.jitterMs).toEqual({ ...summaryOf("jitterMs", 3), mean: 3, p95: 3 });
    expect(second.packetLossPct).toBeUndefined();
  });
});

async function connected(t: Backend) {
  return await sessionIn(t, "connected");
}

describe("reportNetworkStats", () => {
  it("merges samples and summaries into network, with mean and p95, and sets updatedAt", async () => {
    const t = backend();
    const sessionId = await connected(t);
    const first = await t.mutation(api.videoCallSessions.reportNetworkStats, {
      sessionId,
      rttMs: 80,
      occurredAt: at(60),
    });
    expect(first.network).toEqual({
      rttMs: { count: 1, min: 80, max: 80, sum: 80, buckets: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], mean: 80, p95: 80 },
    });
    expect(first.updatedAt).toBe(at(60));
    const second = await t.mutation(api.videoCallSessions.reportNetworkStats, {
      sessionId,
      rttMs: { count: 20, min: 30, max: 400, sum: 2440, buckets: [0, 10, 6, 2, 0, 1, 1, 0, 0, 0], mean: 1, p95: 1 },
      bitrateKbps: 1800,
      occurredAt: at(120),
    });
    expect(second.network?.rttMs).toEqual({
      count: 21,
      min: 30,
      max: 400,
      sum: 2520,
      buckets: [0, 10, 7, 2, 0, 1, 1, 0, 0, 0],
      mean: 120,
      p95: 300,
    });
    expect(second.network?.bitrateKbps?.p95).toBe(1800);
    expect((await getDoc(t, sessionId))?.network).toEqual(second.network);
    // No counter moves.
    const stats = await t.query(api.videoCallSessions.getCallStats, { userId: "user123" });
    expect(stats.totalQualityIssues).toBe(0);
  });

  it("is allowed while connecting, connected and reconnecting, leaving the status", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    const a = await t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId, jitterMs: 4 });
    expect(a.sessionStatus).toBe("connecting");
    await t.mutation(api.videoCallSessions.markConnected, { sessionId, occurredAt: at(10) });
    await t.mutation(api.videoCallSessions.markReconnecting, { sessionId, occurredAt: at(20) });
    const b = await t.mutation(api.videoCallSessions.reportNetworkStats, {
      sessionId,
      packetLossPct: 12,
      occurredAt: at(21),
    });
    expect(b.sessionStatus).toBe("reconnecting");
    expect(b.reconnectingSince).toBe(at(20));
  });

  it("is INVALID_TRANSITION on ended and failed sessions", async () => {
    for (const status of ["ended", "failed"] as const) {
      const t = backend();
      const sessionId = await sessionIn(t, status);
      await expectCode(t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId, rttMs: 50 }), "INVALID_TRANSITION");
    }
  });

  it("checks the report before the session: INVALID_ARGUMENT naming the metric, nothing merged", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "ended");
    const e = await rejection(
      t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId, rttMs: 50, jitterMs: -0.5 }),
    );
    expect((e as ConvexError<{ code: string; message: string }>).data).toEqual({
      code: "INVALID_ARGUMENT",
      message: "jitterMs must not be negative",
    });
    await expectCode(t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId }), "INVALID_ARGUMENT");
    expect((await getDoc(t, sessionId))?.network).toBeUndefined();
  });

  it("takes a typed argument: a string or a summary missing a key is a validator error", async () => {
    const t = backend();
    const sessionId = await connected(t);
    const call = (args: Record<string, unknown>) =>
      t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId, ...(args as object) } as never);
    await expectValidatorError(call({ rttMs: "80" }));
    await expectValidatorError(call({ rttMs: { count: 1, min: 80, max: 80, buckets: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0] } }));
    await expectValidatorError(call({ latencyMs: 80 }));
  });

  it("accepts a row written before the network field existed", async () => {
    const t = backend();
    const sessionId = await t.run(async (ctx) =>
      ctx.db.insert("videoCallSessions", {
        userId: "user123",
        supportWorkerName: "Dr. Smith",
        sessionStatus: "connected",
        joinedAt: at(0),
        connectedAt: at(10),
        createdAt: at(0),
        updatedAt: at(10),
      }),
    );
    const s = await t.mutation(api.videoCallSessions.reportNetworkStats, { sessionId, bitrateKbps: 2500 });
    expect(s.network?.bitrateKbps?.buckets).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it("merges once per opId; a replay answers with the session as it is", async () => {
    const t = backend();
    const sessionId = await connected(t);
    const args = { sessionId, rttMs: 90, opId: "n-1", occurredAt: at(30) };
    await t.mutation(api.videoCallSessions.reportNetworkStats, args);
    const again = await t.mutation(api.videoCallSessions.reportNetworkStats, { ...args, rttMs: 5000 });
    expect(again.network?.rttMs?.count).toBe(1);
    const batch = await t.mutation(api.videoCallSessions.applyBatch, {
      userId: "user123",
      ops: [{ opId: "n-1", kind: "reportNetworkStats", occurredAt: at(30), args: { sessionId, rttMs: 90 } }],
    });
    expect(batch.results[0]).toEqual({
      opId: "n-1",
      status: "duplicate",
      value: { sessionId, sessionStatus: "connected" },
    });
    expect((await getDoc(t, sessionId))?.network?.rttMs?.count).toBe(1);
  });

  it("is an applyBatch kind: wrongly typed metrics are rejected ops, the rest applies", async () => {
    const t = backend();
    const sessionId = await connected(t);
    const op = (opId: string, args: Record<string, unknown>) => ({
      opId,
      kind: "reportNetworkStats",
      occurredAt: at(40),
      args: { sessionId, ...args },
    });
    const summary = { count: 2, min: 60, max: 140, sum: 200, buckets: [0, 0, 1, 1, 0, 0, 0, 0, 0, 0] };
    const { results } = await t.mutation(api.videoCallSessions.applyBatch, {
      userId: "user123",
      ops: [
        op("b1", { rttMs: summary }),
        op("b2", { rttMs: "80" }),
        op("b3", { rttMs: null }),
        op("b4", { rttMs: { ...summary, avg: 1 } }),
        op("b5", { rttMs: 80, issue: "x" }),
        op("b6", {}),
        op("b7", { rttMs: { ...summary, sum: 1000 } }),
        op("b8", { rttMs: 80 }),
      ],
    });
    expect(results.map((r) => r.status)).toEqual([
      "applied",
      "rejected",
      "rejected",
      "rejected",
      "rejected",
      "rejected",
      "rejected",
      "applied",
    ]);
    for (const r of results.slice(1, 7)) {
      expect(r.status === "rejected" && r.error.code).toBe("INVALID_ARGUMENT");
    }
    const doc = await getDoc(t, sessionId);
    expect(doc?.network?.rttMs).toEqual({
      count: 3,
      min: 60,
      max: 140,
      sum: 280,
      buckets: [0, 0, 2, 1, 0, 0, 0, 0, 0, 0],
      mean: 280 / 3,
      p95: 140,
    });
    expect(doc?.updatedAt).toBe(at(40));
  });
});
