import type {
  AnalyticsRangeArgs,
  DurationBucket,
  EndSessionArgs,
  EndSessionResult,
  LeaderboardArgs,
  LeaderboardEntry,
  MarkFailedArgs,
  RateSessionArgs,
  ReportNetworkStatsArgs,
  StartSessionArgs,
  UpdateSettingsArgs,
  VideoSessionClient,
  VideoSessionError,
  VolumeBucket,
} from "../video_session_sdk.js";

export interface UseVideoSessionOptions {
  /** How often `pendingCount` and `isUsingConvex` are refreshed, ms (default 500). */
  pollMs?: number;
}

export interface UseVideoSession {
  /** The current session's id (the SDK's client session id), or null. */
  sessionId: string | null;
  /** True while a call is being written to storage. */
  loading: boolean;
  /** The last call's error (with a stable `code`), cleared by the next success. */
  error: VideoSessionError | null;
  /** Whether the backend answered at the last attempt. */
  isUsingConvex: boolean;
  /** Ops stored but not yet applied by the backend. */
  pendingCount: number;
  /** Resolves to the new session id, or null on failure (see `error`). */
  startSession(args: StartSessionArgs): Promise<string | null>;
  markConnected(sessionId?: string): Promise<null>;
  updateSettings(args: UpdateSettingsArgs): Promise<null>;
  reportQualityIssue(issue: string): Promise<null>;
  endSession(args?: EndSessionArgs): Promise<EndSessionResult | null>;
  markFailed(args?: MarkFailedArgs): Promise<null>;
  /** connected → reconnecting; `sessionId` stays (the call goes on). */
  markReconnecting(sessionId?: string): Promise<null>;
  /** reconnecting → connected. */
  markReconnected(sessionId?: string): Promise<null>;
  /** Screen sharing started (true) or stopped (false). */
  markScreenShare(active: boolean, sessionId?: string): Promise<null>;
  /** Rates an ended or failed call once (1–5); default: the one this client just finished. */
  rateSession(args: RateSessionArgs): Promise<null>;
  /** One network sample (rttMs, jitterMs, packetLossPct, bitrateKbps) of the hook's call, folded on the device. */
  reportNetworkStats(sample: ReportNetworkStatsArgs): Promise<null>;
  /**
   * Analytics: the backend's aggregates of delivered ops (pending ops are not
   * counted). Offline, the last answer for the same arguments; without one, null
   * with `error.code` "NETWORK". They never set `loading`.
   */
  getCallVolume(args: AnalyticsRangeArgs): Promise<VolumeBucket[] | null>;
  getDurationTrend(args: AnalyticsRangeArgs): Promise<DurationBucket[] | null>;
  /** 7 rows (Monday first) of 24 local hours. */
  getPeakHours(): Promise<number[][] | null>;
  /** 24 local hours. */
  getIssuesByHour(): Promise<number[] | null>;
  getSupportWorkerLeaderboard(args?: LeaderboardArgs): Promise<LeaderboardEntry[] | null>;
}

/** React binding of a VideoSessionClient; pass null while the client is being created. */
export function useVideoSession(
  client: VideoSessionClient | null | undefined,
  options?: UseVideoSessionOptions,
): UseVideoSession;
