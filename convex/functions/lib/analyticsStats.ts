/**
 * The analytics aggregates (docs/contract.md "Analytics", the effect table): one
 * `userPeriodStats` row per user, granularity and local bucket, one `userHourStats`
 * row per user and weekday-hour slot, each bumped in the transaction of the op it
 * counts, so the analytics queries read a bounded range of rows and never the
 * session history.
 *
 * A session's outcomes are counted in its **call buckets**, those of its `joinedAt`
 * at its `utcOffsetMin` (a call from 23:50 to 00:20 is one completed call of the
 * first day). A session without `utcOffsetMin` was started before analytics existed:
 * its buckets are unknown, so nothing here touches a row for it, and a bucket never
 * shows more completed calls than calls. (Worker counters are lib/stats.ts's and
 * count every session.)
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { GRANULARITIES, localBuckets } from "./analytics";

export type PeriodCounters = {
  calls: number;
  completedSessions: number;
  failedSessions: number;
  totalDuration: number;
  timedCalls: number;
};

export const PERIOD_ZERO: PeriodCounters = {
  calls: 0,
  completedSessions: 0,
  failedSessions: 0,
  totalDuration: 0,
  timedCalls: 0,
};

type CallKeys = Pick<Doc<"videoCallSessions">, "userId" | "joinedAt" | "utcOffsetMin">;

/** Adds `delta` to the session's day, week and month rows (created at 0 when missing). */
export async function bumpPeriods(
  ctx: MutationCtx,
  session: CallKeys,
  delta: Partial<PeriodCounters>,
): Promise<void> {
  if (session.utcOffsetMin === undefined) return;
  const buckets = localBuckets(Date.parse(session.joinedAt), session.utcOffsetMin);
  for (const granularity of GRANULARITIES) {
    const bucket = buckets[granularity];
    const row = await ctx.db
      .query("userPeriodStats")
      .withIndex("by_user_granularity_bucket", (q) =>
        q.eq("userId", session.userId).eq("granularity", granularity).eq("bucket", bucket),
      )
      .unique();
    const base = row ?? PERIOD_ZERO;
    const next: PeriodCounters = {
      calls: base.calls + (delta.calls ?? 0),
      completedSessions: base.completedSessions + (delta.completedSessions ?? 0),
      failedSessions: base.failedSessions + (delta.failedSessions ?? 0),
      totalDuration: base.totalDuration + (delta.totalDuration ?? 0),
      timedCalls: base.timedCalls + (delta.timedCalls ?? 0),
    };
    if (row === null) {
      await ctx.db.insert("userPeriodStats", { userId: session.userId, granularity, bucket, ...next });
    } else {
      await ctx.db.patch("userPeriodStats", row._id, next);
    }
  }
}

/**
 * Adds `delta` to the weekday-hour slot of the instant `t` at `utcOffsetMin` (the
 * session's call slot for a start; the issue's own slot for a quality report).
 */
export async function bumpSlot(
  ctx: MutationCtx,
  userId: string,
  t: string,
  utcOffsetMin: number,
  delta: { calls?: number; qualityIssues?: number },
): Promise<void> {
  const { slot } = localBuckets(Date.parse(t), utcOffsetMin);
  const row = await ctx.db
    .query("userHourStats")
    .withIndex("by_user_slot", (q) => q.eq("userId", userId).eq("slot", slot))
    .unique();
  const calls = (row?.calls ?? 0) + (delta.calls ?? 0);
  const qualityIssues = (row?.qualityIssues ?? 0) + (delta.qualityIssues ?? 0);
  if (row === null) {
    await ctx.db.insert("userHourStats", { userId, slot, calls, qualityIssues });
  } else {
    await ctx.db.patch("userHourStats", row._id, { calls, qualityIssues });
  }
}

/** A new session: one call in its day, week and month rows and in its slot. */
export async function countStart(ctx: MutationCtx, session: CallKeys): Promise<void> {
  if (session.utcOffsetMin === undefined) return;
  await bumpPeriods(ctx, session, { calls: 1 });
  await bumpSlot(ctx, session.userId, session.joinedAt, session.utcOffsetMin, { calls: 1 });
}

/**
 * A quality issue at `t`: counted in the slot of `t` at the op's offset, else at the
 * session's; a pre-analytics session counts nowhere.
 */
export async function countIssue(
  ctx: MutationCtx,
  session: CallKeys,
  t: string,
  opOffset: number | undefined,
): Promise<void> {
  if (session.utcOffsetMin === undefined) return;
  await bumpSlot(ctx, session.userId, t, opOffset ?? session.utcOffsetMin, { qualityIssues: 1 });
}
