/**
 * The contract's limits table, row by row, and its timestamp format: every
 * violation is INVALID_ARGUMENT and changes nothing; the boundary value passes.
 * Lengths are UTF-16 code units.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConvexError } from "convex/values";
import { api } from "../../functions/_generated/api";
import {
  type Backend,
  SEED,
  backend,
  expectCode,
  expectValidatorError,
  getDoc,
  rejection,
  sessionIn,
  startAt,
  tableCount,
} from "./helpers";

const vcs = api.videoCallSessions;
const s = (n: number) => "x".repeat(n);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2024-01-15T12:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

function start(t: Backend, extra: Record<string, unknown>) {
  return t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", ...extra });
}

describe("startSession limits", () => {
  const rejected: Array<[string, Record<string, unknown>]> = [
    ["empty userId", { userId: "" }],
    ["userId of 201", { userId: s(201) }],
    ["empty supportWorkerName", { supportWorkerName: "" }],
    ["white-space supportWorkerName", { supportWorkerName: " \t\n\u00a0" }],
    ["supportWorkerName of 201", { supportWorkerName: s(201) }],
    ["supportWorkerId of 201", { supportWorkerId: s(201) }],
    ["audioOption of 51", { audioOption: s(51) }],
    ["empty clientSessionId", { clientSessionId: "" }],
    ["clientSessionId of 101", { clientSessionId: s(101) }],
    ["metadata over 4096 as JSON", { metadata: { k: s(4096 - 8 + 1) } }],
    ["opId of 101", { opId: s(101) }],
    ["empty opId", { opId: "" }],
    ["supportWorkerName of 201 UTF-16 units", { supportWorkerName: "a" + "😀".repeat(100) }],
  ];
  it.each(rejected)("%s is INVALID_ARGUMENT", async (_, extra) => {
    const t = backend();
    await expectCode(start(t, extra), "INVALID_ARGUMENT");
    expect(await tableCount(t, "videoCallSessions")).toBe(0);
    expect(await tableCount(t, "userStats")).toBe(0);
  });

  const accepted: Array<[string, Record<string, unknown>]> = [
    ["userId of 200", { userId: s(200) }],
    ["supportWorkerName of 200", { supportWorkerName: s(200) }],
    ["supportWorkerName of 100 emoji (200 units)", { supportWorkerName: "😀".repeat(100) }],
    ["empty supportWorkerId", { supportWorkerId: "" }],
    ["supportWorkerId of 200", { supportWorkerId: s(200) }],
    ["audioOption of 50", { audioOption: s(50) }],
    ["clientSessionId of 100", { clientSessionId: s(100) }],
    ["metadata of exactly 4096 as JSON", { metadata: { k: s(4096 - 8) } }],
    ["opId of 100", { opId: s(100) }],
  ];
  it.each(accepted)("%s is accepted", async (_, extra) => {
    const t = backend();
    const id = await start(t, extra);
    expect(await getDoc(t, id)).not.toBeNull();
  });
});

describe("lifecycle limits", () => {
  it("endReason and reason take at most 200", async () => {
    const t = backend();
    const a = await sessionIn(t, "connected");
    await expectCode(
      t.mutation(vcs.endSession, { sessionId: a, endReason: s(201) }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      t.mutation(vcs.markFailed, { sessionId: a, reason: s(201) }),
      "INVALID_ARGUMENT",
    );
    expect((await getDoc(t, a))!.sessionStatus).toBe("connected");
    expect((await t.mutation(vcs.markFailed, { sessionId: a, reason: s(200) })).endReason).toBe(
      s(200),
    );
  });

  it("updateSessionSettings audioOption takes at most 50", async () => {
    const t = backend();
    const a = await sessionIn(t, "connected");
    await expectCode(
      t.mutation(vcs.updateSessionSettings, { sessionId: a, audioOption: s(51) }),
      "INVALID_ARGUMENT",
    );
    expect(
      (await t.mutation(vcs.updateSessionSettings, { sessionId: a, audioOption: s(50) }))
        .audioOption,
    ).toBe(s(50));
  });

  it.each([
    ["empty", ""],
    ["white space", "   "],
    ["501 long", s(501)],
  ])("an issue that is %s is INVALID_ARGUMENT", async (_, issue) => {
    const t = backend();
    const a = await sessionIn(t, "connected");
    await expectCode(
      t.mutation(vcs.reportQualityIssue, { sessionId: a, issue }),
      "INVALID_ARGUMENT",
    );
    expect((await getDoc(t, a))!.qualityIssues).toBeUndefined();
  });

  it("keeps 50 quality issues per session and rejects the 51st without counting it", async () => {
    const t = backend();
    const a = await sessionIn(t, "connected");
    for (let i = 0; i < 50; i++) {
      await t.mutation(vcs.reportQualityIssue, { sessionId: a, issue: s(500) });
    }
    await expectCode(
      t.mutation(vcs.reportQualityIssue, { sessionId: a, issue: "one more" }),
      "INVALID_ARGUMENT",
    );
    expect((await getDoc(t, a))!.qualityIssues).toHaveLength(50);
    expect((await t.query(vcs.getCallStats, { userId: "user123" })).totalQualityIssues).toBe(50);
  });
});

describe("query limits", () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "getUserSessions limit %s is INVALID_ARGUMENT",
    async (limit) => {
      const t = backend();
      await expectCode(t.query(vcs.getUserSessions, { userId: "u", limit }), "INVALID_ARGUMENT");
    },
  );

  it.each([0, 2.5, Number.NaN])(
    "getSupportWorkerStats limit %s is INVALID_ARGUMENT",
    async (limit) => {
      const t = backend();
      await expectCode(t.query(vcs.getSupportWorkerStats, { limit }), "INVALID_ARGUMENT");
    },
  );

  it("getUserSessions defaults to 50 and clamps to 200", async () => {
    const t = backend();
    await t.run(async (ctx) => {
      for (let i = 0; i < 205; i++) {
        await ctx.db.insert("videoCallSessions", {
          userId: "u",
          supportWorkerName: "W",
          sessionStatus: "ended",
          joinedAt: SEED.joined,
          createdAt: SEED.joined,
          updatedAt: SEED.joined,
        });
      }
    });
    expect(await t.query(vcs.getUserSessions, { userId: "u" })).toHaveLength(50);
    expect(await t.query(vcs.getUserSessions, { userId: "u", limit: 1000 })).toHaveLength(200);
    expect(await t.query(vcs.getUserSessions, { userId: "u", limit: 1 })).toHaveLength(1);
  });

  it("getSupportWorkerStats defaults to 20 and clamps to 100", async () => {
    const t = backend();
    await t.run(async (ctx) => {
      for (let i = 0; i < 105; i++) {
        await ctx.db.insert("workerStats", {
          supportWorkerId: `w${i}`,
          supportWorkerName: "W",
          totalSessions: i,
          completedSessions: 0,
          failedSessions: 0,
          totalDuration: 0,
          totalQualityIssues: 0,
        });
      }
    });
    expect(await t.query(vcs.getSupportWorkerStats, {})).toHaveLength(20);
    expect(await t.query(vcs.getSupportWorkerStats, { limit: 500 })).toHaveLength(100);
  });

  it("getSupportWorkerStats supportWorkerId takes at most 200", async () => {
    const t = backend();
    await expectCode(
      t.query(vcs.getSupportWorkerStats, { supportWorkerId: s(201) }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("timestamps", () => {
  it.each([
    ["2024-01-15T10:30:00Z", "2024-01-15T10:30:00.000Z"],
    ["2024-01-15T10:30:00.500Z", "2024-01-15T10:30:00.500Z"],
    ["2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"],
    ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"],
    ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
    ["2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"],
  ])("%s is stored as %s", async (occurredAt, stored) => {
    // At the end of time, so that no edge is in the future (D3 would clamp it to now).
    vi.setSystemTime(new Date("9999-12-31T23:59:59.999Z"));
    const t = backend();
    const id = await start(t, { occurredAt });
    expect((await getDoc(t, id))!.joinedAt).toBe(stored);
  });

  it.each([
    "2024-01-15T10:30:00",
    "2024-01-15T10:30:00+00:00",
    "2024-01-15 10:30:00Z",
    "2024-01-15T10:30:00.5Z",
    "2024-01-15T10:30:00.12345Z",
    "2024-1-15T10:30:00Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2024-04-31T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-15T24:00:00Z",
    "2024-01-15T10:60:00Z",
    "2024-01-15T10:30:60Z",
    "1969-12-31T23:59:59Z",
    "+010000-01-01T00:00:00Z",
    "2024-01-15t10:30:00z",
    "",
  ])("%j is INVALID_ARGUMENT", async (occurredAt) => {
    const t = backend();
    await expectCode(start(t, { occurredAt }), "INVALID_ARGUMENT");
  });
});

describe("argument validators", () => {
  it("an id of another table fails validation without a code", async () => {
    const t = backend();
    const appointmentId = await t.mutation(api.appointments.create, {
      userId: "u",
      supportWorkerName: "W",
    });
    await expectValidatorError(
      t.mutation(vcs.markConnected, { sessionId: appointmentId as never }),
    );
  });

  it("a wrongly typed argument fails validation without a code", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    await expectValidatorError(
      t.mutation(vcs.updateSessionSettings, { sessionId, cameraEnabled: "no" as never }),
    );
    await expectValidatorError(
      t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", extra: 1 } as never),
    );
  });
});

describe("echoed input in messages is capped", () => {
  it("a 1 MB occurredAt or op kind, or a 1000-character unknown arg name, gives a short message", async () => {
    const t = backend();
    const huge = "x".repeat(1_000_000);
    const e = (await rejection(
      t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", occurredAt: huge }),
    )) as ConvexError<{ code: string; message: string }>;
    expect(e.data.code).toBe("INVALID_ARGUMENT");
    expect(e.data.message.length).toBeLessThan(400);
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        { opId: "k", kind: huge, occurredAt: "2024-01-15T10:00:00Z", args: {} },
        { opId: "a", kind: "markConnected", occurredAt: "2024-01-15T10:00:00Z", args: { ["k".repeat(1000)]: 1 } },
        { opId: "t", kind: "markConnected", occurredAt: huge, args: { clientSessionId: "c" } },
      ],
    });
    for (const r of results) {
      expect(r.status).toBe("rejected");
      if (r.status === "rejected") expect(r.error.message.length).toBeLessThan(400);
    }
  });
});
