/**
 * Exactly-once single mutations: an opId replay returns the first answer and
 * changes nothing; a refused mutation records nothing; clientSessionId reuse.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import {
  type Backend,
  at,
  backend,
  expectCode,
  getDoc,
  sessionIn,
  startAt,
  tableCount,
} from "./helpers";

const vcs = api.videoCallSessions;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2024-01-15T12:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

async function snapshot(t: Backend) {
  return await t.run(async (ctx) => ({
    sessions: await ctx.db.query("videoCallSessions").collect(),
    userStats: await ctx.db.query("userStats").collect(),
    workerStats: await ctx.db.query("workerStats").collect(),
    appointments: await ctx.db.query("appointments").collect(),
    ops: await ctx.db.query("processedOps").collect(),
  }));
}

type Sid = Id<"videoCallSessions">;
const REPLAYS: Array<
  [string, "connecting" | "connected", (t: Backend, s: Sid, when: string) => Promise<unknown>]
> = [
  [
    "markConnected",
    "connecting",
    (t, sessionId, occurredAt) =>
      t.mutation(vcs.markConnected, { sessionId, opId: "op-1", occurredAt }),
  ],
  [
    "endSession",
    "connected",
    (t, sessionId, occurredAt) =>
      t.mutation(vcs.endSession, { sessionId, opId: "op-1", occurredAt, endReason: "user_ended" }),
  ],
  [
    "updateSessionSettings",
    "connected",
    (t, sessionId, occurredAt) =>
      t.mutation(vcs.updateSessionSettings, {
        sessionId,
        opId: "op-1",
        occurredAt,
        cameraEnabled: false,
      }),
  ],
  [
    "reportQualityIssue",
    "connected",
    (t, sessionId, occurredAt) =>
      t.mutation(vcs.reportQualityIssue, { sessionId, opId: "op-1", occurredAt, issue: "echo" }),
  ],
  [
    "markFailed",
    "connected",
    (t, sessionId, occurredAt) =>
      t.mutation(vcs.markFailed, { sessionId, opId: "op-1", occurredAt, reason: "drop" }),
  ],
];

describe("opId replay of a single mutation", () => {
  it.each(REPLAYS)("%s returns the first answer and changes nothing", async (_, from, call) => {
    const t = backend();
    const sessionId = await sessionIn(t, from);
    const first = await call(t, sessionId, at(100));
    const before = await snapshot(t);
    const again = await call(t, sessionId, at(500));
    expect(again).toEqual(first);
    expect(await snapshot(t)).toEqual(before);
    expect(before.ops).toHaveLength(1);
    expect(before.ops[0]).toMatchObject({
      opId: "op-1",
      userId: "user123",
      processedAt: Date.now(),
    });
  });

  it("startSession replay returns the same id and inserts nothing", async () => {
    const t = backend();
    const args = { userId: "u1", supportWorkerName: "W", supportWorkerId: "w1", opId: "s-1" };
    const a = await t.mutation(vcs.startSession, args);
    const before = await snapshot(t);
    const b = await t.mutation(vcs.startSession, args);
    expect(b).toBe(a);
    expect(await snapshot(t)).toEqual(before);
    expect(before.userStats[0]!.totalSessions).toBe(1);
  });

  it("a refused mutation records nothing, so the same opId can apply later", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connecting");
    await expectCode(
      t.mutation(vcs.endSession, { sessionId, opId: "e-1", endReason: "x".repeat(201) }),
      "INVALID_ARGUMENT",
    );
    expect(await tableCount(t, "processedOps")).toBe(0);
    const ended = await t.mutation(vcs.endSession, { sessionId, opId: "e-1", endReason: "ok" });
    expect(ended.endReason).toBe("ok");
  });

  it("an opId recorded for another user is FORBIDDEN with an identity", async () => {
    const t = backend();
    const alice = t.withIdentity({ subject: "alice" });
    const bob = t.withIdentity({ subject: "bob" });
    await alice.mutation(vcs.startSession, { supportWorkerName: "W", opId: "shared" });
    await expectCode(
      bob.mutation(vcs.startSession, { supportWorkerName: "W", opId: "shared" }),
      "FORBIDDEN",
    );
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
  });

  it("replaying a batch-rejected op through a single mutation throws its stored code", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "ended");
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "user123",
      ops: [{ opId: "b-1", kind: "markConnected", occurredAt: at(1), args: { sessionId } }],
    });
    expect(results[0]).toMatchObject({ status: "rejected", error: { code: "INVALID_TRANSITION" } });
    await expectCode(
      t.mutation(vcs.markConnected, { sessionId, opId: "b-1" }),
      "INVALID_TRANSITION",
    );
  });

  it("a single mutation replays an op first applied in a batch", async () => {
    const t = backend();
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        { opId: "b-2", kind: "startSession", occurredAt: at(0), args: { supportWorkerName: "W" } },
      ],
    });
    const id = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: "W",
      opId: "b-2",
    });
    expect(results[0]).toMatchObject({ status: "applied", value: { sessionId: id } });
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
  });

  it("an opId used for an appointment cannot be replayed as a session op", async () => {
    const t = backend();
    await t.mutation(api.appointments.create, { userId: "u", supportWorkerName: "W", opId: "x-1" });
    await expectCode(
      t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", opId: "x-1" }),
      "INVALID_ARGUMENT",
    );
  });
});

/** Field names starting with `_` anywhere in a value (Convex reserves them in stored documents). */
function reservedKeys(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => reservedKeys(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k.startsWith("_") ? [`${path}.${k}`] : []),
    ...reservedKeys(v, `${path}.${k}`),
  ]);
}

describe("the stored outcome", () => {
  it("keeps the op's outcome, not a copy of the session (bytes stay small with large metadata)", async () => {
    const t = backend();
    const metadata = { note: "長".repeat(2000) };
    const sessionId = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: "W",
      metadata,
      opId: "s-1",
      occurredAt: at(0),
    });
    await t.mutation(vcs.reportQualityIssue, { sessionId, issue: "x".repeat(500), opId: "q-1" });
    const rows = await t.run(async (ctx) => await ctx.db.query("processedOps").collect());
    for (const row of rows) {
      expect(JSON.stringify(row.result).length).toBeLessThan(200);
      expect(row.result).toEqual({ applied: { sessionId, sessionStatus: "connecting" } });
    }
  });

  it("a record of the older layout (a session copy) still replays, once", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const doc = (await getDoc(t, sessionId))!;
    const { _id, _creationTime, ...fields } = doc;
    await t.run(async (ctx) => {
      await ctx.db.insert("processedOps", {
        opId: "legacy-q",
        userId: doc.userId,
        kind: "reportQualityIssue",
        result: { session: { sessionId: _id, creationTime: _creationTime, fields } },
        processedAt: Date.now(),
      });
    });
    const replay = await t.mutation(vcs.reportQualityIssue, { sessionId, issue: "x", opId: "legacy-q" });
    expect(replay.qualityIssues).toBeUndefined();
    const batch = await t.mutation(vcs.applyBatch, {
      userId: doc.userId,
      ops: [{ opId: "legacy-q", kind: "reportQualityIssue", occurredAt: at(20), args: { sessionId, issue: "x" } }],
    });
    expect(batch.results).toEqual([
      { opId: "legacy-q", status: "duplicate", value: { sessionId, sessionStatus: "connected" } },
    ]);
    expect((await getDoc(t, sessionId))!.qualityIssues).toBeUndefined();
  });

  it("a single-mutation replay answers with the session as it is now", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    await t.mutation(vcs.updateSessionSettings, { sessionId, cameraEnabled: false, opId: "cam-off" });
    await t.mutation(vcs.updateSessionSettings, { sessionId, cameraEnabled: true, opId: "cam-on" });
    const replay = await t.mutation(vcs.updateSessionSettings, { sessionId, cameraEnabled: false, opId: "cam-off" });
    expect(replay).toEqual(await getDoc(t, sessionId));
    expect(replay.cameraEnabled).toBe(true);
  });

  it("holds no reserved field names, yet replays the full document", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const first = await t.mutation(vcs.endSession, { sessionId, opId: "e-1", occurredAt: at(100) });
    const row = await t.run(async (ctx) => await ctx.db.query("processedOps").first());
    expect(reservedKeys(row!.result)).toEqual([]);
    const replay = await t.mutation(vcs.endSession, { sessionId, opId: "e-1" });
    expect(replay).toEqual(first);
    expect(replay._id).toBe(sessionId);
    expect(replay._creationTime).toBe(first._creationTime);
  });
});

describe("clientSessionId", () => {
  it("a known clientSessionId returns the existing session and changes nothing", async () => {
    const t = backend();
    const first = await startAt(t, "user123", { clientSessionId: "c-1", supportWorkerId: "w" });
    await t.mutation(vcs.markConnected, { clientSessionId: "c-1", occurredAt: at(5) });
    const before = await snapshot(t);
    const second = await t.mutation(vcs.startSession, {
      userId: "user123",
      supportWorkerName: "Someone Else",
      clientSessionId: "c-1",
    });
    expect(second).toBe(first);
    expect(await snapshot(t)).toEqual(before);
    expect((await getDoc(t, first))!.sessionStatus).toBe("connected");
  });

  it("another user's clientSessionId is FORBIDDEN", async () => {
    const t = backend();
    await startAt(t, "alice", { clientSessionId: "c-1" });
    await expectCode(startAt(t, "bob", { clientSessionId: "c-1" }), "FORBIDDEN");
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
  });

  it("refers to a session in later mutations; sessionId wins over it", async () => {
    const t = backend();
    const a = await startAt(t, "user123", { clientSessionId: "c-a" });
    const b = await startAt(t, "user123", { clientSessionId: "c-b" });
    await t.mutation(vcs.markConnected, { clientSessionId: "c-a" });
    expect((await getDoc(t, a))!.sessionStatus).toBe("connected");
    await t.mutation(vcs.markFailed, { sessionId: b, clientSessionId: "c-a" });
    expect((await getDoc(t, b))!.sessionStatus).toBe("failed");
    expect((await getDoc(t, a))!.sessionStatus).toBe("connected");
  });

  it("no reference is INVALID_ARGUMENT; an unknown one is NOT_FOUND", async () => {
    const t = backend();
    await expectCode(t.mutation(vcs.markConnected, {}), "INVALID_ARGUMENT");
    await expectCode(t.mutation(vcs.markConnected, { clientSessionId: "nope" }), "NOT_FOUND");
    const id = await startAt(t);
    await t.run(async (ctx) => await ctx.db.delete("videoCallSessions", id));
    await expectCode(t.mutation(vcs.endSession, { sessionId: id }), "NOT_FOUND");
  });
});
