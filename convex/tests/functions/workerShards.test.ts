/**
 * A busy support worker's counters do not live on one row: every op but a session's
 * start writes one of the worker's WORKER_SHARDS shard rows, chosen by session id,
 * and the query sums them. On a deployment that keeps concurrent batches for
 * different sessions of one worker from writing the same document (Convex's
 * optimistic concurrency would retry all but one of them); here the totals are
 * checked under concurrent batches and the spread of writes is measured.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../functions/_generated/api";
import { WORKER_SHARDS, shardOf } from "../../functions/lib/stats";
import { backend } from "./helpers";

const vcs = api.videoCallSessions;

/** One user's whole session with worker w1, as one batch: start, connect, issue, end. */
function sessionBatch(n: number) {
  const base = Date.parse("2024-01-15T10:00:00.000Z") + n * 1000;
  const at = (s: number) => new Date(base + s * 1000).toISOString();
  const ref = { clientSessionId: `c${n}` };
  return {
    userId: `user${n}`,
    ops: [
      { opId: `${n}-1`, kind: "startSession", occurredAt: at(0), args: { supportWorkerName: "Dr. Busy", supportWorkerId: "w1", ...ref } },
      { opId: `${n}-2`, kind: "markConnected", occurredAt: at(1), args: ref },
      { opId: `${n}-3`, kind: "reportQualityIssue", occurredAt: at(2), args: { ...ref, issue: "echo" } },
      n % 4 === 0
        ? { opId: `${n}-4`, kind: "markFailed", occurredAt: at(5), args: ref }
        : { opId: `${n}-4`, kind: "endSession", occurredAt: at(11), args: ref },
    ],
  };
}

describe("workerStats shards", () => {
  it("the shard of a session is stable and within range", () => {
    for (const id of ["a", "k57abc", "x".repeat(40)]) {
      expect(shardOf(id)).toBe(shardOf(id));
      expect(shardOf(id)).toBeGreaterThanOrEqual(0);
      expect(shardOf(id)).toBeLessThan(WORKER_SHARDS);
    }
  });

  it("concurrent batches for one worker add up exactly", async () => {
    const t = backend();
    const n = 40;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => t.mutation(vcs.applyBatch, sessionBatch(i))),
    );
    for (const { results } of replies) expect(results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied"]);
    const failed = Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 === 0).length;
    expect(await t.withIdentity({ subject: "reader" }).query(vcs.getSupportWorkerStats, { supportWorkerId: "w1" })).toEqual([
      {
        supportWorkerId: "w1",
        supportWorkerName: "Dr. Busy",
        totalSessions: n,
        completedSessions: n - failed,
        failedSessions: failed,
        totalDuration: 10 * (n - failed),
        averageDuration: Math.round((10 * (n - failed)) / n),
        totalQualityIssues: n,
        failureRate: failed / n,
      },
    ]);
    expect((await t.query(vcs.getSupportWorkerStats, {}))[0]).toMatchObject({ totalSessions: n, totalQualityIssues: n });
  });

  it("spreads a worker's sessions over several shard rows; its own row is written by starts only", async () => {
    const t = backend();
    for (let i = 0; i < 16; i++) await t.mutation(vcs.applyBatch, sessionBatch(i));
    const shards = await t.run(async (ctx) => await ctx.db.query("workerStatShards").collect());
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.length).toBeLessThanOrEqual(WORKER_SHARDS);
    const main = await t.run(async (ctx) => await ctx.db.query("workerStats").collect());
    expect(main).toHaveLength(1);
    expect(main[0]).toMatchObject({ totalSessions: 16, completedSessions: 0, totalQualityIssues: 0 });
  });
});
