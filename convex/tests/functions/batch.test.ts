/**
 * `applyBatch`: ordered ops in one transaction, per-op outcomes, replays that change
 * nothing (rejections included), the clock-skew shift and the batch-wide refusals.
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
  getDoc,
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

type Op = { opId: string; kind: string; occurredAt: string; args: unknown };

function lifecycleOps(prefix = ""): Op[] {
  return [
    {
      opId: `${prefix}1`,
      kind: "startSession",
      occurredAt: SEED.joined,
      args: {
        supportWorkerName: "Dr. Smith",
        supportWorkerId: "w1",
        clientSessionId: `${prefix}c`,
      },
    },
    {
      opId: `${prefix}2`,
      kind: "markConnected",
      occurredAt: SEED.connected,
      args: { clientSessionId: `${prefix}c` },
    },
    {
      opId: `${prefix}3`,
      kind: "updateSessionSettings",
      occurredAt: at(60),
      args: { clientSessionId: `${prefix}c`, micEnabled: false },
    },
    {
      opId: `${prefix}4`,
      kind: "reportQualityIssue",
      occurredAt: at(90),
      args: { clientSessionId: `${prefix}c`, issue: "lag" },
    },
    {
      opId: `${prefix}5`,
      kind: "endSession",
      occurredAt: SEED.ended,
      args: { clientSessionId: `${prefix}c`, endReason: "user_ended" },
    },
  ];
}

async function run(t: Backend, ops: Op[], extra: { sentAt?: string; userId?: string } = {}) {
  return await t.mutation(vcs.applyBatch, { userId: "user123", ...extra, ops });
}

async function state(t: Backend) {
  return await t.run(async (ctx) => ({
    sessions: await ctx.db.query("videoCallSessions").collect(),
    stats: await ctx.db.query("userStats").collect(),
    workers: await ctx.db.query("workerStats").collect(),
    ops: await ctx.db.query("processedOps").collect(),
  }));
}

describe("applying", () => {
  it("runs a whole lifecycle in order and answers per op", async () => {
    const t = backend();
    const { results, serverTime } = await run(t, lifecycleOps());
    expect(serverTime).toBe(NOW);
    const sessionId = (results[0] as { value: { sessionId: Id<"videoCallSessions"> } }).value
      .sessionId;
    expect(results).toEqual([
      { opId: "1", status: "applied", value: { sessionId, sessionStatus: "connecting" } },
      { opId: "2", status: "applied", value: { sessionId, sessionStatus: "connected" } },
      { opId: "3", status: "applied", value: { sessionId, sessionStatus: "connected" } },
      { opId: "4", status: "applied", value: { sessionId, sessionStatus: "connected" } },
      {
        opId: "5",
        status: "applied",
        value: { sessionId, sessionStatus: "ended", duration: SEED.duration },
      },
    ]);
    expect(await getDoc(t, sessionId)).toMatchObject({
      joinedAt: SEED.joined,
      connectedAt: SEED.connected,
      endedAt: SEED.ended,
      micEnabled: false,
      qualityIssues: ["lag"],
      endReason: "user_ended",
      clientSessionId: "c",
    });
  });

  it("replaying the batch gives duplicates with the same values and changes nothing", async () => {
    const t = backend();
    const first = await run(t, lifecycleOps());
    const before = await state(t);
    vi.setSystemTime(new Date("2024-01-16T00:00:00.000Z"));
    const second = await run(t, lifecycleOps());
    expect(second.results.map((r) => r.status)).toEqual(Array(5).fill("duplicate"));
    expect(second.results.map((r) => ("value" in r ? r.value : null))).toEqual(
      first.results.map((r) => ("value" in r ? r.value : null)),
    );
    expect(await state(t)).toEqual(before);
  });

  it("a rejected op changes nothing, does not stop the batch, and is recorded", async () => {
    const t = backend();
    const ops: Op[] = [
      lifecycleOps()[0]!,
      {
        opId: "bad",
        kind: "endSession",
        occurredAt: at(5),
        args: { clientSessionId: "c", endReason: "x".repeat(201) },
      },
      lifecycleOps()[1]!,
    ];
    const { results } = await run(t, ops);
    expect(results.map((r) => r.status)).toEqual(["applied", "rejected", "applied"]);
    expect(results[1]).toEqual({
      opId: "bad",
      status: "rejected",
      error: { code: "INVALID_ARGUMENT", message: expect.any(String) },
    });
    const ops2 = (await state(t)).ops.find((o) => o.opId === "bad");
    expect(ops2).toMatchObject({
      userId: "user123",
      kind: "endSession",
      result: { rejected: { code: "INVALID_ARGUMENT" } },
    });
  });

  it("replaying a rejected op is rejected again even when it would now apply", async () => {
    const t = backend();
    const early: Op = {
      opId: "early",
      kind: "markConnected",
      occurredAt: at(1),
      args: { clientSessionId: "late" },
    };
    const first = await run(t, [early]);
    expect(first.results[0]).toMatchObject({ status: "rejected", error: { code: "NOT_FOUND" } });
    await startAt(t, "user123", { clientSessionId: "late" });
    const before = await state(t);
    const again = await run(t, [early]);
    expect(again.results[0]).toEqual(first.results[0]);
    expect(await state(t)).toEqual(before);
  });

  it("a repeated opId inside one batch is a duplicate of the first", async () => {
    const t = backend();
    const start = lifecycleOps()[0]!;
    const { results } = await run(t, [start, start]);
    expect(results.map((r) => r.status)).toEqual(["applied", "duplicate"]);
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
  });

  it("updates stats exactly once across replays", async () => {
    const t = backend();
    await run(t, lifecycleOps());
    await run(t, lifecycleOps());
    expect(await t.query(vcs.getCallStats, { userId: "user123" })).toEqual({
      totalSessions: 1,
      completedSessions: 1,
      failedSessions: 0,
      totalDuration: SEED.duration,
      averageDuration: SEED.duration,
      totalQualityIssues: 1,
      totalReconnects: 0,
      averageRating: null,
    });
  });
});

describe("clock skew", () => {
  it("shifts event times by serverNow − sentAt when off by more than 120 s", async () => {
    const t = backend();
    // The client clock is 70 minutes behind: it sends at 10:50 what the server sees at 12:00.
    const { results } = await run(t, lifecycleOps(), { sentAt: "2024-01-15T10:50:00.000Z" });
    const sessionId = (results[0] as { value: { sessionId: Id<"videoCallSessions"> } }).value
      .sessionId;
    const doc = await getDoc(t, sessionId);
    expect(doc).toMatchObject({
      joinedAt: "2024-01-15T11:40:00.000Z",
      connectedAt: "2024-01-15T11:40:15.000Z",
      endedAt: "2024-01-15T11:55:30.000Z",
      duration: SEED.duration,
    });
  });

  it("shifts backwards for a client clock that runs ahead", async () => {
    const t = backend();
    const { results } = await run(t, lifecycleOps(), { sentAt: "2024-01-15T12:02:00.001Z" });
    const sessionId = (results[0] as { value: { sessionId: Id<"videoCallSessions"> } }).value
      .sessionId;
    expect(await getDoc(t, sessionId)).toMatchObject({
      joinedAt: "2024-01-15T10:27:59.999Z",
      duration: SEED.duration,
    });
  });

  it.each(["2024-01-15T11:58:00.000Z", "2024-01-15T12:02:00.000Z", NOW])(
    "leaves times alone when |serverNow − sentAt| ≤ 120 s (sentAt %s)",
    async (sentAt) => {
      const t = backend();
      const { results } = await run(t, lifecycleOps(), { sentAt });
      const sessionId = (results[0] as { value: { sessionId: Id<"videoCallSessions"> } }).value
        .sessionId;
      expect(await getDoc(t, sessionId)).toMatchObject({
        joinedAt: SEED.joined,
        endedAt: SEED.ended,
        duration: SEED.duration,
      });
    },
  );

  it("rejects an op whose shifted time falls before 1970", async () => {
    const t = backend();
    vi.setSystemTime(new Date("1970-01-01T00:10:00.000Z"));
    const op: Op = {
      opId: "o",
      kind: "startSession",
      occurredAt: "1970-01-01T00:00:00.000Z",
      args: { supportWorkerName: "W" },
    };
    const { results } = await run(t, [op], { sentAt: "1970-01-01T00:20:00.000Z" });
    expect(results[0]).toMatchObject({ status: "rejected", error: { code: "INVALID_ARGUMENT" } });
  });
});

describe("event times far ahead are clamped (D3)", () => {
  const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
  const starts = (times: string[]): Op[] =>
    times.map((occurredAt, i) => ({
      opId: `f${i}`,
      kind: "startSession",
      occurredAt,
      args: { supportWorkerName: "W", clientSessionId: `f${i}` },
    }));
  const joined = async (t: Backend) =>
    (await t.run(async (ctx) => await ctx.db.query("videoCallSessions").collect()))
      .sort((a, b) => a._creationTime - b._creationTime)
      .map((s) => s.joinedAt);

  it("a batch op up to 60 s after sentAt is kept; later, it becomes sentAt (then shifted)", async () => {
    const t = backend();
    const sentAt = "2024-01-15T11:00:00.000Z"; // the client is an hour behind: shift +1 h
    await run(t, starts([plus(sentAt, 60_000), plus(sentAt, 60_001), "2286-11-20T17:46:39.999Z"]), { sentAt });
    expect(await joined(t)).toEqual(["2024-01-15T12:01:00.000Z", NOW, NOW]);
  });

  it("without sentAt the reference is the server's now", async () => {
    const t = backend();
    await run(t, starts([plus(NOW, 60_000), plus(NOW, 60_001)]));
    expect(await joined(t)).toEqual([plus(NOW, 60_000), NOW]);
  });

  it("a single mutation's occurredAt more than 60 s after now becomes now", async () => {
    const t = backend();
    for (const [i, occurredAt] of [plus(NOW, 60_000), plus(NOW, 60_001)].entries()) {
      await t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", clientSessionId: `s${i}`, occurredAt });
    }
    expect(await joined(t)).toEqual([plus(NOW, 60_000), NOW]);
  });
});

describe("per-op rejections", () => {
  const cases: Array<[string, Op]> = [
    ["an unknown kind", { opId: "o", kind: "teleport", occurredAt: at(0), args: {} }],
    [
      "args that are not an object",
      { opId: "o", kind: "markConnected", occurredAt: at(0), args: "c" },
    ],
    [
      "an unknown arg",
      {
        opId: "o",
        kind: "startSession",
        occurredAt: at(0),
        args: { supportWorkerName: "W", colour: 1 },
      },
    ],
    [
      "a userId inside args",
      {
        opId: "o",
        kind: "startSession",
        occurredAt: at(0),
        args: { supportWorkerName: "W", userId: "user123" },
      },
    ],
    [
      "an ill-typed arg",
      {
        opId: "o",
        kind: "updateSessionSettings",
        occurredAt: at(0),
        args: { clientSessionId: "c", cameraEnabled: "no" },
      },
    ],
    [
      "a missing required arg",
      { opId: "o", kind: "reportQualityIssue", occurredAt: at(0), args: { clientSessionId: "c" } },
    ],
    [
      "a malformed sessionId",
      { opId: "o", kind: "markConnected", occurredAt: at(0), args: { sessionId: "not-an-id" } },
    ],
    [
      "a bad occurredAt",
      {
        opId: "o",
        kind: "startSession",
        occurredAt: "yesterday",
        args: { supportWorkerName: "W" },
      },
    ],
  ];
  it.each(cases)("%s is INVALID_ARGUMENT for that op only", async (_, bad) => {
    const t = backend();
    await startAt(t, "user123", { clientSessionId: "c" });
    const next: Op = {
      opId: "next",
      kind: "markConnected",
      occurredAt: at(1),
      args: { clientSessionId: "c" },
    };
    const { results } = await run(t, [bad, next]);
    expect(results[0]).toMatchObject({
      opId: "o",
      status: "rejected",
      error: { code: "INVALID_ARGUMENT" },
    });
    expect(results[1]).toMatchObject({ opId: "next", status: "applied" });
  });

  it("an id of another table is INVALID_ARGUMENT", async () => {
    const t = backend();
    const appointmentId = await t.mutation(api.appointments.create, {
      userId: "user123",
      supportWorkerName: "W",
    });
    const { results } = await run(t, [
      { opId: "o", kind: "markConnected", occurredAt: at(0), args: { sessionId: appointmentId } },
    ]);
    expect(results[0]).toMatchObject({ status: "rejected", error: { code: "INVALID_ARGUMENT" } });
  });

  it("a session of another user is FORBIDDEN, even anonymously", async () => {
    const t = backend();
    const sessionId = await startAt(t, "alice");
    const { results } = await run(
      t,
      [{ opId: "o", kind: "markConnected", occurredAt: at(1), args: { sessionId } }],
      { userId: "bob" },
    );
    expect(results[0]).toMatchObject({ status: "rejected", error: { code: "FORBIDDEN" } });
    expect((await getDoc(t, sessionId))!.sessionStatus).toBe("connecting");
  });

  it("an opId recorded by another user is a FORBIDDEN rejection", async () => {
    const t = backend();
    const start = lifecycleOps()[0]!;
    await run(t, [start], { userId: "alice" });
    const { results } = await run(t, [start], { userId: "bob" });
    expect(results[0]).toMatchObject({ status: "rejected", error: { code: "FORBIDDEN" } });
    expect(await tableCount(t, "processedOps")).toBe(1);
  });

  it("an invalid transition is INVALID_TRANSITION", async () => {
    const t = backend();
    const ops = lifecycleOps();
    const { results } = await run(t, [ops[0]!, ops[4]!, ops[1]!]);
    expect(results.map((r) => r.status)).toEqual(["applied", "applied", "rejected"]);
    expect(results[2]).toMatchObject({ error: { code: "INVALID_TRANSITION" } });
  });
});

describe("whole-batch refusals", () => {
  it("more than 100 ops is INVALID_ARGUMENT and applies nothing; 100 is fine", async () => {
    const t = backend();
    const ops = (n: number) =>
      Array.from({ length: n }, (_, i): Op => ({
        opId: `o${i}`,
        kind: "startSession",
        occurredAt: at(i),
        args: { supportWorkerName: "W" },
      }));
    await expectCode(run(t, ops(101)), "INVALID_ARGUMENT");
    expect(await tableCount(t, "videoCallSessions")).toBe(0);
    const { results } = await run(t, ops(100));
    expect(results).toHaveLength(100);
    expect(await tableCount(t, "videoCallSessions")).toBe(100);
  });

  it.each([
    ["", "empty"],
    ["x".repeat(101), "101 characters"],
  ])("an opId that is %s refuses the batch (%s)", async (opId) => {
    const t = backend();
    const ops: Op[] = [lifecycleOps()[0]!, { ...lifecycleOps()[1]!, opId }];
    await expectCode(run(t, ops), "INVALID_ARGUMENT");
    expect(await tableCount(t, "videoCallSessions")).toBe(0);
  });

  it("a malformed sentAt refuses the batch", async () => {
    const t = backend();
    await expectCode(run(t, lifecycleOps(), { sentAt: "2024-01-15 09:00" }), "INVALID_ARGUMENT");
  });

  it("the batch user comes from the identity; a different userId is FORBIDDEN", async () => {
    const t = backend();
    const alice = t.withIdentity({ subject: "alice" });
    const { results } = await alice.mutation(vcs.applyBatch, { ops: [lifecycleOps()[0]!] });
    const sessionId = (results[0] as { value: { sessionId: Id<"videoCallSessions"> } }).value
      .sessionId;
    expect((await getDoc(t, sessionId))!.userId).toBe("alice");
    await expectCode(alice.mutation(vcs.applyBatch, { userId: "bob", ops: [] }), "FORBIDDEN");
    await expectCode(t.mutation(vcs.applyBatch, { ops: [] }), "INVALID_ARGUMENT");
  });

  it("an empty batch answers with no results and the server time", async () => {
    const t = backend();
    expect(await run(t, [])).toEqual({ results: [], serverTime: NOW });
  });
});
