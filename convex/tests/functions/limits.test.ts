/**
 * Convex's own limits, probed on purpose with convex-test's `transactionLimits` on
 * (16 MiB read and written per transaction, document counts): what a deployment
 * would refuse must be refused here first, with a code, and the loops that touch
 * many large documents (a 100-op batch, the daily sweep) must finish however large
 * those documents are. Text is CJK where bytes matter: three UTF-8 bytes per UTF-16
 * unit, so a limit counted in units holds three times the bytes of ASCII.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import { RETENTION_MS } from "../../functions/processedOps";
import { type Backend, backend, expectCode, getDoc, tableCount } from "./helpers";

const vcs = api.videoCallSessions;
const NOW = Date.parse("2024-02-01T00:00:00.000Z");
const CJK = "長";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { k: value } : [value];
  return value;
}

describe("metadata the database could not store is a coded refusal (D2)", () => {
  it("8 levels are stored, and every later op on that session still applies", async () => {
    const t = backend();
    const at = (s: number) => new Date(NOW - 60_000 + s * 1000).toISOString();
    const op = (opId: string, kind: string, s: number, args: object) => ({ opId, kind, occurredAt: at(s), args });
    const ref = { clientSessionId: "deep" };
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        op("1", "startSession", 0, { supportWorkerName: "W", clientSessionId: "deep", metadata: nested(8) }),
        op("2", "markConnected", 1, ref),
        op("3", "updateSessionSettings", 2, { ...ref, micEnabled: false }),
        op("4", "reportQualityIssue", 3, { ...ref, issue: "echo" }),
        op("5", "endSession", 4, ref),
      ],
    });
    expect(results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied", "applied"]);
    // convex-test does not enforce Convex's document depth limit (16); check it here,
    // over every document the ops wrote.
    const depthOf = (v: unknown): number =>
      typeof v !== "object" || v === null || v instanceof ArrayBuffer
        ? 0
        : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(depthOf));
    const tables = ["videoCallSessions", "processedOps", "userStats", "workerStats", "workerStatShards"] as const;
    for (const table of tables) {
      const docs = await t.run(async (ctx) => await ctx.db.query(table).collect());
      for (const doc of docs) expect(depthOf(doc)).toBeLessThanOrEqual(16);
    }
  });

  it("9 levels, single mutation: INVALID_ARGUMENT, nothing stored", async () => {
    const t = backend();
    await expectCode(
      t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", metadata: nested(9) }),
      "INVALID_ARGUMENT",
    );
    expect(await tableCount(t, "videoCallSessions")).toBe(0);
  });

  it("bytes are refused, however small and wherever they sit (JSON.stringify counts them as {})", async () => {
    const t = backend();
    for (const metadata of [new ArrayBuffer(900_000), { a: [new ArrayBuffer(1)] }, new ArrayBuffer(0)]) {
      await expectCode(
        t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W", metadata }),
        "INVALID_ARGUMENT",
      );
    }
    const { results } = await t.mutation(vcs.applyBatch, {
      userId: "u",
      ops: [
        { opId: "b", kind: "startSession", occurredAt: new Date(NOW).toISOString(), args: { supportWorkerName: "W", metadata: { blob: new ArrayBuffer(900_000) } } },
        { opId: "ok", kind: "startSession", occurredAt: new Date(NOW).toISOString(), args: { supportWorkerName: "W" } },
      ],
    });
    expect(results[0]).toMatchObject({ opId: "b", status: "rejected", error: { code: "INVALID_ARGUMENT" } });
    expect(results[1]).toMatchObject({ opId: "ok", status: "applied" });
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
  });
});

/** A session at every limit at once, in CJK: ≈ 90 KB of UTF-8. */
async function maximalSession(t: Backend, n: number): Promise<Id<"videoCallSessions">> {
  const time = new Date(NOW - 3_600_000).toISOString();
  return await t.run(async (ctx) =>
    ctx.db.insert("videoCallSessions", {
      userId: "u",
      supportWorkerName: CJK.repeat(200),
      supportWorkerId: `w${n}`,
      sessionStatus: "connected",
      joinedAt: time,
      connectedAt: time,
      createdAt: time,
      updatedAt: time,
      audioOption: CJK.repeat(50),
      cameraEnabled: true,
      micEnabled: true,
      qualityIssues: Array.from({ length: 49 }, () => CJK.repeat(500)),
      metadata: { k: CJK.repeat(4088) },
      clientSessionId: `max-${n}`,
    }),
  );
}

describe("a 100-op batch over maximum-size sessions", () => {
  it("never exceeds the transaction limits: it answers a prefix, the client resends the rest, each op applies once", async () => {
    const t = backend();
    const sessions = [await maximalSession(t, 0), await maximalSession(t, 1), await maximalSession(t, 2)];
    const ops = Array.from({ length: 100 }, (_, i) => ({
      opId: `set-${i}`,
      kind: "updateSessionSettings",
      occurredAt: new Date(NOW - 1000 + i).toISOString(),
      args: { sessionId: sessions[i % 3], micEnabled: i % 2 === 0, audioOption: CJK.repeat(50) },
    }));
    let pending = ops;
    const rounds: number[] = [];
    while (pending.length > 0 && rounds.length < 20) {
      const { results } = await t.mutation(vcs.applyBatch, { userId: "u", ops: pending });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(r.status).toBe("applied");
      rounds.push(results.length);
      pending = pending.slice(results.length);
    }
    expect(pending).toEqual([]);
    expect(rounds.reduce((a, b) => a + b, 0)).toBe(100);
    // One transaction could not hold all 100 ops on sessions this large.
    expect(rounds.length).toBeGreaterThan(1);
    console.info(`100 settings ops over 3 maximal CJK sessions: answered per round ${rounds.join(", ")}`);
    expect((await getDoc(t, sessions[0]))!.micEnabled).toBe(false);
    expect(await tableCount(t, "processedOps")).toBe(100);
  });
});

describe("the sweep over a large processedOps table", () => {
  it("finishes over 600 legacy records carrying ≈ 40 KB session copies each (≈ 24 MB, past the 16 MiB read limit)", async () => {
    const t = backend();
    const fields = {
      userId: "u",
      supportWorkerName: "W",
      sessionStatus: "connected" as const,
      metadata: { k: CJK.repeat(4088) },
      qualityIssues: Array.from({ length: 18 }, () => CJK.repeat(500)),
    };
    for (let batch = 0; batch < 6; batch++) {
      await t.run(async (ctx) => {
        const sessionId = await ctx.db.insert("videoCallSessions", {
          ...fields,
          joinedAt: "2024-01-01T00:00:00.000Z",
          createdAt: "2024-01-01T00:00:00.000Z",
          updatedAt: "2024-01-01T00:00:00.000Z",
        });
        for (let i = 0; i < 100; i++) {
          await ctx.db.insert("processedOps", {
            opId: `old-${batch}-${i}`,
            userId: "u",
            kind: "reportQualityIssue",
            result: { session: { sessionId, creationTime: 0, fields } },
            processedAt: NOW - RETENTION_MS - 1000 - i,
          });
        }
      });
    }
    await t.run(async (ctx) => {
      await ctx.db.insert("processedOps", {
        opId: "fresh",
        userId: "u",
        kind: "startSession",
        result: { rejected: { code: "NOT_FOUND", message: "" } },
        processedAt: NOW,
      });
    });
    const first = await t.mutation(internal.processedOps.sweep, {});
    expect(first.more).toBe(true);
    expect(first.deleted).toBeLessThan(500);
    console.info(`sweep of 600 legacy ≈ 40 KB records: first transaction deleted ${first.deleted}`);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const left = await t.run(async (ctx) => (await ctx.db.query("processedOps").collect()).map((r) => r.opId));
    expect(left).toEqual(["fresh"]);
  });
});
