/**
 * Running aggregates per user and per support worker.
 *
 * Each lifecycle mutation adds its delta here in the same transaction as the session
 * change, so the counters always equal what a full scan would compute, while reading
 * them costs one index lookup (a scan would hit Convex's 32,000-document limit on a
 * long history). Worker rows exist only for sessions with a `supportWorkerId` and
 * carry the name of the session that last touched them.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

export type Counters = {
  totalSessions: number;
  completedSessions: number;
  failedSessions: number;
  totalDuration: number;
  totalQualityIssues: number;
};

export const ZERO: Counters = {
  totalSessions: 0,
  completedSessions: 0,
  failedSessions: 0,
  totalDuration: 0,
  totalQualityIssues: 0,
};

type SessionKeys = Pick<
  Doc<"videoCallSessions">,
  "userId" | "supportWorkerId" | "supportWorkerName"
>;

function add(base: Counters, delta: Partial<Counters>): Counters {
  return {
    totalSessions: base.totalSessions + (delta.totalSessions ?? 0),
    completedSessions: base.completedSessions + (delta.completedSessions ?? 0),
    failedSessions: base.failedSessions + (delta.failedSessions ?? 0),
    totalDuration: base.totalDuration + (delta.totalDuration ?? 0),
    totalQualityIssues: base.totalQualityIssues + (delta.totalQualityIssues ?? 0),
  };
}

function counters(row: Counters): Counters {
  return add(ZERO, row);
}

/** Adds `delta` to the session's user row and, if it has one, its worker row. */
export async function bumpStats(
  ctx: MutationCtx,
  session: SessionKeys,
  delta: Partial<Counters>,
): Promise<void> {
  const user = await ctx.db
    .query("userStats")
    .withIndex("by_user", (q) => q.eq("userId", session.userId))
    .unique();
  if (user === null) {
    await ctx.db.insert("userStats", { userId: session.userId, ...add(ZERO, delta) });
  } else {
    await ctx.db.patch(user._id, add(counters(user), delta));
  }

  const workerId = session.supportWorkerId;
  if (workerId === undefined) return;
  const worker = await ctx.db
    .query("workerStats")
    .withIndex("by_worker", (q) => q.eq("supportWorkerId", workerId))
    .unique();
  const supportWorkerName = session.supportWorkerName;
  if (worker === null) {
    await ctx.db.insert("workerStats", {
      supportWorkerId: workerId,
      supportWorkerName,
      ...add(ZERO, delta),
    });
  } else {
    await ctx.db.patch(worker._id, { supportWorkerName, ...add(counters(worker), delta) });
  }
}

export function averageDuration(c: Counters): number {
  return c.totalSessions === 0 ? 0 : Math.round(c.totalDuration / c.totalSessions);
}

export type CallStats = Counters & { averageDuration: number };

export function callStats(row: Counters | null): CallStats {
  const c = row === null ? ZERO : counters(row);
  return {
    totalSessions: c.totalSessions,
    completedSessions: c.completedSessions,
    failedSessions: c.failedSessions,
    totalDuration: c.totalDuration,
    averageDuration: averageDuration(c),
    totalQualityIssues: c.totalQualityIssues,
  };
}

export type WorkerStats = CallStats & {
  supportWorkerId: string;
  supportWorkerName: string;
  failureRate: number;
};

export function workerStats(row: Doc<"workerStats">): WorkerStats {
  const c = callStats(row);
  return {
    supportWorkerId: row.supportWorkerId,
    supportWorkerName: row.supportWorkerName,
    ...c,
    failureRate: c.totalSessions === 0 ? 0 : c.failedSessions / c.totalSessions,
  };
}
