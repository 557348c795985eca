/**
 * Tables of the video-session backend (docs/contract.md, "Table videoCallSessions").
 *
 * `videoCallSessions` keeps the seed's fields and five indexes and adds
 * `clientSessionId` (the SDK's own id, unique across users) with two indexes. The
 * other tables exist so that every mutation is idempotent (`processedOps`,
 * `clientWatermarks`) and every
 * statistic is an O(1) read (`userStats`, `workerStats` + `workerStatShards`, updated
 * in the same transaction as the session they count). Convex appends `_creationTime` to every
 * index, so "newest first" is an index scan in descending order.
 */
import { defineSchema, defineTable } from "convex/server";
import { type Validator, v } from "convex/values";

export const sessionStatus = v.union(
  v.literal("connecting"),
  v.literal("connected"),
  v.literal("ended"),
  v.literal("failed"),
  // connected ⇄ reconnecting: the media path dropped and came back (issue #13).
  v.literal("reconnecting"),
);

/** The four metrics of a network report (lib/network.ts), each optional. */
function perMetric<T extends Validator<any, "optional", any>>(value: () => T) {
  return {
    rttMs: value(),
    jitterMs: value(),
    packetLossPct: value(),
    bitrateKbps: value(),
  };
}

/** A network summary as a session keeps it: the stored five fields, `mean` and `p95`. */
const sessionSummary = v.object({
  count: v.number(),
  min: v.number(),
  max: v.number(),
  sum: v.number(),
  buckets: v.array(v.number()),
  mean: v.number(),
  p95: v.number(),
});

/**
 * A metric's argument to `reportNetworkStats`: a sample (a number) or a summary
 * (`mean`/`p95` accepted and ignored, so a session's value can be sent back). The
 * numbers' rules (whole counts, ranges, invariants) are lib/network.ts's checks.
 */
export const metricArgs = perMetric(() =>
  v.optional(
    v.union(
      v.number(),
      v.object({
        count: v.number(),
        min: v.number(),
        max: v.number(),
        sum: v.number(),
        buckets: v.array(v.number()),
        mean: v.optional(v.number()),
        p95: v.optional(v.number()),
      }),
    ),
  ),
);

/** The statuses of a session still in progress (the ones the sweep may close). */
export const activeStatus = v.union(
  v.literal("connecting"),
  v.literal("connected"),
  v.literal("reconnecting"),
);

const counters = {
  totalSessions: v.number(),
  completedSessions: v.number(),
  failedSessions: v.number(),
  totalDuration: v.number(),
  totalQualityIssues: v.number(),
};

export default defineSchema({
  videoCallSessions: defineTable({
    appointmentId: v.optional(v.id("appointments")),
    userId: v.string(),
    supportWorkerName: v.string(),
    supportWorkerId: v.optional(v.string()),
    sessionStatus,
    joinedAt: v.string(),
    connectedAt: v.optional(v.string()),
    endedAt: v.optional(v.string()),
    duration: v.optional(v.number()),
    audioOption: v.optional(v.string()),
    cameraEnabled: v.optional(v.boolean()),
    micEnabled: v.optional(v.boolean()),
    qualityIssues: v.optional(v.array(v.string())),
    endReason: v.optional(v.string()),
    metadata: v.optional(v.any()),
    createdAt: v.string(),
    updatedAt: v.string(),
    clientSessionId: v.optional(v.string()),
    // Issue #13 (docs/contract.md "Reconnection, screen sharing, ratings"). All
    // optional and absent until first set: sessions written before these fields
    // existed must still validate. The `…Since` fields are present only while their
    // interval is open.
    reconnectCount: v.optional(v.number()),
    reconnectSeconds: v.optional(v.number()),
    reconnectingSince: v.optional(v.string()),
    screenShareSeconds: v.optional(v.number()),
    screenShareSince: v.optional(v.string()),
    rating: v.optional(v.number()),
    ratingComment: v.optional(v.string()),
    ratedAt: v.optional(v.string()),
    // Issue #13 items 1 and 2 (docs/contract.md "Network quality", "Abandoned
    // sessions"), optional for the same reason. `network`: per metric reported, the
    // merged summary with its mean and p95. `timedOutFrom`: the status a session had
    // when the abandoned-session sweep closed it; removed when a late op reopens it.
    network: v.optional(v.object(perMetric(() => v.optional(sessionSummary)))),
    timedOutFrom: v.optional(activeStatus),
    // Analytics (docs/contract.md "Analytics"): the device's offset from UTC when the
    // call started, minutes east. startSession always stores it (0 when not given);
    // a session without it was started before analytics and touches no bucket.
    utcOffsetMin: v.optional(v.number()),
  })
    .index("by_user", ["userId"])
    .index("by_appointment", ["appointmentId"])
    .index("by_status", ["sessionStatus"])
    .index("by_user_and_date", ["userId", "createdAt"])
    .index("by_support_worker", ["supportWorkerId"])
    .index("by_client_session", ["clientSessionId"])
    .index("by_user_and_status", ["userId", "sessionStatus"])
    // The abandoned-session sweep: active sessions of one status, oldest updatedAt
    // first (abandonedSessions.ts), never a scan of history.
    .index("by_status_and_updated", ["sessionStatus", "updatedAt"]),

  appointments: defineTable({
    userId: v.string(),
    supportWorkerName: v.string(),
    supportWorkerId: v.optional(v.string()),
    scheduledAt: v.optional(v.string()),
    status: v.union(v.literal("scheduled"), v.literal("completed"), v.literal("cancelled")),
    completedAt: v.optional(v.string()),
  }),

  processedOps: defineTable({
    opId: v.string(),
    userId: v.string(),
    kind: v.string(),
    result: v.any(),
    processedAt: v.number(),
    // The SDK client instance that sent the op and its number there (batch ops of
    // SDK releases that send them; lib/watermarks.ts).
    clientId: v.optional(v.string()),
    seq: v.optional(v.number()),
  })
    .index("by_op", ["opId"])
    .index("by_processed_at", ["processedAt"])
    .index("by_client_seq", ["userId", "clientId", "seq"]),

  // Per SDK client instance, the highest seq whose processedOps record was swept:
  // what keeps a replay a replay after the 14-day window (lib/watermarks.ts).
  clientWatermarks: defineTable({
    userId: v.string(),
    clientId: v.string(),
    forgottenSeq: v.number(),
    updatedAt: v.number(),
  }).index("by_client", ["userId", "clientId"]),

  // The user's counters; those of issue #13 are optional (rows written before it
  // lack them) and read as 0 when absent (lib/stats.ts).
  userStats: defineTable({
    userId: v.string(),
    ...counters,
    totalReconnects: v.optional(v.number()),
    ratingSum: v.optional(v.number()),
    ratingCount: v.optional(v.number()),
  }).index("by_user", ["userId"]),

  workerStats: defineTable({
    supportWorkerId: v.string(),
    supportWorkerName: v.string(),
    ...counters,
  })
    .index("by_worker", ["supportWorkerId"])
    .index("by_total", ["totalSessions"]),

  // The busy counters of a worker, spread over WORKER_SHARDS rows by session id so
  // concurrent batches for one worker's sessions write different rows (lib/stats.ts).
  workerStatShards: defineTable({
    supportWorkerId: v.string(),
    shard: v.number(),
    completedSessions: v.number(),
    failedSessions: v.number(),
    totalDuration: v.number(),
    totalQualityIssues: v.number(),
    // Analytics (docs/contract.md "Analytics"): the leaderboard's sums, optional
    // (rows written before them lack them) and read as 0 when absent.
    ratingSum: v.optional(v.number()),
    ratingCount: v.optional(v.number()),
    rttSum: v.optional(v.number()),
    rttCount: v.optional(v.number()),
    lossSum: v.optional(v.number()),
    lossCount: v.optional(v.number()),
  }).index("by_worker_shard", ["supportWorkerId", "shard"]),

  // Analytics (docs/contract.md "Analytics"; lib/analyticsStats.ts): per user, the
  // calls of each local day, ISO week and month, and of each weekday-hour slot,
  // bumped in the transaction of the op they count, so a query reads a bounded
  // range of rows, never the sessions.
  userPeriodStats: defineTable({
    userId: v.string(),
    granularity: v.union(v.literal("day"), v.literal("week"), v.literal("month")),
    bucket: v.string(),
    calls: v.number(),
    completedSessions: v.number(),
    failedSessions: v.number(),
    totalDuration: v.number(),
    timedCalls: v.number(),
  }).index("by_user_granularity_bucket", ["userId", "granularity", "bucket"]),

  userHourStats: defineTable({
    userId: v.string(),
    // weekday * 24 + local hour, Monday = 0: 0–167.
    slot: v.number(),
    calls: v.number(),
    qualityIssues: v.number(),
  }).index("by_user_slot", ["userId", "slot"]),
});
