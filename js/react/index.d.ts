import type {
  EndSessionArgs,
  EndSessionResult,
  MarkFailedArgs,
  StartSessionArgs,
  UpdateSettingsArgs,
  VideoSessionClient,
  VideoSessionError,
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
}

/** React binding of a VideoSessionClient; pass null while the client is being created. */
export function useVideoSession(
  client: VideoSessionClient | null | undefined,
  options?: UseVideoSessionOptions,
): UseVideoSession;
