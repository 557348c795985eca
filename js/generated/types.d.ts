// Generated from the Rust types that cross the JS boundary (src/ts_decl.rs).
// Do not edit: change the Rust type, then run `UPDATE_TS=1 cargo test --features ts --test ts_golden`.

/** Stable error codes: `err.code` of every error the SDK throws or rejects with. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_TRANSITION"
  | "NO_ACTIVE_SESSION"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "STORAGE"
  | "NETWORK"
  | "RETRIES_EXHAUSTED"
  | "BAD_REPLY"
  | "REJECTED"
  | "TOO_LARGE"
  | "CLOSED"
  | "OUT_OF_MEMORY";

/**
 * What an op does: the name of the backend mutation it is delivered as.
 */
export type OpKind =
  | "startSession"
  | "markConnected"
  | "endSession"
  | "updateSessionSettings"
  | "reportQualityIssue"
  | "markFailed"
  | "markReconnecting"
  | "markReconnected"
  | "markScreenShare"
  | "rateSession"
  | "reportNetworkStats";

/**
 * Where a session is in its lifecycle (a session document's `sessionStatus`).
 */
export type SessionStatus =
  | "connecting"
  | "connected"
  | "ended"
  | "failed"
  | "reconnecting";

/**
 * `startSession`'s argument.
 */
export interface StartSessionArgs {
  supportWorkerName: string;
  supportWorkerId?: string;
  appointmentId?: string;
  audioOption?: string;
  metadata?: Record<string, unknown>;
}

/**
 * `updateSettings`'s argument: camera, microphone and audio option of a session.
 */
export interface UpdateSettingsArgs {
  cameraEnabled?: boolean;
  micEnabled?: boolean;
  audioOption?: string;
  /**
   * Default: the current session.
   */
  sessionId?: string;
}

/**
 * `endSession`'s argument.
 */
export interface EndSessionArgs {
  /**
   * Default: the current session.
   */
  sessionIdToEnd?: string;
  endReason?: string;
}

/**
 * What `endSession` resolves with, known locally at once (the backend computes the
 * same duration from the same event times).
 */
export interface EndSessionResult {
  /**
   * The ended session (the SDK's client session id).
   */
  sessionId: string;
  /**
   * Whole seconds from connect to end event times; absent if it never connected.
   */
  duration?: number;
  endedAt: string;
}

/**
 * `markFailed`'s argument.
 */
export interface MarkFailedArgs {
  /**
   * Default: the current session.
   */
  sessionId?: string;
  reason?: string;
}

/**
 * `getUserSessions`' argument.
 */
export interface GetUserSessionsArgs {
  /**
   * Whole number >= 1; default 50, at most 200.
   */
  limit?: number;
}

/**
 * `rateSession`'s argument: a post-call rating of an ended or failed session. A
 * session is rated once; a second rating is refused (`INVALID_TRANSITION`).
 */
export interface RateSessionArgs {
  /**
   * Default: the session this client most recently ended or failed.
   */
  sessionId?: string;
  /**
   * A whole number from 1 to 5. Kept as the JS number it was given until the
   * check, so 4.5 or 0 is refused with a message that names it.
   */
  rating: number;
  /**
   * At most 1000 characters (UTF-16 units); may be empty.
   */
  comment?: string;
}

/**
 * `reportNetworkStats`' argument: one sample of a call's network, as an app reads
 * it from `RTCPeerConnection.getStats()` every few seconds. At least one metric;
 * each a finite number from 0 to its ceiling (`rttMs`, `jitterMs` ≤ 60,000;
 * `packetLossPct` ≤ 100; `bitrateKbps` ≤ 100,000). The sample is folded on the
 * device into the session's pending report, so a call of any length stores and
 * delivers one summary per metric, not one record per sample.
 */
export interface ReportNetworkStatsArgs {
  /**
   * Default: the current session.
   */
  sessionId?: string;
  /**
   * Round-trip time, ms.
   */
  rttMs?: number;
  /**
   * Jitter, ms.
   */
  jitterMs?: number;
  /**
   * Packets lost, % (0–100).
   */
  packetLossPct?: number;
  /**
   * Bitrate, kbit/s.
   */
  bitrateKbps?: number;
}

/**
 * A session document (as the backend stores it; `_id` is absent until delivered).
 * The local view folds the same shape from pending ops, so `_id` and
 * `_creationTime` are absent until the backend has the session.
 */
export interface VideoSession {
  _id?: string;
  _creationTime?: number;
  clientSessionId?: string;
  appointmentId?: string;
  userId: string;
  supportWorkerName: string;
  supportWorkerId?: string;
  sessionStatus: SessionStatus;
  joinedAt: string;
  connectedAt?: string;
  endedAt?: string;
  duration?: number;
  audioOption?: string;
  cameraEnabled?: boolean;
  micEnabled?: boolean;
  qualityIssues?: Array<string>;
  endReason?: string;
  metadata?: unknown;
  createdAt: string;
  updatedAt: string;
  /**
   * How often the call went from connected to reconnecting.
   */
  reconnectCount?: number;
  /**
   * Whole seconds spent reconnecting, each interval counted like `duration`.
   */
  reconnectSeconds?: number;
  /**
   * When the open reconnecting interval began (present only while reconnecting).
   */
  reconnectingSince?: string;
  /**
   * Whole seconds of screen sharing, each interval counted like `duration`.
   */
  screenShareSeconds?: number;
  /**
   * When the open screen-share interval began (present only while sharing).
   */
  screenShareSince?: string;
  rating?: number;
  ratingComment?: string;
  ratedAt?: string;
  /**
   * Network quality: per metric reported (`rttMs`, `jitterMs`, `packetLossPct`,
   * `bitrateKbps`), its summary `{count, min, max, sum, buckets}` with `mean` and
   * `p95`; absent until the first `reportNetworkStats`.
   */
  network?: unknown;
  /**
   * The device's UTC offset when the call started (minutes east of UTC; 0 when the
   * start did not say). Sessions without it started before analytics existed and
   * are in no analytics bucket.
   */
  utcOffsetMin?: number;
  /**
   * The status a session had when the backend closed it as abandoned (`ended`,
   * `endReason "timeout"`); removed when a late op reopens it.
   */
  timedOutFrom?: SessionStatus;
}

/**
 * `getCallStats`'s reply.
 */
export interface CallStats {
  totalSessions: number;
  completedSessions: number;
  failedSessions: number;
  totalDuration: number;
  averageDuration: number;
  totalQualityIssues: number;
  /**
   * Connected → reconnecting transitions over all sessions (0 from a backend that
   * predates reconnection).
   */
  totalReconnects: number;
  /**
   * The mean rating, rounded to two decimals; `null` while nothing is rated.
   */
  averageRating: number | null;
}

/**
 * `getCallVolume`'s and `getDurationTrend`'s argument.
 */
export interface AnalyticsRangeArgs {
  /**
   * `"day"`, `"week"` (ISO weeks, named by their Monday) or `"month"`.
   */
  granularity: "day" | "week" | "month";
  /**
   * The first local date, `YYYY-MM-DD` (its bucket is the first entry).
   */
  from: string;
  /**
   * The last local date, `YYYY-MM-DD`, not before `from`; at most 366 buckets.
   */
  to: string;
}

/**
 * `getSupportWorkerLeaderboard`'s argument.
 */
export interface LeaderboardArgs {
  /**
   * Whole number >= 1; default 10, at most 100.
   */
  limit?: number;
}

/**
 * One entry of `getCallVolume`.
 */
export interface VolumeBucket {
  bucket: string;
  /**
   * Calls started in the bucket (local time of `joinedAt`).
   */
  calls: number;
  /**
   * Of those, how many have ended (including cancelled and timed-out calls).
   */
  completedSessions: number;
  failedSessions: number;
}

/**
 * One entry of `getDurationTrend`.
 */
export interface DurationBucket {
  bucket: string;
  completedSessions: number;
  /**
   * Ended calls that have a `duration` (connected before they ended).
   */
  timedCalls: number;
  /**
   * `round(totalDuration / timedCalls)` in whole seconds; `null` when no call in
   * the bucket has a duration.
   */
  averageDuration: number | null;
}

/**
 * One row of `getSupportWorkerLeaderboard`.
 */
export interface LeaderboardEntry {
  supportWorkerId: string;
  supportWorkerName: string;
  totalSessions: number;
  completedSessions: number;
  /**
   * `round2(completedSessions / totalSessions)`, 0 without sessions.
   */
  completionRate: number;
  /**
   * `round(totalDuration / totalSessions)`, as `getSupportWorkerStats`.
   */
  averageDuration: number;
  averageRating: number | null;
  ratedSessions: number;
  /**
   * `round2(totalQualityIssues / totalSessions)`, 0 without sessions.
   */
  issuesPerCall: number;
  /**
   * The mean of every RTT sample reported in the worker's sessions.
   */
  averageRttMs: number | null;
  /**
   * The mean of every packet-loss sample reported in the worker's sessions.
   */
  averagePacketLossPct: number | null;
}

/**
 * What `flush` did in total.
 */
export interface FlushReport {
  applied: number;
  rejected: number;
  pending: number;
  /**
   * The last transient failure, when delivery stopped because of one.
   */
  error?: string;
}

/**
 * An op the backend refused (or that was given up); kept under `{prefix}dead:`.
 */
export interface DeadLetter {
  opId: string;
  kind: OpKind;
  clientSessionId: string;
  args: Record<string, unknown>;
  occurredAt: string;
  code: string;
  reason: string;
  deadAt: string;
}

/**
 * What the SDK reports to the app's `onEvent`, told apart by `type`.
 */
export type VideoSessionEvent =
  | { type: "queued"; opId: string; kind: OpKind; clientSessionId: string }
  | { type: "delivered"; opId: string; kind: OpKind; duplicate: boolean }
  | { type: "retrying"; attempt: number; delayMs: number; reason: string }
  | { type: "dropped"; opId: string; kind: OpKind; code: string; reason: string }
  | { type: "online" }
  | { type: "offline" }
  | { type: "storageFull"; inMemory: number }
  | { type: "quarantined"; count: number }
  | { type: "evicted"; opId: string; kind: OpKind };
