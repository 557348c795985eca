/**
 * Issue #13 (docs/contract.md "Reconnection, screen sharing, ratings"): status
 * `reconnecting` and its interval, screen-share intervals, post-call ratings, the two
 * new stats, dedupe and applyBatch for the four new kinds, and rows written before
 * this release.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import {
  type Backend,
  SEED,
  at,
  backend,
  expectCode,
  expectValidatorError,
  getDoc,
  sessionIn,
  startAt,
  tableCount,
} from "./helpers";

const vcs = api.videoCallSessions;
const NOW = "2024-01-15T12:00:00.000Z";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(NOW));
});
afterEach(() => {
  vi.useRealTimers();
});

type Sid = Id<"videoCallSessions">;

/** A session connected at at(15) that dropped at `since` (seconds after the join). */
async function reconnectingAt(t: Backend, since: number): Promise<Sid> {
  const sessionId = await sessionIn(t, "connected");
  await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: at(since) });
  return sessionId;
}

async function stats(t: Backend, userId = "user123") {
  return await t.query(vcs.getCallStats, { userId });
}

describe("markReconnecting / markReconnected", () => {
  it("connected → reconnecting opens an interval at the event time and counts the reconnect", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const doc = await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: at(100) });
    expect(doc).toMatchObject({
      _id: sessionId,
      sessionStatus: "reconnecting",
      reconnectingSince: at(100),
      reconnectCount: 1,
      updatedAt: at(100),
    });
    expect(doc.reconnectSeconds).toBeUndefined();
    expect(await getDoc(t, sessionId)).toEqual(doc);
    expect((await stats(t)).totalReconnects).toBe(1);
  });

  it("reconnecting → connected adds the whole seconds and removes reconnectingSince", async () => {
    const t = backend();
    const sessionId = await reconnectingAt(t, 100);
    const doc = await t.mutation(vcs.markReconnected, {
      sessionId,
      occurredAt: "2024-01-15T10:31:52.999Z", // 12.999 s after at(100)
    });
    expect(doc).toMatchObject({
      sessionStatus: "connected",
      reconnectSeconds: 12,
      reconnectCount: 1,
      connectedAt: SEED.connected,
      updatedAt: "2024-01-15T10:31:52.999Z",
    });
    expect("reconnectingSince" in doc).toBe(false);
    expect("reconnectingSince" in (await getDoc(t, sessionId))!).toBe(false);
  });

  it("each interval is counted on its own and the counts add up", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    // 1.5 s + 1.5 s: two intervals of 1 s each, not 3 s.
    await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: "2024-01-15T10:31:00.000Z" });
    await t.mutation(vcs.markReconnected, { sessionId, occurredAt: "2024-01-15T10:31:01.500Z" });
    await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: "2024-01-15T10:32:00.000Z" });
    const doc = await t.mutation(vcs.markReconnected, {
      sessionId,
      occurredAt: "2024-01-15T10:32:01.500Z",
    });
    expect(doc).toMatchObject({ reconnectCount: 2, reconnectSeconds: 2 });
    expect((await stats(t)).totalReconnects).toBe(2);
  });

  it("an event time before reconnectingSince adds 0 s, never a negative", async () => {
    const t = backend();
    const sessionId = await reconnectingAt(t, 100);
    const doc = await t.mutation(vcs.markReconnected, { sessionId, occurredAt: at(90) });
    expect(doc.reconnectSeconds).toBe(0);
  });

  it("is refused from every other status", async () => {
    const t = backend();
    for (const status of ["connecting", "ended", "failed"] as const) {
      const sessionId = await sessionIn(t, status);
      await expectCode(t.mutation(vcs.markReconnecting, { sessionId }), "INVALID_TRANSITION");
      await expectCode(t.mutation(vcs.markReconnected, { sessionId }), "INVALID_TRANSITION");
    }
    const connected = await sessionIn(t, "connected");
    await expectCode(t.mutation(vcs.markReconnected, { sessionId: connected }), "INVALID_TRANSITION");
    const reconnecting = await reconnectingAt(t, 100);
    await expectCode(t.mutation(vcs.markReconnecting, { sessionId: reconnecting }), "INVALID_TRANSITION");
    await expectCode(t.mutation(vcs.markConnected, { sessionId: reconnecting }), "INVALID_TRANSITION");
    expect((await stats(t)).totalReconnects).toBe(1);
  });

  it("finds the session by clientSessionId; unknown is NOT_FOUND, no reference INVALID_ARGUMENT", async () => {
    const t = backend();
    const sessionId = await startAt(t, "user123", { clientSessionId: "c-1" });
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: at(15) });
    const doc = await t.mutation(vcs.markReconnecting, { clientSessionId: "c-1", occurredAt: at(20) });
    expect(doc._id).toBe(sessionId);
    await expectCode(t.mutation(vcs.markReconnected, { clientSessionId: "nope" }), "NOT_FOUND");
    await expectCode(t.mutation(vcs.markReconnected, {}), "INVALID_ARGUMENT");
  });

  it("with an identity only the owner may mark it", async () => {
    const t = backend();
    vi.stubEnv("CLERK_JWT_ISSUER_DOMAIN", "https://clerk.test");
    try {
      const alice = t.withIdentity({ subject: "alice" });
      const bob = t.withIdentity({ subject: "bob" });
      const sessionId = await alice.mutation(vcs.startSession, { supportWorkerName: "W" });
      await alice.mutation(vcs.markConnected, { sessionId });
      await expectCode(bob.mutation(vcs.markReconnecting, { sessionId }), "FORBIDDEN");
      await expectCode(bob.mutation(vcs.markScreenShare, { sessionId, active: true }), "FORBIDDEN");
      await alice.mutation(vcs.endSession, { sessionId });
      await expectCode(bob.mutation(vcs.rateSession, { sessionId, rating: 1 }), "FORBIDDEN");
      await expectCode(t.mutation(vcs.rateSession, { sessionId, rating: 1 }), "UNAUTHENTICATED");
      expect((await alice.mutation(vcs.rateSession, { sessionId, rating: 4 })).rating).toBe(4);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("what else a reconnecting session allows", () => {
  it("endSession closes the open interval; duration runs from connectedAt", async () => {
    const t = backend();
    const sessionId = await reconnectingAt(t, 100);
    const doc = await t.mutation(vcs.endSession, { sessionId, occurredAt: SEED.ended });
    expect(doc).toMatchObject({
      sessionStatus: "ended",
      endedAt: SEED.ended,
      duration: SEED.duration,
      reconnectSeconds: 930 - 100,
      reconnectCount: 1,
    });
    expect("reconnectingSince" in doc).toBe(false);
    expect(await stats(t)).toMatchObject({
      completedSessions: 1,
      totalDuration: SEED.duration,
      totalReconnects: 1,
    });
  });

  it("markFailed closes the open interval, with no duration", async () => {
    const t = backend();
    const sessionId = await reconnectingAt(t, 100);
    const doc = await t.mutation(vcs.markFailed, { sessionId, occurredAt: at(160), reason: "lost" });
    expect(doc).toMatchObject({ sessionStatus: "failed", reconnectSeconds: 60, endReason: "lost" });
    expect("duration" in doc).toBe(false);
    expect("reconnectingSince" in doc).toBe(false);
    expect((await stats(t)).failedSessions).toBe(1);
  });

  it("settings and quality reports apply and keep the status", async () => {
    const t = backend();
    const sessionId = await reconnectingAt(t, 100);
    await t.mutation(vcs.updateSessionSettings, { sessionId, micEnabled: false, occurredAt: at(101) });
    const doc = await t.mutation(vcs.reportQualityIssue, { sessionId, issue: "lag", occurredAt: at(102) });
    expect(doc).toMatchObject({
      sessionStatus: "reconnecting",
      micEnabled: false,
      qualityIssues: ["lag"],
      reconnectingSince: at(100),
      updatedAt: at(102),
    });
  });

  it("getActiveSession returns a reconnecting session, the newest of the active ones", async () => {
    const t = backend();
    const older = await sessionIn(t, "connected");
    const reconnecting = await reconnectingAt(t, 100);
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))?._id).toBe(reconnecting);
    await t.mutation(vcs.endSession, { sessionId: reconnecting });
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))?._id).toBe(older);
    const newest = await startAt(t);
    expect((await t.query(vcs.getActiveSession, { userId: "user123" }))?._id).toBe(newest);
  });
});

describe("markScreenShare", () => {
  it("start opens, stop closes: whole seconds per interval, summed", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const started = await t.mutation(vcs.markScreenShare, { sessionId, active: true, occurredAt: at(20) });
    expect(started).toMatchObject({ sessionStatus: "connected", screenShareSince: at(20), updatedAt: at(20) });
    expect(started.screenShareSeconds).toBeUndefined();
    const stopped = await t.mutation(vcs.markScreenShare, {
      sessionId,
      active: false,
      occurredAt: "2024-01-15T10:30:50.900Z", // 30.9 s later
    });
    expect(stopped).toMatchObject({ screenShareSeconds: 30, updatedAt: "2024-01-15T10:30:50.900Z" });
    expect("screenShareSince" in stopped).toBe(false);
    await t.mutation(vcs.markScreenShare, { sessionId, active: true, occurredAt: at(100) });
    const again = await t.mutation(vcs.markScreenShare, { sessionId, active: false, occurredAt: at(110) });
    expect(again.screenShareSeconds).toBe(40);
  });

  it("start while sharing and stop while not change only updatedAt", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const stopIdle = await t.mutation(vcs.markScreenShare, { sessionId, active: false, occurredAt: at(20) });
    expect(stopIdle.updatedAt).toBe(at(20));
    expect("screenShareSeconds" in stopIdle || "screenShareSince" in stopIdle).toBe(false);
    await t.mutation(vcs.markScreenShare, { sessionId, active: true, occurredAt: at(30) });
    const twice = await t.mutation(vcs.markScreenShare, { sessionId, active: true, occurredAt: at(40) });
    expect(twice).toMatchObject({ screenShareSince: at(30), updatedAt: at(40) });
  });

  it("is allowed while connecting and reconnecting, refused once over", async () => {
    const t = backend();
    const connecting = await sessionIn(t, "connecting");
    expect(
      (await t.mutation(vcs.markScreenShare, { sessionId: connecting, active: true })).screenShareSince,
    ).toBe(NOW);
    const reconnecting = await reconnectingAt(t, 100);
    expect(
      (await t.mutation(vcs.markScreenShare, { sessionId: reconnecting, active: true })).sessionStatus,
    ).toBe("reconnecting");
    for (const status of ["ended", "failed"] as const) {
      const sessionId = await sessionIn(t, status);
      await expectCode(t.mutation(vcs.markScreenShare, { sessionId, active: true }), "INVALID_TRANSITION");
    }
  });

  it("ending or failing a call closes an open share, also from connecting", async () => {
    const t = backend();
    const a = await sessionIn(t, "connected");
    await t.mutation(vcs.markScreenShare, { sessionId: a, active: true, occurredAt: at(20) });
    const ended = await t.mutation(vcs.endSession, { sessionId: a, occurredAt: at(80) });
    expect(ended).toMatchObject({ screenShareSeconds: 60, sessionStatus: "ended" });
    expect("screenShareSince" in ended).toBe(false);

    const b = await sessionIn(t, "connecting");
    await t.mutation(vcs.markScreenShare, { sessionId: b, active: true, occurredAt: at(1) });
    const failed = await t.mutation(vcs.markFailed, { sessionId: b, occurredAt: at(6) });
    expect(failed).toMatchObject({ screenShareSeconds: 5, sessionStatus: "failed" });
    expect("screenShareSince" in failed).toBe(false);

    // Both intervals open at once: both close.
    const c = await sessionIn(t, "connected");
    await t.mutation(vcs.markScreenShare, { sessionId: c, active: true, occurredAt: at(20) });
    await t.mutation(vcs.markReconnecting, { sessionId: c, occurredAt: at(50) });
    const both = await t.mutation(vcs.endSession, { sessionId: c, occurredAt: at(70) });
    expect(both).toMatchObject({ screenShareSeconds: 50, reconnectSeconds: 20, duration: 55 });
  });

  it("active must be a boolean (validator)", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    await expectValidatorError(t.mutation(vcs.markScreenShare, { sessionId, active: "yes" as never }));
    await expectValidatorError(t.mutation(vcs.markScreenShare, { sessionId } as never));
  });
});

describe("rateSession", () => {
  it("rates an ended session: rating, comment, ratedAt, updatedAt; user stats average", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "ended");
    const doc = await t.mutation(vcs.rateSession, {
      sessionId,
      rating: 4,
      comment: "good",
      occurredAt: at(1000),
    });
    expect(doc).toMatchObject({
      sessionStatus: "ended",
      rating: 4,
      ratingComment: "good",
      ratedAt: at(1000),
      updatedAt: at(1000),
      endedAt: at(930),
    });
    expect(await stats(t)).toMatchObject({ averageRating: 4 });
  });

  it("rates a failed session; a comment not given stays absent, an empty one is kept", async () => {
    const t = backend();
    const failed = await sessionIn(t, "failed");
    const doc = await t.mutation(vcs.rateSession, { sessionId: failed, rating: 1 });
    expect(doc.rating).toBe(1);
    expect("ratingComment" in doc).toBe(false);
    const ended = await sessionIn(t, "ended");
    expect((await t.mutation(vcs.rateSession, { sessionId: ended, rating: 2, comment: "" })).ratingComment).toBe("");
  });

  it("refuses an active session and a second rating (INVALID_TRANSITION), changing nothing", async () => {
    const t = backend();
    for (const status of ["connecting", "connected"] as const) {
      const sessionId = await sessionIn(t, status);
      await expectCode(t.mutation(vcs.rateSession, { sessionId, rating: 5 }), "INVALID_TRANSITION");
    }
    const reconnecting = await reconnectingAt(t, 100);
    await expectCode(t.mutation(vcs.rateSession, { sessionId: reconnecting, rating: 5 }), "INVALID_TRANSITION");
    const sessionId = await sessionIn(t, "ended");
    await t.mutation(vcs.rateSession, { sessionId, rating: 2, occurredAt: at(1000) });
    await expectCode(
      t.mutation(vcs.rateSession, { sessionId, rating: 5, occurredAt: at(2000) }),
      "INVALID_TRANSITION",
    );
    expect(await getDoc(t, sessionId)).toMatchObject({ rating: 2, ratedAt: at(1000) });
    expect((await stats(t)).averageRating).toBe(2);
  });

  it.each([0, 6, 2.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 1e9])(
    "rating %s is INVALID_ARGUMENT",
    async (rating) => {
      const t = backend();
      const sessionId = await sessionIn(t, "ended");
      await expectCode(t.mutation(vcs.rateSession, { sessionId, rating }), "INVALID_ARGUMENT");
      expect((await getDoc(t, sessionId))!.rating).toBeUndefined();
    },
  );

  it("a string rating is a validator error; a comment over 1000 units INVALID_ARGUMENT", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "ended");
    await expectValidatorError(t.mutation(vcs.rateSession, { sessionId, rating: "5" as never }));
    await expectCode(
      t.mutation(vcs.rateSession, { sessionId, rating: 5, comment: "x".repeat(1001) }),
      "INVALID_ARGUMENT",
    );
    const doc = await t.mutation(vcs.rateSession, { sessionId, rating: 5, comment: "é".repeat(1000) });
    expect(doc.ratingComment).toHaveLength(1000);
  });

  it("argument limits come before the session lookup and the transition", async () => {
    const t = backend();
    const active = await sessionIn(t, "connected");
    await expectCode(t.mutation(vcs.rateSession, { sessionId: active, rating: 9 }), "INVALID_ARGUMENT");
    await expectCode(t.mutation(vcs.rateSession, { clientSessionId: "none", rating: 9 }), "INVALID_ARGUMENT");
    await expectCode(t.mutation(vcs.rateSession, { clientSessionId: "none", rating: 3 }), "NOT_FOUND");
  });

  it("averageRating is Math.round(sum / count * 100) / 100", async () => {
    const t = backend();
    for (const rating of [5, 4, 4]) {
      await t.mutation(vcs.rateSession, { sessionId: await sessionIn(t, "ended"), rating });
    }
    // 13 / 3 = 4.333…
    expect((await stats(t)).averageRating).toBe(4.33);
    await t.mutation(vcs.rateSession, { sessionId: await sessionIn(t, "failed"), rating: 1 });
    // 14 / 4 = 3.5
    expect((await stats(t)).averageRating).toBe(3.5);
    for (const rating of [5, 5]) {
      await t.mutation(vcs.rateSession, { sessionId: await sessionIn(t, "ended"), rating });
    }
    // 24 / 6 = 4
    expect((await stats(t)).averageRating).toBe(4);
  });

  it("ratings count for the user only: worker stats keep the seed's shape", async () => {
    const t = backend();
    const sessionId = await startAt(t, "user123", { supportWorkerId: "w1" });
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: at(15) });
    await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: at(20) });
    await t.mutation(vcs.endSession, { sessionId, occurredAt: at(75) });
    await t.mutation(vcs.rateSession, { sessionId, rating: 3 });
    const [worker] = await t.query(vcs.getSupportWorkerStats, { supportWorkerId: "w1" });
    expect(Object.keys(worker!).sort()).toEqual(
      [
        "supportWorkerId",
        "supportWorkerName",
        "totalSessions",
        "completedSessions",
        "failedSessions",
        "totalDuration",
        "averageDuration",
        "totalQualityIssues",
        "failureRate",
      ].sort(),
    );
    expect(worker).toMatchObject({ totalSessions: 1, completedSessions: 1, totalDuration: 60 });
  });
});

describe("getCallStats", () => {
  it("has totalReconnects 0 and averageRating null for a user with nothing of either", async () => {
    const t = backend();
    await sessionIn(t, "ended");
    expect(await stats(t)).toEqual({
      totalSessions: 1,
      completedSessions: 1,
      failedSessions: 0,
      totalDuration: SEED.duration,
      averageDuration: SEED.duration,
      totalQualityIssues: 0,
      totalReconnects: 0,
      averageRating: null,
    });
  });
});

describe("rows written before this release", () => {
  it("an old session and an old userStats row validate, and the new ops work on them", async () => {
    const t = backend();
    const sessionId = await t.run(async (ctx) => {
      await ctx.db.insert("userStats", {
        userId: "old",
        totalSessions: 3,
        completedSessions: 2,
        failedSessions: 0,
        totalDuration: 100,
        totalQualityIssues: 1,
      });
      return await ctx.db.insert("videoCallSessions", {
        userId: "old",
        supportWorkerName: "W",
        sessionStatus: "connected",
        joinedAt: at(0),
        connectedAt: at(10),
        createdAt: at(0),
        updatedAt: at(10),
        cameraEnabled: true,
        micEnabled: true,
      });
    });
    expect(await stats(t, "old")).toMatchObject({ totalReconnects: 0, averageRating: null });
    await t.mutation(vcs.markReconnecting, { sessionId, occurredAt: at(20) });
    await t.mutation(vcs.markReconnected, { sessionId, occurredAt: at(25) });
    await t.mutation(vcs.markScreenShare, { sessionId, active: false, occurredAt: at(26) });
    await t.mutation(vcs.endSession, { sessionId, occurredAt: at(70) });
    await t.mutation(vcs.rateSession, { sessionId, rating: 5 });
    expect(await getDoc(t, sessionId)).toMatchObject({
      reconnectCount: 1,
      reconnectSeconds: 5,
      duration: 60,
      rating: 5,
    });
    expect(await stats(t, "old")).toEqual({
      totalSessions: 3,
      completedSessions: 3,
      failedSessions: 0,
      totalDuration: 160,
      averageDuration: 53,
      totalQualityIssues: 1,
      totalReconnects: 1,
      averageRating: 5,
    });
  });
});

describe("dedupe", () => {
  it("a replayed opId returns the session as it is now and changes nothing", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const first = await t.mutation(vcs.markReconnecting, { sessionId, opId: "r1", occurredAt: at(20) });
    const again = await t.mutation(vcs.markReconnecting, { sessionId, opId: "r1", occurredAt: at(30) });
    expect(again).toEqual(first);
    await t.mutation(vcs.markReconnected, { sessionId, opId: "r2", occurredAt: at(25) });
    await t.mutation(vcs.markReconnected, { sessionId, opId: "r2", occurredAt: at(99) });
    await t.mutation(vcs.markScreenShare, { sessionId, active: true, opId: "s1", occurredAt: at(30) });
    await t.mutation(vcs.markScreenShare, { sessionId, active: false, opId: "s2", occurredAt: at(40) });
    await t.mutation(vcs.markScreenShare, { sessionId, active: true, opId: "s1", occurredAt: at(50) });
    await t.mutation(vcs.endSession, { sessionId, opId: "e", occurredAt: at(75) });
    await t.mutation(vcs.rateSession, { sessionId, rating: 4, opId: "rate" });
    const replay = await t.mutation(vcs.rateSession, { sessionId, rating: 1, opId: "rate" });
    expect(replay).toMatchObject({
      rating: 4,
      reconnectCount: 1,
      reconnectSeconds: 5,
      screenShareSeconds: 10,
    });
    expect("screenShareSince" in replay).toBe(false);
    expect(await stats(t)).toMatchObject({ totalReconnects: 1, averageRating: 4 });
    expect(await tableCount(t, "processedOps")).toBe(6);
  });

  it("a refused op records nothing, so it may be retried", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    await expectCode(t.mutation(vcs.rateSession, { sessionId, rating: 5, opId: "x" }), "INVALID_TRANSITION");
    await t.mutation(vcs.endSession, { sessionId });
    expect((await t.mutation(vcs.rateSession, { sessionId, rating: 5, opId: "x" })).rating).toBe(5);
  });
});

describe("applyBatch", () => {
  type Op = { opId: string; kind: string; occurredAt: string; args: unknown };
  const run = (t: Backend, ops: Op[], sentAt?: string) =>
    t.mutation(vcs.applyBatch, { userId: "user123", ops, ...(sentAt === undefined ? {} : { sentAt }) });
  const c = { clientSessionId: "c" };
  const history = (): Op[] => [
    { opId: "1", kind: "startSession", occurredAt: at(0), args: { supportWorkerName: "W", ...c } },
    { opId: "2", kind: "markConnected", occurredAt: at(15), args: c },
    { opId: "3", kind: "markReconnecting", occurredAt: at(30), args: c },
    { opId: "4", kind: "markScreenShare", occurredAt: at(40), args: { ...c, active: true } },
    { opId: "5", kind: "markReconnected", occurredAt: at(47), args: c },
    { opId: "6", kind: "markScreenShare", occurredAt: at(60), args: { ...c, active: false } },
    { opId: "7", kind: "endSession", occurredAt: at(75), args: c },
    { opId: "8", kind: "rateSession", occurredAt: at(80), args: { ...c, rating: 5, comment: "ok" } },
  ];

  it("applies the four kinds in order; values stay {sessionId, sessionStatus, duration?}", async () => {
    const t = backend();
    const { results } = await run(t, history());
    expect(results.map((r) => r.status)).toEqual(Array(8).fill("applied"));
    const sessionId = (results[0] as { value: { sessionId: Sid } }).value.sessionId;
    expect(results.slice(2).map((r) => (r as { value: unknown }).value)).toEqual([
      { sessionId, sessionStatus: "reconnecting" },
      { sessionId, sessionStatus: "reconnecting" },
      { sessionId, sessionStatus: "connected" },
      { sessionId, sessionStatus: "connected" },
      { sessionId, sessionStatus: "ended", duration: 60 },
      { sessionId, sessionStatus: "ended", duration: 60 },
    ]);
    expect(await getDoc(t, sessionId)).toMatchObject({
      reconnectCount: 1,
      reconnectSeconds: 17,
      screenShareSeconds: 20,
      rating: 5,
      ratingComment: "ok",
      ratedAt: at(80),
    });
    expect(await stats(t)).toMatchObject({ totalReconnects: 1, averageRating: 5 });
  });

  it("intervals are differences of event times, unchanged by a skew shift", async () => {
    const t = backend();
    // The device's clock is an hour behind: every time moves by +1 h, no interval changes.
    const { results } = await run(t, history(), "2024-01-15T11:00:00.000Z");
    const sessionId = (results[0] as { value: { sessionId: Sid } }).value.sessionId;
    const doc = (await getDoc(t, sessionId))!;
    expect(doc).toMatchObject({ reconnectSeconds: 17, screenShareSeconds: 20, duration: 60 });
    expect(doc.ratedAt).toBe("2024-01-15T11:31:20.000Z");
  });

  it("replaying the batch answers duplicates and counts nothing twice", async () => {
    const t = backend();
    await run(t, history());
    const { results } = await run(t, history());
    expect(results.map((r) => r.status)).toEqual(Array(8).fill("duplicate"));
    expect(await stats(t)).toMatchObject({ totalReconnects: 1, averageRating: 5 });
  });

  it("hand-validates the new args: each bad one rejects that op only, and is recorded", async () => {
    const t = backend();
    const [start, connect] = history();
    await run(t, [start!, connect!]);
    const bad: Array<[string, unknown]> = [
      ["markScreenShare", { ...c }],
      ["markScreenShare", { ...c, active: "true" }],
      ["markScreenShare", { ...c, active: true, rating: 5 }],
      ["markReconnecting", { ...c, active: true }],
      ["rateSession", { ...c }],
      ["rateSession", { ...c, rating: "5" }],
      ["rateSession", { ...c, rating: 4.5 }],
      ["rateSession", { ...c, rating: Number.NaN }],
      ["rateSession", { ...c, rating: 0 }],
      ["rateSession", { ...c, rating: 6 }],
      ["rateSession", { ...c, rating: 5, comment: 7 }],
      ["rateSession", { ...c, rating: 5, comment: "x".repeat(1001) }],
      ["rateSession", { ...c, rating: 5, userId: "user123" }],
    ];
    const ops = bad.map(([kind, args], i) => ({ opId: `b${i}`, kind, occurredAt: at(20), args }));
    const { results } = await run(t, ops);
    for (const r of results) {
      expect(r).toMatchObject({ status: "rejected", error: { code: "INVALID_ARGUMENT" } });
    }
    expect(results).toHaveLength(bad.length);
    const { results: replayed } = await run(t, ops);
    expect(replayed.map((r) => r.status)).toEqual(Array(bad.length).fill("rejected"));
  });

  it("a second rating is rejected INVALID_TRANSITION; the batch goes on", async () => {
    const t = backend();
    await run(t, history());
    const { results } = await run(t, [
      { opId: "9", kind: "rateSession", occurredAt: at(90), args: { ...c, rating: 1 } },
      { opId: "10", kind: "markReconnecting", occurredAt: at(91), args: c },
      { opId: "11", kind: "startSession", occurredAt: at(100), args: { supportWorkerName: "W" } },
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "applied"]);
    expect(results[0]).toMatchObject({ error: { code: "INVALID_TRANSITION" } });
    expect(results[1]).toMatchObject({ error: { code: "INVALID_TRANSITION" } });
    expect((await stats(t)).averageRating).toBe(5);
  });
});
