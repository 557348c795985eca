/**
 * Analytics (docs/contract.md "Analytics (issue #13, item 5)"): every op of the
 * effect table moves exactly the aggregate rows it names, in its own transaction; a
 * session from before analytics (no `utcOffsetMin`) moves none; refusals are coded
 * and change nothing; another user's analytics are FORBIDDEN with an identity.
 * The shared scenarios (tests/scenarios/analytics-*.json) pin the query answers on
 * both backends; this suite looks at the rows themselves.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import { type Backend, backend, expectCode, expectValidatorError, rejection } from "./helpers";

const vcs = api.videoCallSessions;

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The user's period rows as `{granularity:bucket: counters}`, and slot rows by slot. */
async function rows(t: Backend, userId = "u") {
  return await t.run(async (ctx) => {
    const periods = await ctx.db
      .query("userPeriodStats")
      .withIndex("by_user_granularity_bucket", (q) => q.eq("userId", userId))
      .collect();
    const slots = await ctx.db
      .query("userHourStats")
      .withIndex("by_user_slot", (q) => q.eq("userId", userId))
      .collect();
    return {
      periods: Object.fromEntries(
        periods.map((r) => [
          `${r.granularity}:${r.bucket}`,
          [r.calls, r.completedSessions, r.failedSessions, r.totalDuration, r.timedCalls],
        ]),
      ),
      slots: Object.fromEntries(slots.map((r) => [r.slot, [r.calls, r.qualityIssues]])),
    };
  });
}

/** The same counters in all three call buckets of 2024-01-15 (Monday). */
function monday(counters: number[]) {
  return { "day:2024-01-15": counters, "week:2024-01-15": counters, "month:2024-01": counters };
}

async function start(t: Backend, occurredAt = "2024-01-15T10:00:00Z", utcOffsetMin?: number) {
  return await t.mutation(vcs.startSession, {
    userId: "u",
    supportWorkerName: "Dr. Smith",
    supportWorkerId: "w1",
    occurredAt,
    ...(utcOffsetMin === undefined ? {} : { utcOffsetMin }),
  });
}

async function workerShards(t: Backend) {
  return await t.run(async (ctx) => {
    const shards = await ctx.db.query("workerStatShards").collect();
    const sum = (key: "ratingSum" | "ratingCount" | "rttSum" | "rttCount" | "lossSum" | "lossCount") =>
      shards.reduce((n, s) => n + (s[key] ?? 0), 0);
    return {
      ratingSum: sum("ratingSum"),
      ratingCount: sum("ratingCount"),
      rttSum: sum("rttSum"),
      rttCount: sum("rttCount"),
      lossSum: sum("lossSum"),
      lossCount: sum("lossCount"),
    };
  });
}

describe("the effect table", () => {
  test("startSession: a call in its local day, week, month and slot; a clientSessionId replay adds none", async () => {
    const t = backend();
    // 23:30 Monday in New York is 04:30 Tuesday UTC.
    const id = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: "W",
      clientSessionId: "c1",
      occurredAt: "2024-01-16T04:30:00Z",
      utcOffsetMin: -300,
    });
    expect(await rows(t)).toEqual({ periods: monday([1, 0, 0, 0, 0]), slots: { 23: [1, 0] } });
    const again = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: "W",
      clientSessionId: "c1",
      occurredAt: "2024-01-17T04:30:00Z",
      utcOffsetMin: 0,
    });
    expect(again).toBe(id);
    expect(await rows(t)).toEqual({ periods: monday([1, 0, 0, 0, 0]), slots: { 23: [1, 0] } });
  });

  test("endSession with a duration, endSession without one, markFailed", async () => {
    const t = backend();
    const a = await start(t);
    await t.mutation(vcs.markConnected, { sessionId: a, occurredAt: "2024-01-15T10:00:10Z" });
    await t.mutation(vcs.endSession, { sessionId: a, occurredAt: "2024-01-15T10:10:10Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 1, 0, 600, 1]));
    const b = await start(t, "2024-01-15T11:00:00Z");
    await t.mutation(vcs.endSession, { sessionId: b, occurredAt: "2024-01-15T11:00:05Z" });
    expect((await rows(t)).periods).toEqual(monday([2, 2, 0, 600, 1]));
    const c = await start(t, "2024-01-15T12:00:00Z");
    await t.mutation(vcs.markFailed, { sessionId: c, occurredAt: "2024-01-15T12:00:05Z" });
    expect(await rows(t)).toEqual({
      periods: monday([3, 2, 1, 600, 1]),
      slots: { 10: [1, 0], 11: [1, 0], 12: [1, 0] },
    });
  });

  test("a call across local midnight is counted, completed, in the day it started", async () => {
    const t = backend();
    const id = await start(t, "2024-01-15T22:50:00Z", 60); // 23:50 Monday in Berlin
    await t.mutation(vcs.markConnected, { sessionId: id, occurredAt: "2024-01-15T22:51:00Z" });
    await t.mutation(vcs.endSession, { sessionId: id, occurredAt: "2024-01-15T23:20:00Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 1, 0, 1740, 1]));
  });

  test("the sweep's timeout completes the call; a late op undoes it, the late end counts once", async () => {
    const t = backend();
    const id = await start(t);
    await t.mutation(vcs.markConnected, { sessionId: id, occurredAt: "2024-01-15T10:00:00Z" });
    await t.mutation(internal.abandonedSessions.sweep, { now: "2024-01-15T14:00:01.000Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 1, 0, 0, 0]));
    // A report (not an end) undoes the timeout: active again, not completed.
    await t.mutation(vcs.reportQualityIssue, { sessionId: id, issue: "echo", occurredAt: "2024-01-15T10:30:00Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 0, 0, 0, 0]));
    await t.mutation(internal.abandonedSessions.sweep, { now: "2024-01-15T14:30:01.000Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 1, 0, 0, 0]));
    await t.mutation(vcs.endSession, { sessionId: id, occurredAt: "2024-01-15T10:40:00Z" });
    expect((await rows(t)).periods).toEqual(monday([1, 1, 0, 2400, 1]));
  });

  test("a quality issue counts in its own slot at the op's offset, else the session's", async () => {
    const t = backend();
    const id = await start(t, "2024-01-15T14:00:00Z", -300); // Monday 09:00 local
    await t.mutation(vcs.reportQualityIssue, { sessionId: id, issue: "a", occurredAt: "2024-01-15T14:10:00Z" });
    await t.mutation(vcs.reportQualityIssue, {
      sessionId: id,
      issue: "b",
      occurredAt: "2024-01-15T14:10:00Z",
      utcOffsetMin: 60,
    });
    await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        {
          opId: "q1",
          kind: "reportQualityIssue",
          occurredAt: "2024-01-16T03:00:00Z",
          args: { sessionId: id, issue: "c", utcOffsetMin: 0 },
        },
      ],
    });
    // 09:10 local (session), 15:10 (op at +60), Tuesday 03:00 (op at 0 in the batch).
    expect((await rows(t)).slots).toEqual({ 9: [1, 1], 15: [0, 1], 27: [0, 1] });
  });

  test("rateSession and reportNetworkStats add to the worker's sums; jitter and bitrate do not", async () => {
    const t = backend();
    const id = await start(t);
    await t.mutation(vcs.markConnected, { sessionId: id, occurredAt: "2024-01-15T10:00:00Z" });
    await t.mutation(vcs.reportNetworkStats, { sessionId: id, rttMs: 80, packetLossPct: 2, jitterMs: 9 });
    await t.mutation(vcs.reportNetworkStats, {
      sessionId: id,
      rttMs: { count: 2, min: 100, max: 120, sum: 220, buckets: [0, 0, 1, 1, 0, 0, 0, 0, 0, 0] },
      bitrateKbps: 800,
    });
    await t.mutation(vcs.endSession, { sessionId: id, occurredAt: "2024-01-15T10:05:00Z" });
    await t.mutation(vcs.rateSession, { sessionId: id, rating: 4 });
    expect(await workerShards(t)).toEqual({
      ratingSum: 4,
      ratingCount: 1,
      rttSum: 300,
      rttCount: 3,
      lossSum: 2,
      lossCount: 1,
    });
    const [entry] = await t.query(vcs.getSupportWorkerLeaderboard, {});
    expect(entry).toMatchObject({ averageRttMs: 100, averagePacketLossPct: 2, averageRating: 4, ratedSessions: 1 });
  });
});

describe("sessions from before analytics", () => {
  /** A session written the way the previous release wrote it: no utcOffsetMin. */
  async function legacy(t: Backend, status: "connecting" | "connected"): Promise<Id<"videoCallSessions">> {
    return await t.run(async (ctx) => {
      const at = "2024-01-15T10:00:00.000Z";
      return await ctx.db.insert("videoCallSessions", {
        userId: "u",
        supportWorkerName: "Dr. Smith",
        supportWorkerId: "w1",
        sessionStatus: status,
        joinedAt: at,
        createdAt: at,
        updatedAt: at,
        ...(status === "connected" ? { connectedAt: at } : {}),
        cameraEnabled: true,
        micEnabled: true,
      });
    });
  }

  test("no op on them touches a period or slot row; worker sums still count", async () => {
    const t = backend();
    const a = await legacy(t, "connected");
    await t.mutation(vcs.reportQualityIssue, { sessionId: a, issue: "x", utcOffsetMin: 60, occurredAt: "2024-01-15T10:01:00Z" });
    await t.mutation(vcs.reportNetworkStats, { sessionId: a, rttMs: 50, occurredAt: "2024-01-15T10:01:00Z" });
    await t.mutation(vcs.endSession, { sessionId: a, occurredAt: "2024-01-15T10:02:00Z" });
    await t.mutation(vcs.rateSession, { sessionId: a, rating: 5 });
    const b = await legacy(t, "connecting");
    await t.mutation(vcs.markFailed, { sessionId: b, occurredAt: "2024-01-15T10:03:00Z" });
    const c = await legacy(t, "connected");
    await t.mutation(internal.abandonedSessions.sweep, { now: "2024-01-15T20:00:00.000Z" });
    await t.mutation(vcs.endSession, { sessionId: c, occurredAt: "2024-01-15T10:30:00Z" });
    expect(await rows(t)).toEqual({ periods: {}, slots: {} });
    expect(await t.query(vcs.getCallVolume, { userId: "u", granularity: "day", from: "2024-01-15", to: "2024-01-15" }))
      .toEqual([{ bucket: "2024-01-15", calls: 0, completedSessions: 0, failedSessions: 0 }]);
    expect(await workerShards(t)).toMatchObject({ ratingSum: 5, ratingCount: 1, rttSum: 50, rttCount: 1 });
    expect((await t.run((ctx) => ctx.db.get("videoCallSessions", c)))?.utcOffsetMin).toBeUndefined();
  });
});

describe("refusals are coded and change nothing", () => {
  test("a bad utcOffsetMin on startSession and reportQualityIssue", async () => {
    const t = backend();
    for (const bad of [841, -841, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = await rejection(start(t, "2024-01-15T10:00:00Z", bad));
      expect((e as { data: { code: string; message: string } }).data).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((e as { data: { message: string } }).data.message).toContain("utcOffsetMin");
    }
    expect(await t.run(async (ctx) => (await ctx.db.query("videoCallSessions").collect()).length)).toBe(0);
    const id = await start(t, "2024-01-15T10:00:00Z", 840);
    const before = await rows(t);
    await expectCode(t.mutation(vcs.reportQualityIssue, { sessionId: id, issue: "x", utcOffsetMin: 900 }), "INVALID_ARGUMENT");
    await expectValidatorError(t.mutation(vcs.reportQualityIssue, { sessionId: id, issue: "x", utcOffsetMin: "1" as never }));
    expect(await rows(t)).toEqual(before);
    expect((await t.run((ctx) => ctx.db.get("videoCallSessions", id)))?.qualityIssues).toBeUndefined();
  });

  test("bad granularity, dates and ranges name the argument", async () => {
    const t = backend();
    const ask = (granularity: string, from: string, to: string) =>
      rejection(t.query(vcs.getCallVolume, { userId: "u", granularity, from, to }));
    const cases: [string, string, string, string][] = [
      ["hour", "2024-01-01", "2024-01-02", "granularity"],
      ["day", "2024-02-30", "2024-03-01", "from"],
      ["day", "2024-01-01", "24-01-02", "to"],
      ["day", "2024-01-03", "2024-01-02", "from"],
      ["day", "2024-01-01", "2025-01-01", "366"],
    ];
    for (const [g, from, to, named] of cases) {
      const e = (await ask(g, from, to)) as { data: { code: string; message: string } };
      expect(e.data.code).toBe("INVALID_ARGUMENT");
      expect(e.data.message).toContain(named);
    }
    await expectCode(t.query(vcs.getDurationTrend, { userId: "u", granularity: "x", from: "2024-01-01", to: "2024-01-01" }), "INVALID_ARGUMENT");
    await expectCode(t.query(vcs.getSupportWorkerLeaderboard, { limit: 0 }), "INVALID_ARGUMENT");
    await expectCode(t.query(vcs.getSupportWorkerLeaderboard, { limit: Number.POSITIVE_INFINITY }), "INVALID_ARGUMENT");
  });
});

describe("identity", () => {
  test("another user's analytics are FORBIDDEN; the leaderboard is open to any signed-in caller", async () => {
    const t = backend();
    vi.stubEnv("CLERK_JWT_ISSUER_DOMAIN", "https://clerk.analytics.test");
    const alice = t.withIdentity({ subject: "alice|s1" });
    const bob = t.withIdentity({ subject: "bob" });
    await alice.mutation(vcs.startSession, { supportWorkerName: "W", supportWorkerId: "w1", occurredAt: "2024-01-15T10:00:00Z" });
    const range = { granularity: "day", from: "2024-01-15", to: "2024-01-15" };
    await expectCode(bob.query(vcs.getCallVolume, { userId: "alice", ...range }), "FORBIDDEN");
    await expectCode(bob.query(vcs.getDurationTrend, { userId: "alice", ...range }), "FORBIDDEN");
    await expectCode(bob.query(vcs.getPeakHours, { userId: "alice" }), "FORBIDDEN");
    await expectCode(bob.query(vcs.getIssuesByHour, { userId: "alice" }), "FORBIDDEN");
    await expectCode(t.query(vcs.getPeakHours, { userId: "alice" }), "UNAUTHENTICATED");
    await expectCode(t.query(vcs.getSupportWorkerLeaderboard, {}), "UNAUTHENTICATED");
    expect((await alice.query(vcs.getCallVolume, range))[0].calls).toBe(1);
    expect((await bob.query(vcs.getCallVolume, range))[0].calls).toBe(0);
    expect(await bob.query(vcs.getSupportWorkerLeaderboard, {})).toHaveLength(1);
  });
});
