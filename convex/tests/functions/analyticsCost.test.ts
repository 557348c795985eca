/**
 * The analytics queries' cost does not grow with history (docs/contract.md
 * "Analytics": a query reads a bounded range of aggregate rows, never the sessions).
 *
 * Two histories, 10 and 10,000 sessions of one user spread over ~3 years and 150
 * workers, are written straight into the tables with `t.run`: the sessions and the
 * aggregate rows their ops would have left (tests/functions/analytics.test.ts pins
 * that the ops leave exactly those). Each query's reading code then runs with a `ctx.db` that counts
 * every document handed back; the counts must stay under ceilings that do not depend
 * on history (the range's bucket count, the 168 slots, `limit` workers with their
 * shards), and no query may touch `videoCallSessions` at all.
 */
import { describe, expect, test } from "vitest";
import type { Doc } from "../../functions/_generated/dataModel";
import type { QueryCtx } from "../../functions/_generated/server";
import { callVolume, durationTrend, issuesByHour, leaderboard, peakHours } from "../../functions/lib/analyticsQueries";
import { localBuckets } from "../../functions/lib/analytics";
import { WORKER_SHARDS } from "../../functions/lib/stats";
import { type Backend, backend } from "./helpers";

const WORKERS = 150;
const CHUNK = 2000;
const FIRST = Date.parse("2022-01-03T00:00:00Z");
/** 2 h 23 min: 10,000 sessions cover ~993 days and every weekday-hour slot. */
const STEP_MS = 143 * 60_000;

/**
 * `count` sessions of user "u", one every STEP_MS from FIRST, each ended with a
 * 300 s duration and one quality issue, and the aggregate rows the ops would have
 * left for them (summed here with lib/analytics.ts's buckets, then inserted: going
 * through 10,000 ops, or the per-op upserts, takes convex-test minutes).
 */
async function history(t: Backend, count: number): Promise<void> {
  const periods = new Map<string, { granularity: "day" | "week" | "month"; bucket: string; n: number }>();
  const slots = new Map<number, number>();
  const workers = new Map<string, number>();
  const sessions: Omit<Doc<"videoCallSessions">, "_id" | "_creationTime">[] = [];
  for (let i = 0; i < count; i++) {
    const joinedAt = new Date(FIRST + i * STEP_MS).toISOString();
    const utcOffsetMin = (i % 5) * 60 - 120;
    const b = localBuckets(Date.parse(joinedAt), utcOffsetMin);
    for (const granularity of ["day", "week", "month"] as const) {
      const key = `${granularity}:${b[granularity]}`;
      const row = periods.get(key) ?? { granularity, bucket: b[granularity], n: 0 };
      row.n += 1;
      periods.set(key, row);
    }
    slots.set(b.slot, (slots.get(b.slot) ?? 0) + 1);
    const worker = `w${i % WORKERS}`;
    workers.set(worker, (workers.get(worker) ?? 0) + 1);
    sessions.push({
      userId: "u",
      supportWorkerName: `Worker ${i % WORKERS}`,
      supportWorkerId: worker,
      sessionStatus: "ended" as const,
      joinedAt,
      createdAt: joinedAt,
      updatedAt: joinedAt,
      endedAt: joinedAt,
      utcOffsetMin,
      duration: 300,
      qualityIssues: ["echo"],
    });
  }
  for (let from = 0; from < sessions.length; from += CHUNK) {
    await t.run(async (ctx) => {
      for (const fields of sessions.slice(from, from + CHUNK)) await ctx.db.insert("videoCallSessions", fields);
    });
  }
  await t.run(async (ctx) => {
    for (const { granularity, bucket, n } of periods.values()) {
      await ctx.db.insert("userPeriodStats", {
        userId: "u",
        granularity,
        bucket,
        calls: n,
        completedSessions: n,
        failedSessions: 0,
        totalDuration: 300 * n,
        timedCalls: n,
      });
    }
    for (const [slot, n] of slots) await ctx.db.insert("userHourStats", { userId: "u", slot, calls: n, qualityIssues: n });
    for (const [supportWorkerId, n] of workers) {
      await ctx.db.insert("workerStats", {
        supportWorkerId,
        supportWorkerName: supportWorkerId,
        totalSessions: n,
        completedSessions: 0,
        failedSessions: 0,
        totalDuration: 0,
        totalQualityIssues: 0,
      });
      // Spread over every shard, as sessions with different ids are.
      for (let shard = 0; shard < Math.min(n, WORKER_SHARDS); shard++) {
        await ctx.db.insert("workerStatShards", {
          supportWorkerId,
          shard,
          completedSessions: 1,
          failedSessions: 0,
          totalDuration: 300,
          totalQualityIssues: 1,
          ratingSum: 4,
          ratingCount: 1,
        });
      }
    }
  });
}

type Reads = { documents: number; tables: Set<string> };

/** `ctx` whose `db` counts every document a query, `get` or iteration hands back. */
function counting(ctx: QueryCtx, reads: Reads): QueryCtx {
  const count = (value: unknown): unknown => {
    if (Array.isArray(value)) reads.documents += value.length;
    else if (value !== null && typeof value === "object" && "page" in value) {
      reads.documents += (value as { page: unknown[] }).page.length;
    } else if (value !== null && value !== undefined) reads.documents += 1;
    return value;
  };
  const chain = (target: object): object =>
    new Proxy(target, {
      get(obj, key) {
        if (key === Symbol.asyncIterator) throw new Error("an analytics query iterated a whole query");
        const member = Reflect.get(obj, key, obj) as unknown;
        if (typeof member !== "function") return member;
        return (...args: unknown[]) => {
          const out = (member as (...a: unknown[]) => unknown).apply(obj, args);
          if (out instanceof Promise) return out.then(count);
          return out !== null && typeof out === "object" ? chain(out) : out;
        };
      },
    });
  const db = new Proxy(ctx.db, {
    get(obj, key) {
      if (key === "query") {
        return (table: string) => {
          reads.tables.add(table);
          return chain(obj.query(table as never));
        };
      }
      if (key === "get") {
        return async (...args: unknown[]) => count(await (obj.get as (...a: unknown[]) => Promise<unknown>)(...args));
      }
      return Reflect.get(obj, key, obj) as unknown;
    },
  });
  return { ...ctx, db } as QueryCtx;
}

const QUERIES: Record<string, { ceiling: number; run: (ctx: QueryCtx) => Promise<unknown> }> = {
  "getCallVolume day, 366 days": {
    ceiling: 366,
    run: (ctx) => callVolume(ctx, "u", { granularity: "day", from: "2023-01-01", to: "2024-01-01" }),
  },
  "getCallVolume week, 3 years": {
    ceiling: 366,
    run: (ctx) => callVolume(ctx, "u", { granularity: "week", from: "2022-01-01", to: "2024-12-31" }),
  },
  "getDurationTrend month, 3 years": {
    ceiling: 366,
    run: (ctx) => durationTrend(ctx, "u", { granularity: "month", from: "2022-01-01", to: "2024-12-31" }),
  },
  "getDurationTrend day, 1 day": {
    ceiling: 1,
    run: (ctx) => durationTrend(ctx, "u", { granularity: "day", from: "2023-06-01", to: "2023-06-01" }),
  },
  getPeakHours: { ceiling: 168, run: (ctx) => peakHours(ctx, "u") },
  getIssuesByHour: { ceiling: 168, run: (ctx) => issuesByHour(ctx, "u") },
  "getSupportWorkerLeaderboard limit 10": {
    ceiling: 10 * (1 + WORKER_SHARDS),
    run: (ctx) => leaderboard(ctx, undefined),
  },
  "getSupportWorkerLeaderboard limit 100": {
    ceiling: 100 * (1 + WORKER_SHARDS),
    run: (ctx) => leaderboard(ctx, 100),
  },
};

async function measure(t: Backend): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, { run }] of Object.entries(QUERIES)) {
    const reads: Reads = { documents: 0, tables: new Set() };
    await t.run(async (ctx) => {
      await run(counting(ctx as unknown as QueryCtx, reads));
    });
    expect(reads.tables.has("videoCallSessions"), `${name} read sessions`).toBe(false);
    out[name] = reads.documents;
  }
  return out;
}

describe("analytics queries read a bounded number of documents", () => {
  test(
    "10 vs 10,000 sessions of history",
    async () => {
      const small = backend();
      await history(small, 10);
      const large = backend();
      await history(large, 10_000);
      const sessions = await large.run(async (ctx) => (await ctx.db.query("videoCallSessions").collect()).length);
      expect(sessions).toBe(10_000);
      const [few, many] = [await measure(small), await measure(large)];
      console.log("documents read per query (10 sessions → 10,000 sessions):");
      for (const [name, { ceiling }] of Object.entries(QUERIES)) {
        console.log(`  ${name}: ${few[name]} → ${many[name]} (ceiling ${ceiling})`);
        expect(many[name], name).toBeLessThanOrEqual(ceiling);
        expect(few[name], name).toBeLessThanOrEqual(ceiling);
      }
      // The large history fills every day, slot and leaderboard place the queries ask
      // for, so those counts are the ceilings themselves, not a lucky sparse history.
      expect(many["getCallVolume day, 366 days"]).toBe(366);
      expect(many["getPeakHours"]).toBe(168);
      expect(many["getIssuesByHour"]).toBe(168);
      expect(many["getSupportWorkerLeaderboard limit 100"]).toBe(100 * (1 + WORKER_SHARDS));
    },
    300_000,
  );
});
