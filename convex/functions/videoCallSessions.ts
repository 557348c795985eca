/**
 * The public functions of docs/contract.md, module `videoCallSessions`.
 *
 * Each function declares its argument validators, works out the caller, and hands
 * over to `lib/` (lifecycle, dedupe, batch, stats), so this file reads as the
 * contract's tables. Readings of points the contract leaves open (the Rust server in
 * `server/` makes the same choices):
 * - Order of checks in a mutation: caller (userId vs identity) → opId length → opId
 *   replay → occurredAt → argument limits → session lookup (NOT_FOUND) → ownership
 *   (FORBIDDEN) → transition (INVALID_TRANSITION).
 * - A replayed opId answers from the stored session, shaped for the function called
 *   now (id for startSession/markConnected, document otherwise, `{sessionId,
 *   sessionStatus, duration?}` in a batch); a batch rejection replayed through a
 *   single mutation throws its stored error; an opId recorded for another user is
 *   FORBIDDEN (in a batch: a rejected op, not recorded again).
 * - A successful op records its opId even when it changed nothing (startSession with
 *   a known clientSessionId).
 * - A worker's `supportWorkerName` is that of its most recently started session;
 *   its counters are its `workerStats` row plus its `workerStatShards` rows.
 * - In a batch, an op id outside 1–100 characters, more than 100 ops, a bad `sentAt`
 *   or `userId` refuse the whole batch; anything else about one op (unknown kind,
 *   unknown or ill-typed arg, bad `occurredAt`, a shifted time outside 1970–9999)
 *   rejects that op only. Op args may not contain `userId`, `opId`, `occurredAt`.
 * - Timestamps take exactly three fraction digits or none; "white space only" is
 *   JS `trim()`; `limit` must be a finite integer (Infinity is rejected).
 * - Anonymous startSession: the `userId` argument is the user for the opId and
 *   clientSessionId owner checks; other anonymous single mutations check neither.
 * - endSession on a linked appointment that no longer exists ends the session anyway.
 * - getSession returns null (not NOT_FOUND) for an unknown session;
 *   getUserSessionsPage applies the getUserSessions `limit` rule to `numItems`
 *   (integer ≥ 1, clamped to 200) and returns Convex's whole PaginationResult
 *   (`{page, isDone, continueCursor, splitCursor, pageStatus}`), honouring `endCursor`.
 * - getSupportWorkerStats: `failureRate` is 0 for a worker with no sessions; anyone
 *   may read it. appointments:create takes `opId`/`occurredAt` like every mutation;
 *   appointments:get refuses another signed-in user's appointment (FORBIDDEN).
 * - Issue #13 (reconnection, screen sharing, ratings): `rating` is `v.number()`, so a
 *   string is a validator error on the single mutation and INVALID_ARGUMENT in a
 *   batch, like every other ill-typed argument; NaN, fractions and values outside
 *   1–5 are INVALID_ARGUMENT on both paths. A second rating is INVALID_TRANSITION,
 *   checked after the status. Worker stats keep the seed's shape: ratings and
 *   reconnects count for the user only.
 * - reportNetworkStats (issue #13 item 2): each metric's validator is "a number or
 *   an object with the summary's keys" (typed for apps); within that, whole counts,
 *   ranges and the summary invariants are lib/network.ts's INVALID_ARGUMENT, in
 *   `protocol/src/network.rs`'s order. In a batch a metric of another type (a
 *   string, an array, null, a summary missing a key or with an unknown one) is
 *   INVALID_ARGUMENT as well. A report changes no user counter. Refusal messages are
 *   `<metric> <network.rs's reason>`.
 * - Abandoned sessions (issue #13 item 1): the sweep is `abandonedSessions.sweep`
 *   (internal, cron every 15 minutes); a timed-out session is restored by a late op
 *   only when that op applies (lib/lifecycle.ts).
 * - Analytics (issue #13 item 5): `utcOffsetMin` on startSession and
 *   reportQualityIssue is `v.optional(v.number())`; a fraction, NaN or a value
 *   outside ±840 is INVALID_ARGUMENT among the argument limits (in a batch too).
 *   The five analytics queries resolve the user as getCallStats does (the
 *   leaderboard, like getSupportWorkerStats, is open to any signed-in caller), then
 *   validate `granularity`, `from`, `to` (INVALID_ARGUMENT naming them), and read
 *   only aggregate rows (lib/analyticsQueries.ts). A network report now adds its RTT
 *   and loss sums and counts to the worker's counters.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { type BatchResult, applyBatch as runBatch } from "./lib/batch";
import {
  type DurationBucket,
  type LeaderboardEntry,
  type VolumeBucket,
  callVolume,
  durationTrend,
  issuesByHour,
  leaderboard,
  peakHours,
} from "./lib/analyticsQueries";
import { assertOwner, caller, signedInUser } from "./lib/identity";
import type { Session } from "./lib/ops";
import { findSession } from "./lib/sessionRef";
import { runSingle } from "./lib/single";
import { metricArgs } from "./schema";
import {
  type CallStats,
  type WorkerStats,
  callStats,
  workerCounters,
  workerStats,
} from "./lib/stats";
import { LIMITS, checkLimit, checkOptional } from "./lib/validate";

const common = { opId: v.optional(v.string()), occurredAt: v.optional(v.string()) };
const ref = {
  sessionId: v.optional(v.id("videoCallSessions")),
  clientSessionId: v.optional(v.string()),
};

export const startSession = mutation({
  args: {
    ...common,
    userId: v.optional(v.string()),
    supportWorkerName: v.string(),
    supportWorkerId: v.optional(v.string()),
    appointmentId: v.optional(v.id("appointments")),
    audioOption: v.optional(v.string()),
    clientSessionId: v.optional(v.string()),
    metadata: v.optional(v.any()),
    utcOffsetMin: v.optional(v.number()),
  },
  handler: async (ctx, { opId, occurredAt, userId, ...rest }): Promise<Id<"videoCallSessions">> => {
    const user = await caller(ctx, userId);
    const op = { kind: "startSession" as const, args: { ...rest, userId: user } };
    return (await runSingle(ctx, op, { opId, occurredAt }, user, user))._id;
  },
});

export const markConnected = mutation({
  args: { ...common, ...ref },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Id<"videoCallSessions">> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "markConnected" as const, args };
    return (await runSingle(ctx, op, { opId, occurredAt }, subject, subject))._id;
  },
});

export const endSession = mutation({
  args: { ...common, ...ref, endReason: v.optional(v.string()) },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    return await runSingle(
      ctx,
      { kind: "endSession", args },
      { opId, occurredAt },
      subject,
      subject,
    );
  },
});

export const updateSessionSettings = mutation({
  args: {
    ...common,
    ...ref,
    cameraEnabled: v.optional(v.boolean()),
    micEnabled: v.optional(v.boolean()),
    audioOption: v.optional(v.string()),
  },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "updateSessionSettings" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const reportQualityIssue = mutation({
  args: { ...common, ...ref, issue: v.string(), utcOffsetMin: v.optional(v.number()) },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "reportQualityIssue" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const markFailed = mutation({
  args: { ...common, ...ref, reason: v.optional(v.string()) },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    return await runSingle(
      ctx,
      { kind: "markFailed", args },
      { opId, occurredAt },
      subject,
      subject,
    );
  },
});

export const markReconnecting = mutation({
  args: { ...common, ...ref },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "markReconnecting" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const markReconnected = mutation({
  args: { ...common, ...ref },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "markReconnected" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const markScreenShare = mutation({
  args: { ...common, ...ref, active: v.boolean() },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "markScreenShare" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const rateSession = mutation({
  args: { ...common, ...ref, rating: v.number(), comment: v.optional(v.string()) },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "rateSession" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const reportNetworkStats = mutation({
  args: { ...common, ...ref, ...metricArgs },
  handler: async (ctx, { opId, occurredAt, ...args }): Promise<Session> => {
    const subject = await signedInUser(ctx);
    const op = { kind: "reportNetworkStats" as const, args };
    return await runSingle(ctx, op, { opId, occurredAt }, subject, subject);
  },
});

export const applyBatch = mutation({
  args: {
    userId: v.optional(v.string()),
    sentAt: v.optional(v.string()),
    ops: v.array(
      v.object({
        opId: v.string(),
        kind: v.string(),
        occurredAt: v.string(),
        args: v.any(),
        // The SDK client instance and its op number (lib/watermarks.ts).
        clientId: v.optional(v.string()),
        seq: v.optional(v.number()),
      }),
    ),
  },
  handler: async (ctx, args): Promise<{ results: BatchResult[]; serverTime: string }> => {
    return await runBatch(ctx, args);
  },
});

export const getUserSessions = query({
  args: { userId: v.optional(v.string()), limit: v.optional(v.number()) },
  handler: async (ctx, args): Promise<Session[]> => {
    const userId = await caller(ctx, args.userId);
    const limit = checkLimit("limit", args.limit, LIMITS.sessionsPageDefault, LIMITS.sessionsPage);
    return await ctx.db
      .query("videoCallSessions")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .order("desc")
      .take(limit);
  },
});

export const getUserSessionsPage = query({
  args: { userId: v.optional(v.string()), paginationOpts: paginationOptsValidator },
  handler: async (ctx, args) => {
    const userId = await caller(ctx, args.userId);
    const numItems = checkLimit(
      "paginationOpts.numItems",
      args.paginationOpts.numItems,
      LIMITS.sessionsPageDefault,
      LIMITS.sessionsPage,
    );
    // The whole PaginationResult: usePaginatedQuery splits a page only on its
    // `splitCursor` and holds back a `SplitRequired` page until the split lands.
    return await ctx.db
      .query("videoCallSessions")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .order("desc")
      .paginate({ ...args.paginationOpts, numItems });
  },
});

export const getCallStats = query({
  args: { userId: v.optional(v.string()) },
  handler: async (ctx, args): Promise<CallStats> => {
    const userId = await caller(ctx, args.userId);
    const row = await ctx.db
      .query("userStats")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .unique();
    return callStats(row);
  },
});

export const getActiveSession = query({
  args: { userId: v.optional(v.string()) },
  handler: async (ctx, args): Promise<Session | null> => {
    const userId = await caller(ctx, args.userId);
    // The newest of each active status (one index read each), then the newest of those.
    const newest = async (status: "connecting" | "connected" | "reconnecting") =>
      await ctx.db
        .query("videoCallSessions")
        .withIndex("by_user_and_status", (q) => q.eq("userId", userId).eq("sessionStatus", status))
        .order("desc")
        .first();
    let active: Session | null = null;
    for (const status of ["connecting", "connected", "reconnecting"] as const) {
      const session = await newest(status);
      if (session !== null && (active === null || session._creationTime > active._creationTime)) {
        active = session;
      }
    }
    return active;
  },
});

export const getSession = query({
  args: ref,
  handler: async (ctx, args): Promise<Session | null> => {
    const user = await signedInUser(ctx);
    const session = await findSession(ctx, args);
    if (session !== null) assertOwner(user, session.userId, "this session");
    return session;
  },
});

export const getSupportWorkerStats = query({
  args: { supportWorkerId: v.optional(v.string()), limit: v.optional(v.number()) },
  handler: async (ctx, args): Promise<WorkerStats[]> => {
    await signedInUser(ctx);
    const limit = checkLimit("limit", args.limit, 20, 100);
    const workerId = checkOptional("supportWorkerId", args.supportWorkerId, LIMITS.supportWorkerId);
    if (workerId !== undefined) {
      const row = await ctx.db
        .query("workerStats")
        .withIndex("by_worker", (q) => q.eq("supportWorkerId", workerId))
        .unique();
      return row === null ? [] : [workerStats(await workerCounters(ctx, row))];
    }
    const rows = await ctx.db.query("workerStats").withIndex("by_total").order("desc").take(limit);
    return await Promise.all(rows.map(async (row) => workerStats(await workerCounters(ctx, row))));
  },
});

const range = { userId: v.optional(v.string()), granularity: v.string(), from: v.string(), to: v.string() };

export const getCallVolume = query({
  args: range,
  handler: async (ctx, { userId, ...args }): Promise<VolumeBucket[]> => {
    return await callVolume(ctx, await caller(ctx, userId), args);
  },
});

export const getDurationTrend = query({
  args: range,
  handler: async (ctx, { userId, ...args }): Promise<DurationBucket[]> => {
    return await durationTrend(ctx, await caller(ctx, userId), args);
  },
});

export const getPeakHours = query({
  args: { userId: v.optional(v.string()) },
  handler: async (ctx, args): Promise<number[][]> => {
    return await peakHours(ctx, await caller(ctx, args.userId));
  },
});

export const getIssuesByHour = query({
  args: { userId: v.optional(v.string()) },
  handler: async (ctx, args): Promise<number[]> => {
    return await issuesByHour(ctx, await caller(ctx, args.userId));
  },
});

export const getSupportWorkerLeaderboard = query({
  args: { limit: v.optional(v.number()) },
  handler: async (ctx, args): Promise<LeaderboardEntry[]> => {
    await signedInUser(ctx);
    return await leaderboard(ctx, args.limit);
  },
});
