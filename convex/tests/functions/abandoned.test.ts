/**
 * Abandoned sessions (issue #13 item 1): the sweep (abandonedSessions.ts) closes
 * active sessions idle longer than the timeout — found by the `by_status_and_updated`
 * index, in chunks within the transaction budget, every 15 minutes by cron — and
 * any later op but rateSession undoes the timeout first (lib/lifecycle.ts), while a
 * refused op or a replayed opId undoes nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import { DEFAULT_TIMEOUT_MINUTES, SWEEP_CHUNK } from "../../functions/abandonedSessions";
import crons from "../../functions/crons";
import { type Backend, backend, expectCode, getDoc } from "./helpers";

const vcs = api.videoCallSessions;
const H = 3_600_000;
/** The wall clock of these tests; sessions are made hours before it. */
const NOW = Date.parse("2024-01-15T14:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
/** An event time `minutes` after 08:00. */
const at = (minutes: number) => iso(Date.parse("2024-01-15T08:00:00.000Z") + minutes * 60_000);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

async function start(t: Backend, clientSessionId: string, minutes = 0, workerId = "w1") {
  return await t.mutation(vcs.startSession, {
    userId: "u",
    supportWorkerName: "Dr. Smith",
    supportWorkerId: workerId,
    clientSessionId,
    occurredAt: at(minutes),
  });
}

async function connected(t: Backend, clientSessionId: string, minutes = 0) {
  const id = await start(t, clientSessionId, minutes);
  await t.mutation(vcs.markConnected, { clientSessionId, occurredAt: at(minutes + 1) });
  return id;
}

async function sweep(t: Backend, now = NOW, chunk?: number) {
  return await t.mutation(internal.abandonedSessions.sweep, {
    now: iso(now),
    ...(chunk === undefined ? {} : { chunk }),
  });
}

const stats = (t: Backend) => t.query(vcs.getCallStats, { userId: "u" });
const worker = async (t: Backend) => (await t.query(vcs.getSupportWorkerStats, { supportWorkerId: "w1" }))[0];

describe("the sweep", () => {
  it("closes each active status idle past the timeout, provisionally, and counts it completed", async () => {
    const t = backend();
    const sc = await start(t, "sc");
    const sn = await connected(t, "sn");
    await t.mutation(vcs.markScreenShare, { clientSessionId: "sn", active: true, occurredAt: at(2) });
    await t.mutation(vcs.reportQualityIssue, { clientSessionId: "sn", issue: "Frozen", occurredAt: at(30) });
    const sr = await connected(t, "sr");
    await t.mutation(vcs.markReconnecting, { clientSessionId: "sr", occurredAt: at(20) });
    await t.mutation(vcs.updateSessionSettings, { clientSessionId: "sr", micEnabled: false, occurredAt: at(21) });
    const done = await connected(t, "done");
    await t.mutation(vcs.endSession, { clientSessionId: "done", occurredAt: at(11) });
    const fresh = await connected(t, "fresh", 300);

    expect(await sweep(t)).toEqual({ closed: 3, more: false });

    expect(await getDoc(t, sc)).toMatchObject({
      sessionStatus: "ended",
      endReason: "timeout",
      endedAt: at(0),
      updatedAt: at(0),
      timedOutFrom: "connecting",
    });
    const n = await getDoc(t, sn);
    expect(n).toMatchObject({
      sessionStatus: "ended",
      endedAt: at(30),
      updatedAt: at(30),
      timedOutFrom: "connected",
      screenShareSeconds: 28 * 60,
    });
    expect(n?.screenShareSince).toBeUndefined();
    expect(n?.duration).toBeUndefined();
    const r = await getDoc(t, sr);
    expect(r).toMatchObject({ timedOutFrom: "reconnecting", endedAt: at(21), reconnectSeconds: 60 });
    expect(r?.reconnectingSince).toBeUndefined();
    expect((await getDoc(t, done))?.timedOutFrom).toBeUndefined();
    expect((await getDoc(t, fresh))?.sessionStatus).toBe("connected");

    expect(await stats(t)).toMatchObject({ totalSessions: 5, completedSessions: 4, totalDuration: 600 });
    expect(await worker(t)).toMatchObject({ totalSessions: 5, completedSessions: 4, totalDuration: 600 });
    // A second sweep at the same moment finds nothing.
    expect(await sweep(t)).toEqual({ closed: 0, more: false });
    expect((await stats(t)).completedSessions).toBe(4);
  });

  it("closes strictly after the timeout: exactly 4 h idle stays, 4 h + 1 ms is closed", async () => {
    const t = backend();
    const id = await connected(t, "edge");
    const idle = Date.parse(at(1));
    expect(DEFAULT_TIMEOUT_MINUTES).toBe(240);
    expect(await sweep(t, idle + 4 * H)).toEqual({ closed: 0, more: false });
    expect(await sweep(t, idle + 4 * H + 1)).toEqual({ closed: 1, more: false });
    expect((await getDoc(t, id))?.endedAt).toBe(at(1));
  });

  it("closes nothing when the cutoff falls before 1970", async () => {
    const t = backend();
    await connected(t, "a");
    vi.stubEnv("SESSION_TIMEOUT_MINUTES", "1e15");
    expect(await sweep(t)).toEqual({ closed: 0, more: false });
  });

  it("sweeps at the server's now when no `now` is given (the cron's call)", async () => {
    const t = backend();
    await connected(t, "a");
    expect(await t.mutation(internal.abandonedSessions.sweep, {})).toEqual({ closed: 1, more: false });
  });

  it("takes its timeout from SESSION_TIMEOUT_MINUTES, and refuses a value that is not a positive number", async () => {
    const t = backend();
    await connected(t, "a", 0);
    await connected(t, "b", 120);
    vi.stubEnv("SESSION_TIMEOUT_MINUTES", "180");
    // At 13:00 with 3 h: "a" (idle since 08:01) is closed, "b" (10:01) is not.
    expect((await sweep(t, Date.parse(at(300)))).closed).toBe(1);
    for (const bad of ["0", "-5", "soon", "Infinity"]) {
      vi.stubEnv("SESSION_TIMEOUT_MINUTES", bad);
      await expect(sweep(t)).rejects.toThrow(/SESSION_TIMEOUT_MINUTES/);
    }
    // Empty is unset: the default 4 h. At 14:00 "b" is idle 3 h 59 min; at 14:02, past 4 h.
    vi.stubEnv("SESSION_TIMEOUT_MINUTES", "");
    expect((await sweep(t)).closed).toBe(0);
    expect((await sweep(t, NOW + 2 * 60_000)).closed).toBe(1);
  });

  it("works in chunks and schedules itself (same `now`) until nothing is left", async () => {
    const t = backend();
    for (let i = 0; i < 7; i++) await start(t, `s${i}`, i);
    const fresh = await start(t, "fresh", 300);
    expect(await sweep(t, NOW, 3)).toEqual({ closed: 3, more: true });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const docs = await t.run(async (ctx) => await ctx.db.query("videoCallSessions").collect());
    expect(docs.filter((d) => d.timedOutFrom === "connecting")).toHaveLength(7);
    expect((await getDoc(t, fresh))?.sessionStatus).toBe("connecting");
    expect(SWEEP_CHUNK).toBeGreaterThan(0);
  });

  it("stops within the transaction budget on large sessions, and finishes by rescheduling", async () => {
    const t = backend();
    const CJK = "長";
    // ≈ 75 KB each (50 issues of 500 CJK units): 300 of them are ≈ 22 MB, past 16 MiB.
    const fields = {
      userId: "u",
      supportWorkerName: "W",
      sessionStatus: "connected" as const,
      joinedAt: at(0),
      createdAt: at(0),
      updatedAt: at(0),
      qualityIssues: Array.from({ length: 50 }, () => CJK.repeat(500)),
    };
    for (let batch = 0; batch < 6; batch++) {
      await t.run(async (ctx) => {
        for (let i = 0; i < 50; i++) await ctx.db.insert("videoCallSessions", fields);
      });
    }
    const first = await sweep(t, NOW, 1000);
    expect(first.more).toBe(true);
    expect(first.closed).toBeLessThan(300);
    console.info(`abandoned sweep of 300 ≈ 75 KB sessions: first transaction closed ${first.closed}`);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    // (Reading all 300 back in one transaction would itself pass 16 MiB.)
    const left = await t.run(
      async (ctx) =>
        await ctx.db
          .query("videoCallSessions")
          .withIndex("by_status", (q) => q.eq("sessionStatus", "connected"))
          .first(),
    );
    expect(left).toBeNull();
    expect((await stats(t)).completedSessions).toBe(300);
  });

  it("is registered as a cron every 15 minutes, next to the daily processedOps sweep", () => {
    const jobs = Object.values(crons.crons);
    const job = jobs.find((j) => j.name === "abandonedSessions:sweep");
    expect(job?.schedule).toEqual({ type: "interval", minutes: 15 });
    expect(job?.args).toEqual([{}]);
  });
});

describe("a late op undoes the timeout first", () => {
  async function timedOut(t: Backend, clientSessionId: string): Promise<Id<"videoCallSessions">> {
    const id = await connected(t, clientSessionId);
    await t.mutation(vcs.updateSessionSettings, { clientSessionId, cameraEnabled: false, occurredAt: at(30) });
    expect((await sweep(t)).closed).toBeGreaterThanOrEqual(1);
    return id;
  }

  it("a late endSession leaves the record the call would have left online", async () => {
    const t = backend();
    const id = await timedOut(t, "a");
    const s = await t.mutation(vcs.endSession, { clientSessionId: "a", endReason: "user_ended", occurredAt: at(45) });
    expect(s).toMatchObject({ sessionStatus: "ended", endReason: "user_ended", endedAt: at(45), duration: 44 * 60 });
    expect(s.timedOutFrom).toBeUndefined();
    expect(await getDoc(t, id)).toEqual(s);
    expect(await stats(t)).toMatchObject({ completedSessions: 1, totalDuration: 2640 });
    expect(await worker(t)).toMatchObject({ completedSessions: 1, totalDuration: 2640 });
  });

  it("a late markFailed takes the completed count back and counts a failure", async () => {
    const t = backend();
    await timedOut(t, "a");
    const s = await t.mutation(vcs.markFailed, { clientSessionId: "a", occurredAt: at(40) });
    expect(s).toMatchObject({ sessionStatus: "failed", endedAt: at(40) });
    expect(s.endReason).toBeUndefined();
    expect(await stats(t)).toMatchObject({ completedSessions: 0, failedSessions: 1 });
    expect(await worker(t)).toMatchObject({ completedSessions: 0, failedSessions: 1, failureRate: 1 });
  });

  it("a late op that does not end the call reopens it, to be closed again after more silence", async () => {
    const t = backend();
    const id = await timedOut(t, "a");
    const s = await t.mutation(vcs.reportNetworkStats, { clientSessionId: "a", rttMs: 40, occurredAt: at(50) });
    expect(s.sessionStatus).toBe("connected");
    for (const k of ["endedAt", "endReason", "timedOutFrom"] as const) expect(s[k]).toBeUndefined();
    expect((await stats(t)).completedSessions).toBe(0);
    expect((await t.query(vcs.getActiveSession, { userId: "u" }))?._id).toBe(id);
    expect(await sweep(t)).toEqual({ closed: 1, more: false });
    expect(await getDoc(t, id)).toMatchObject({ endedAt: at(50), timedOutFrom: "connected" });
    expect((await stats(t)).completedSessions).toBe(1);
  });

  it("a session timed out from reconnecting gets its interval back where the sweep closed it", async () => {
    const t = backend();
    await connected(t, "r");
    await t.mutation(vcs.markReconnecting, { clientSessionId: "r", occurredAt: at(20) });
    await t.mutation(vcs.updateSessionSettings, { clientSessionId: "r", micEnabled: false, occurredAt: at(21) });
    await sweep(t);
    const s = await t.mutation(vcs.markReconnected, { clientSessionId: "r", occurredAt: at(22) });
    // 60 s counted by the sweep (20 → 21) plus 60 s after it (21 → 22): 20 → 22 online.
    expect(s).toMatchObject({ sessionStatus: "connected", reconnectSeconds: 120 });
    expect(s.reconnectingSince).toBeUndefined();
  });

  it("a rating keeps the timeout; a late op after it still undoes it (interval reopened at endedAt)", async () => {
    const t = backend();
    await connected(t, "r");
    await t.mutation(vcs.markReconnecting, { clientSessionId: "r", occurredAt: at(20) });
    await sweep(t);
    const rated = await t.mutation(vcs.rateSession, { clientSessionId: "r", rating: 2, occurredAt: at(350) });
    expect(rated).toMatchObject({ sessionStatus: "ended", timedOutFrom: "reconnecting", updatedAt: at(350), endedAt: at(20) });
    expect((await stats(t)).completedSessions).toBe(1);
    const s = await t.mutation(vcs.endSession, { clientSessionId: "r", occurredAt: at(25) });
    // The interval reopens at endedAt (08:20, where the sweep closed it), not at
    // updatedAt (13:50, moved by the rating): the 5 minutes to 08:25 are counted.
    expect(s).toMatchObject({ sessionStatus: "ended", reconnectSeconds: 5 * 60, rating: 2, duration: 24 * 60 });
    expect(s.timedOutFrom).toBeUndefined();
    expect((await stats(t)).completedSessions).toBe(1);
  });

  it("a refused late op undoes nothing, also inside a batch that goes on", async () => {
    const t = backend();
    const id = await timedOut(t, "a");
    const before = await getDoc(t, id);
    await expectCode(t.mutation(vcs.markConnected, { clientSessionId: "a", occurredAt: at(40) }), "INVALID_TRANSITION");
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        { opId: "x1", kind: "markConnected", occurredAt: at(40), args: { clientSessionId: "a" } },
        { opId: "x2", kind: "markReconnected", occurredAt: at(41), args: { clientSessionId: "a" } },
        { opId: "x3", kind: "reportNetworkStats", occurredAt: at(42), args: { clientSessionId: "a", rttMs: -1 } },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await getDoc(t, id)).toEqual(before);
    expect((await stats(t)).completedSessions).toBe(1);
    expect((await worker(t))?.completedSessions).toBe(1);
  });

  it("a late quality issue past the 50th is refused and undoes nothing", async () => {
    const t = backend();
    const id = await connected(t, "q");
    await t.run(async (ctx) => {
      await ctx.db.patch("videoCallSessions", id, { qualityIssues: Array.from({ length: 50 }, (_, i) => `i${i}`) });
    });
    await sweep(t);
    await expectCode(t.mutation(vcs.reportQualityIssue, { clientSessionId: "q", issue: "late" }), "INVALID_ARGUMENT");
    expect((await getDoc(t, id))?.timedOutFrom).toBe("connected");
  });

  it("a replayed opId returns its outcome and undoes nothing; startSession of the clientSessionId neither", async () => {
    const t = backend();
    const id = await connected(t, "a");
    await t.mutation(vcs.updateSessionSettings, { clientSessionId: "a", micEnabled: false, opId: "op-s", occurredAt: at(5) });
    await sweep(t);
    const replay = await t.mutation(vcs.updateSessionSettings, {
      clientSessionId: "a",
      micEnabled: false,
      opId: "op-s",
      occurredAt: at(5),
    });
    expect(replay).toMatchObject({ sessionStatus: "ended", timedOutFrom: "connected" });
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [{ opId: "op-s", kind: "updateSessionSettings", occurredAt: at(5), args: { clientSessionId: "a", micEnabled: false } }],
    });
    expect(results[0]).toEqual({ opId: "op-s", status: "duplicate", value: { sessionId: id, sessionStatus: "connected" } });
    expect(await start(t, "a", 60)).toBe(id);
    expect((await getDoc(t, id))?.timedOutFrom).toBe("connected");
    expect((await stats(t)).completedSessions).toBe(1);
  });

  it("a late op inside a batch undoes the timeout like a single mutation", async () => {
    const t = backend();
    const id = await timedOut(t, "a");
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        { opId: "b1", kind: "reportQualityIssue", occurredAt: at(35), args: { clientSessionId: "a", issue: "echo" } },
        { opId: "b2", kind: "endSession", occurredAt: at(36), args: { clientSessionId: "a" } },
      ],
    });
    expect(results.map((r) => r.status === "applied" && r.value)).toEqual([
      { sessionId: id, sessionStatus: "connected" },
      { sessionId: id, sessionStatus: "ended", duration: 35 * 60 },
    ]);
    expect(await stats(t)).toMatchObject({ completedSessions: 1, totalDuration: 2100, totalQualityIssues: 1 });
  });

  it("rows written before this release (no timedOutFrom, no network) are swept and reopened alike", async () => {
    const t = backend();
    const id = await t.run(async (ctx) =>
      ctx.db.insert("videoCallSessions", {
        userId: "u",
        supportWorkerName: "Dr. Smith",
        sessionStatus: "connected",
        joinedAt: at(0),
        connectedAt: at(1),
        createdAt: at(0),
        updatedAt: at(1),
      }),
    );
    expect((await sweep(t)).closed).toBe(1);
    const s = await t.mutation(vcs.endSession, { sessionId: id, occurredAt: at(3) });
    expect(s).toMatchObject({ sessionStatus: "ended", duration: 120 });
    expect(await stats(t)).toMatchObject({ completedSessions: 1, totalSessions: 0 });
  });
});
