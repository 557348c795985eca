/**
 * Running aggregates per user and per support worker.
 *
 * Each lifecycle mutation adds its delta here in the same transaction as the session
 * change, so the counters always equal what a full scan would compute, while reading
 * them costs one index lookup (a scan would hit Convex's 32,000-document limit on a
 * long history). Worker rows exist only for sessions with a `supportWorkerId` and
 * carry the name of the worker's most recently started session.
 *
 * Issue #13 adds three user counters (`totalReconnects`, `ratingSum`,
 * `ratingCount`). They are optional in the schema — rows written before them lack
 * them — and read as 0 when absent. Worker rows keep the seed's five counters.
 *
 * Analytics (issue #13 item 5) gives workers the leaderboard's sums (`ratingSum`,
 * `ratingCount`, `rttSum`, `rttCount`, `lossSum`, `lossCount`), kept in the shard
 * rows (optional, read as 0): a rating and a network report are busy ops like any.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

export type Counters = {
  totalSessions: number;
  completedSessions: number;
  failedSessions: number;
  totalDuration: number;
  totalQualityIssues: number;
};

/** A user's counters: the seed's five and those of issue #13. */
export type UserCounters = Counters & {
  totalReconnects: number;
  ratingSum: number;
  ratingCount: number;
};

export const ZERO: Counters = {
  totalSessions: 0,
  completedSessions: 0,
  failedSessions: 0,
  totalDuration: 0,
  totalQualityIssues: 0,
};

const USER_ZERO: UserCounters = { ...ZERO, totalReconnects: 0, ratingSum: 0, ratingCount: 0 };

/** The leaderboard's worker sums (analytics), on the shard rows. */
export type WorkerSums = {
  ratingSum: number;
  ratingCount: number;
  rttSum: number;
  rttCount: number;
  lossSum: number;
  lossCount: number;
};

const SUMS_ZERO: WorkerSums = {
  ratingSum: 0,
  ratingCount: 0,
  rttSum: 0,
  rttCount: 0,
  lossSum: 0,
  lossCount: 0,
};

const SUM_KEYS = Object.keys(SUMS_ZERO) as (keyof WorkerSums)[];

/** `base` (whose sums may be absent) plus `delta`, every sum present. */
function addSums(base: Partial<WorkerSums>, delta: Partial<WorkerSums>): WorkerSums {
  const out = { ...SUMS_ZERO };
  for (const key of SUM_KEYS) out[key] = (base[key] ?? 0) + (delta[key] ?? 0);
  return out;
}

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

/** `base` (a row, whose issue-#13 counters may be absent) plus `delta`. */
function addUser(base: Counters & Partial<UserCounters>, delta: Partial<UserCounters>): UserCounters {
  return {
    ...add(base, delta),
    totalReconnects: (base.totalReconnects ?? 0) + (delta.totalReconnects ?? 0),
    ratingSum: (base.ratingSum ?? 0) + (delta.ratingSum ?? 0),
    ratingCount: (base.ratingCount ?? 0) + (delta.ratingCount ?? 0),
  };
}

function counters(row: Counters): Counters {
  return add(ZERO, row);
}

/** How many rows a worker's busy counters are spread over. */
export const WORKER_SHARDS = 8;

/** The shard of a session: FNV-1a of its id, so all ops of one session share a row. */
export function shardOf(sessionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % WORKER_SHARDS;
}

type ShardCounters = Omit<Counters, "totalSessions">;

/**
 * Adds `delta` to the session's user row and, if it has a worker, to the worker's
 * counters: `totalSessions` (a new session) on the worker's own row, which also takes
 * the session's worker name and orders the ranking; every other counter on the
 * session's shard row. A worker's main row is thus written once per session, not
 * by every op of every session — Convex runs concurrent transactions optimistically
 * and retries one that read a row another wrote, so one row per busy worker would
 * serialise (and retry) every batch of every session with that worker.
 */
export async function bumpStats(
  ctx: MutationCtx,
  session: SessionKeys & { _id?: Id<"videoCallSessions"> },
  delta: Partial<UserCounters> & Partial<WorkerSums>,
): Promise<void> {
  const { rttSum: _rs, rttCount: _rc, lossSum: _ls, lossCount: _lc, ...userDelta } = delta;
  if (Object.values(userDelta).some((n) => n !== undefined && n !== 0)) {
    await bumpUser(ctx, session.userId, userDelta);
  }
  await bumpWorker(ctx, session, delta);
}

async function bumpUser(ctx: MutationCtx, userId: string, delta: Partial<UserCounters>): Promise<void> {
  const user = await ctx.db
    .query("userStats")
    .withIndex("by_user", (q) => q.eq("userId", userId))
    .unique();
  if (user === null) {
    await ctx.db.insert("userStats", { userId, ...addUser(USER_ZERO, delta) });
  } else {
    await ctx.db.patch("userStats", user._id, addUser(user, delta));
  }
}

async function bumpWorker(
  ctx: MutationCtx,
  session: SessionKeys & { _id?: Id<"videoCallSessions"> },
  delta: Partial<UserCounters> & Partial<WorkerSums>,
): Promise<void> {
  const workerId = session.supportWorkerId;
  if (workerId === undefined) return;
  // Workers keep the seed's counters and the leaderboard's sums, not reconnects.
  const { totalSessions, totalReconnects: _r, ...busy } = delta;
  if (totalSessions !== undefined) {
    const worker = await ctx.db
      .query("workerStats")
      .withIndex("by_worker", (q) => q.eq("supportWorkerId", workerId))
      .unique();
    const supportWorkerName = session.supportWorkerName;
    if (worker === null) {
      await ctx.db.insert("workerStats", {
        supportWorkerId: workerId,
        supportWorkerName,
        ...add(ZERO, { totalSessions }),
      });
    } else {
      await ctx.db.patch("workerStats", worker._id, {
        supportWorkerName,
        totalSessions: worker.totalSessions + totalSessions,
      });
    }
  }
  if (Object.values(busy).every((n) => n === undefined || n === 0)) return;
  if (session._id === undefined) throw new Error("a shard update needs the session's id");
  const shard = shardOf(session._id);
  const row = await ctx.db
    .query("workerStatShards")
    .withIndex("by_worker_shard", (q) => q.eq("supportWorkerId", workerId).eq("shard", shard))
    .unique();
  const next = (base: ShardCounters & Partial<WorkerSums>): ShardCounters & WorkerSums => {
    const { totalSessions: _, ...summed } = add({ ...base, totalSessions: 0 }, busy);
    return { ...summed, ...addSums(base, busy) };
  };
  if (row === null) {
    await ctx.db.insert("workerStatShards", { supportWorkerId: workerId, shard, ...next(ZERO) });
  } else {
    await ctx.db.patch("workerStatShards", row._id, next(row));
  }
}

/** A worker's counters: its own row plus its shard rows (at most WORKER_SHARDS). */
export async function workerCounters(
  ctx: QueryCtx,
  row: Doc<"workerStats">,
): Promise<Doc<"workerStats"> & WorkerSums> {
  const shards = await ctx.db
    .query("workerStatShards")
    .withIndex("by_worker_shard", (q) => q.eq("supportWorkerId", row.supportWorkerId))
    .take(WORKER_SHARDS);
  return shards.reduce(
    (sum, shard) => ({ ...sum, ...add(sum, { ...shard, totalSessions: 0 }), ...addSums(sum, shard) }),
    { ...row, ...SUMS_ZERO },
  );
}

export function averageDuration(c: Counters): number {
  return c.totalSessions === 0 ? 0 : Math.round(c.totalDuration / c.totalSessions);
}

/** The seed's stats shape, shared by users and workers. */
export type BaseStats = Counters & { averageDuration: number };

function baseStats(row: Counters | null): BaseStats {
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

/**
 * The mean rating rounded half up to two decimals, null while nothing is rated
 * (`protocol::wire::average_rating`).
 */
export function averageRating(sum: number, count: number): number | null {
  return count > 0 ? Math.round((sum / count) * 100) / 100 : null;
}

/** `getCallStats`' reply (`protocol::wire::CallStats`). */
export type CallStats = BaseStats & { totalReconnects: number; averageRating: number | null };

export function callStats(row: (Counters & Partial<UserCounters>) | null): CallStats {
  const c = addUser(row ?? USER_ZERO, {});
  return {
    ...baseStats(c),
    totalReconnects: c.totalReconnects,
    averageRating: averageRating(c.ratingSum, c.ratingCount),
  };
}

export type WorkerStats = BaseStats & {
  supportWorkerId: string;
  supportWorkerName: string;
  failureRate: number;
};

export function workerStats(row: Doc<"workerStats">): WorkerStats {
  const c = baseStats(row);
  return {
    supportWorkerId: row.supportWorkerId,
    supportWorkerName: row.supportWorkerName,
    ...c,
    failureRate: c.totalSessions === 0 ? 0 : c.failedSessions / c.totalSessions,
  };
}
