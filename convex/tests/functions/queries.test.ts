/**
 * The read side: history (list and pages, newest first), the active session, one
 * session, and the O(1) aggregates — including the seed's dashboard numbers and the
 * support-worker ranking.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import { type Backend, at, backend, expectCode, sessionIn, startAt } from "./helpers";

const vcs = api.videoCallSessions;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2024-01-15T12:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `n` sessions for `userId`, oldest first. */
async function startMany(t: Backend, n: number, userId = "user123") {
  const ids: Id<"videoCallSessions">[] = [];
  for (let i = 0; i < n; i++) ids.push(await startAt(t, userId, { occurredAt: at(i) }));
  return ids;
}

describe("getUserSessions", () => {
  it("lists only the user's sessions, newest first, up to limit", async () => {
    const t = backend();
    const ids = await startMany(t, 5);
    await startAt(t, "someone-else");
    const all = await t.query(vcs.getUserSessions, { userId: "user123" });
    expect(all.map((s) => s._id)).toEqual([...ids].reverse());
    const two = await t.query(vcs.getUserSessions, { userId: "user123", limit: 2 });
    expect(two.map((s) => s._id)).toEqual([ids[4], ids[3]]);
    expect(await t.query(vcs.getUserSessions, { userId: "nobody" })).toEqual([]);
  });
});

describe("getUserSessionsPage", () => {
  it("pages through the history newest first with exactly page, isDone, continueCursor, splitCursor, pageStatus", async () => {
    const t = backend();
    const ids = await startMany(t, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const result: { page: { _id: string }[]; isDone: boolean; continueCursor: string } =
        await t.query(vcs.getUserSessionsPage, {
          userId: "user123",
          paginationOpts: { numItems: 3, cursor },
        });
      expect(Object.keys(result).sort()).toEqual(["continueCursor", "isDone", "page", "pageStatus", "splitCursor"]);
      expect(result.page.length).toBeLessThanOrEqual(3);
      seen.push(...result.page.map((s) => s._id));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("refuses a numItems that is not a positive integer", async () => {
    const t = backend();
    await expectCode(
      t.query(vcs.getUserSessionsPage, {
        userId: "u",
        paginationOpts: { numItems: 0, cursor: null },
      }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("getActiveSession", () => {
  it("is null without a connecting or connected session", async () => {
    const t = backend();
    expect(await t.query(vcs.getActiveSession, { userId: "user123" })).toBeNull();
    await sessionIn(t, "ended");
    await sessionIn(t, "failed");
    expect(await t.query(vcs.getActiveSession, { userId: "user123" })).toBeNull();
  });

  it("returns the newest of the connecting and connected sessions", async () => {
    const t = backend();
    const connected = await sessionIn(t, "connected");
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))!._id).toBe(connected);
    const connecting = await sessionIn(t, "connecting");
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))!._id).toBe(connecting);
    await t.mutation(vcs.markFailed, { sessionId: connecting });
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))!._id).toBe(connected);
  });
});

describe("getSession", () => {
  it("returns the session by id or clientSessionId, null when unknown", async () => {
    const t = backend();
    const id = await startAt(t, "user123", { clientSessionId: "c-1" });
    expect((await t.query(vcs.getSession, { sessionId: id }))!._id).toBe(id);
    expect((await t.query(vcs.getSession, { clientSessionId: "c-1" }))!._id).toBe(id);
    expect(await t.query(vcs.getSession, { clientSessionId: "c-2" })).toBeNull();
    await t.run(async (ctx) => await ctx.db.delete("videoCallSessions", id));
    expect(await t.query(vcs.getSession, { sessionId: id })).toBeNull();
    await expectCode(t.query(vcs.getSession, {}), "INVALID_ARGUMENT");
  });
});

describe("getCallStats", () => {
  it("is all zeros for an unknown user", async () => {
    const t = backend();
    expect(await t.query(vcs.getCallStats, { userId: "nobody" })).toEqual({
      totalSessions: 0,
      completedSessions: 0,
      failedSessions: 0,
      totalDuration: 0,
      averageDuration: 0,
      totalQualityIssues: 0,
      totalReconnects: 0,
      averageRating: null,
    });
  });

  it("reproduces the seed's dashboard: 45 calls, 42 completed, 3 failed, 4,980 s, average 111, 5 issues", async () => {
    const t = backend();
    // 36 calls of 119 s and 6 of 116 s: 4,284 + 696 = 4,980 s over 42 completed calls.
    const durations = [...Array(36).fill(119), ...Array(6).fill(116)] as number[];
    let i = 0;
    for (const seconds of durations) {
      const clientSessionId = `c${i++}`;
      await startAt(t, "user123", { clientSessionId });
      await t.mutation(vcs.markConnected, { clientSessionId, occurredAt: at(10) });
      if (i <= 5) await t.mutation(vcs.reportQualityIssue, { clientSessionId, issue: "lag" });
      await t.mutation(vcs.endSession, { clientSessionId, occurredAt: at(10 + seconds) });
    }
    for (let f = 0; f < 3; f++) {
      const sessionId = await startAt(t);
      await t.mutation(vcs.markFailed, { sessionId });
    }
    expect(await t.query(vcs.getCallStats, { userId: "user123" })).toEqual({
      totalSessions: 45,
      completedSessions: 42,
      failedSessions: 3,
      totalDuration: 4980,
      averageDuration: 111,
      totalQualityIssues: 5,
      totalReconnects: 0,
      averageRating: null,
    });
  });

  it("counts a cancelled (connecting → ended) call as completed with no duration", async () => {
    const t = backend();
    const id = await startAt(t);
    await t.mutation(vcs.endSession, { sessionId: id });
    expect(await t.query(vcs.getCallStats, { userId: "user123" })).toMatchObject({
      totalSessions: 1,
      completedSessions: 1,
      totalDuration: 0,
      averageDuration: 0,
    });
  });

  it("matches a full recount of the sessions after a mixed history", async () => {
    const t = backend();
    for (const status of ["ended", "failed", "connected", "ended", "connecting"] as const) {
      await sessionIn(t, status);
    }
    const sessions = await t.query(vcs.getUserSessions, { userId: "user123" });
    const total = sessions.reduce((n, s) => n + (s.duration ?? 0), 0);
    expect(await t.query(vcs.getCallStats, { userId: "user123" })).toEqual({
      totalSessions: sessions.length,
      completedSessions: sessions.filter((s) => s.sessionStatus === "ended").length,
      failedSessions: sessions.filter((s) => s.sessionStatus === "failed").length,
      totalDuration: total,
      averageDuration: Math.round(total / sessions.length),
      totalQualityIssues: 0,
      totalReconnects: 0,
      averageRating: null,
    });
  });
});

describe("getSupportWorkerStats", () => {
  async function callWith(
    t: Backend,
    supportWorkerId: string,
    name: string,
    outcome: "ended" | "failed",
  ) {
    const sessionId = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: name,
      supportWorkerId,
      occurredAt: at(0),
    });
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: at(10) });
    if (outcome === "ended") await t.mutation(vcs.endSession, { sessionId, occurredAt: at(70) });
    else await t.mutation(vcs.markFailed, { sessionId, occurredAt: at(20) });
  }

  it("ranks by totalSessions, ties newest stats row first, with rates and averages", async () => {
    const t = backend();
    await callWith(t, "w-a", "Ann", "ended");
    await callWith(t, "w-b", "Bo", "ended");
    await callWith(t, "w-b", "Bo", "failed");
    await callWith(t, "w-c", "Cy", "failed");
    const stats = await t.query(vcs.getSupportWorkerStats, {});
    expect(stats.map((w) => w.supportWorkerId)).toEqual(["w-b", "w-c", "w-a"]);
    expect(stats[0]).toEqual({
      supportWorkerId: "w-b",
      supportWorkerName: "Bo",
      totalSessions: 2,
      completedSessions: 1,
      failedSessions: 1,
      totalDuration: 60,
      averageDuration: 30,
      totalQualityIssues: 0,
      failureRate: 0.5,
    });
    expect(stats[2]).toMatchObject({ failureRate: 0, averageDuration: 60 });
    expect(await t.query(vcs.getSupportWorkerStats, { limit: 1 })).toHaveLength(1);
  });

  it("answers one worker by id, empty for an unknown one, and keeps the latest name", async () => {
    const t = backend();
    await callWith(t, "w-a", "Ann", "ended");
    await callWith(t, "w-a", "Ann Smith", "ended");
    expect(await t.query(vcs.getSupportWorkerStats, { supportWorkerId: "w-a" })).toEqual([
      expect.objectContaining({
        supportWorkerName: "Ann Smith",
        totalSessions: 2,
        completedSessions: 2,
      }),
    ]);
    expect(await t.query(vcs.getSupportWorkerStats, { supportWorkerId: "w-z" })).toEqual([]);
  });

  it("has no row for sessions without a supportWorkerId", async () => {
    const t = backend();
    await sessionIn(t, "ended");
    expect(await t.query(vcs.getSupportWorkerStats, {})).toEqual([]);
  });
});
