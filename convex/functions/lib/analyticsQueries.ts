/**
 * The analytics queries' reading (docs/contract.md "Analytics"): each answer comes
 * from the aggregate rows of lib/analyticsStats.ts and lib/stats.ts through one
 * bounded index range, so its cost depends on what is asked, never on the history:
 * at most `LIMITS.analyticsBuckets` period rows for a range, the user's 168 slot rows
 * for the heat map and for issues by hour (the slots summed by hour), and `limit`
 * worker rows plus their shards for the leaderboard. The functions themselves are
 * declared in videoCallSessions.ts (their paths are `videoCallSessions:…`).
 */
import type { QueryCtx } from "../_generated/server";
import { bucketsBetween, coded, mean2, parseGranularity, round2 } from "./analytics";
import { PERIOD_ZERO, type PeriodCounters } from "./analyticsStats";
import { averageDuration, workerCounters } from "./stats";
import { LIMITS, checkLimit } from "./validate";

/** `protocol::analytics::VolumeBucket`. */
export type VolumeBucket = {
  bucket: string;
  calls: number;
  completedSessions: number;
  failedSessions: number;
};

/** `protocol::analytics::DurationBucket`. */
export type DurationBucket = {
  bucket: string;
  completedSessions: number;
  timedCalls: number;
  averageDuration: number | null;
};

/** `protocol::analytics::LeaderboardEntry`. */
export type LeaderboardEntry = {
  supportWorkerId: string;
  supportWorkerName: string;
  totalSessions: number;
  completedSessions: number;
  completionRate: number;
  averageDuration: number;
  averageRating: number | null;
  ratedSessions: number;
  issuesPerCall: number;
  averageRttMs: number | null;
  averagePacketLossPct: number | null;
};

export type RangeArgs = { granularity: string; from: string; to: string };

/** Every bucket of the range with its counters (zero-filled), oldest first. */
async function periodRows(
  ctx: QueryCtx,
  userId: string,
  args: RangeArgs,
): Promise<(PeriodCounters & { bucket: string })[]> {
  const granularity = coded(() => parseGranularity(args.granularity));
  const buckets = coded(() => bucketsBetween(granularity, args.from, args.to));
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  // One row per bucket at most, so the range read is capped at the bucket count.
  const rows = await ctx.db
    .query("userPeriodStats")
    .withIndex("by_user_granularity_bucket", (q) =>
      q.eq("userId", userId).eq("granularity", granularity).gte("bucket", first).lte("bucket", last),
    )
    .take(buckets.length);
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  return buckets.map((bucket) => {
    const row = byBucket.get(bucket) ?? PERIOD_ZERO;
    return {
      bucket,
      calls: row.calls,
      completedSessions: row.completedSessions,
      failedSessions: row.failedSessions,
      totalDuration: row.totalDuration,
      timedCalls: row.timedCalls,
    };
  });
}

export async function callVolume(ctx: QueryCtx, userId: string, args: RangeArgs): Promise<VolumeBucket[]> {
  return (await periodRows(ctx, userId, args)).map((r) => ({
    bucket: r.bucket,
    calls: r.calls,
    completedSessions: r.completedSessions,
    failedSessions: r.failedSessions,
  }));
}

export async function durationTrend(
  ctx: QueryCtx,
  userId: string,
  args: RangeArgs,
): Promise<DurationBucket[]> {
  return (await periodRows(ctx, userId, args)).map((r) => ({
    bucket: r.bucket,
    completedSessions: r.completedSessions,
    timedCalls: r.timedCalls,
    averageDuration: r.timedCalls === 0 ? null : Math.round(r.totalDuration / r.timedCalls),
  }));
}

const SLOTS = 7 * 24;

/** The user's slot rows (at most 168). */
async function slotRows(ctx: QueryCtx, userId: string) {
  return await ctx.db
    .query("userHourStats")
    .withIndex("by_user_slot", (q) => q.eq("userId", userId))
    .take(SLOTS);
}

/** 7 arrays (Monday first) of 24 numbers: calls started in that local weekday-hour. */
export async function peakHours(ctx: QueryCtx, userId: string): Promise<number[][]> {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const row of await slotRows(ctx, userId)) {
    grid[Math.floor(row.slot / 24)][row.slot % 24] += row.calls;
  }
  return grid;
}

/** 24 numbers: quality issues reported in that local hour, all weekdays summed. */
export async function issuesByHour(ctx: QueryCtx, userId: string): Promise<number[]> {
  const hours = Array<number>(24).fill(0);
  for (const row of await slotRows(ctx, userId)) hours[row.slot % 24] += row.qualityIssues;
  return hours;
}

/** Workers by totalSessions desc (ties: newest stats row first), `limit` of them. */
export async function leaderboard(ctx: QueryCtx, limitArg: number | undefined): Promise<LeaderboardEntry[]> {
  const limit = checkLimit("limit", limitArg, LIMITS.leaderboardDefault, LIMITS.leaderboard);
  const rows = await ctx.db.query("workerStats").withIndex("by_total").order("desc").take(limit);
  return await Promise.all(
    rows.map(async (row) => {
      const c = await workerCounters(ctx, row);
      const total = c.totalSessions;
      return {
        supportWorkerId: c.supportWorkerId,
        supportWorkerName: c.supportWorkerName,
        totalSessions: total,
        completedSessions: c.completedSessions,
        completionRate: total === 0 ? 0 : round2(c.completedSessions / total),
        averageDuration: averageDuration(c),
        averageRating: mean2(c.ratingSum, c.ratingCount),
        ratedSessions: c.ratingCount,
        issuesPerCall: total === 0 ? 0 : round2(c.totalQualityIssues / total),
        averageRttMs: mean2(c.rttSum, c.rttCount),
        averagePacketLossPct: mean2(c.lossSum, c.lossCount),
      };
    }),
  );
}
