//! TypeScript declarations for the objects that cross the boundary as JSON (options,
//! arguments, results, events). wasm-bindgen derives the class and its methods; these
//! shapes mirror the serde types in `crate::api`, `crate::wire`, `crate::events` and
//! the argument structs in `wasm/mod.rs`, field for field. Change them together.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Stable error codes: `err.code` of every error the SDK throws or rejects with. */
export type ErrorCode =
  | "INVALID_ARGUMENT" | "INVALID_TRANSITION" | "NO_ACTIVE_SESSION" | "NOT_FOUND"
  | "FORBIDDEN" | "STORAGE" | "NETWORK" | "RETRIES_EXHAUSTED" | "BAD_REPLY"
  | "REJECTED" | "TOO_LARGE" | "CLOSED" | "OUT_OF_MEMORY";

/** What the SDK rejects with: an `Error` named "VideoSessionError" with a `code`. */
export interface VideoSessionError extends Error {
  name: "VideoSessionError";
  code: ErrorCode;
}

/**
 * Any key-value store with these methods, sync or Promise-returning
 * (React Native's AsyncStorage fits). One of getAllKeys/keys is required.
 */
export interface StorageAdapter {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): unknown;
  removeItem(key: string): unknown;
  getAllKeys?(): readonly string[] | Promise<readonly string[]>;
  keys?(): Iterable<string> | Promise<Iterable<string>>;
  /**
   * Optional bulk read (AsyncStorage's shape): `[key, value]` pairs in the order of
   * `keys`. When present, opening a client reads every stored op in one call instead
   * of one `getItem` each (each crosses the native bridge on React Native).
   */
  multiGet?(
    keys: readonly string[],
  ): readonly (readonly [string, string | null])[] | Promise<readonly (readonly [string, string | null])[]>;
}

export interface VideoSessionClientOptions {
  /** The Convex deployment (https://<name>.convex.cloud) or the local server URL. */
  url: string;
  userId: string;
  /**
   * Default: localStorage (memory with a console warning where there is none).
   * Required on React Native (AsyncStorage fits), where there is no localStorage.
   */
  storage?: StorageAdapter | Storage | "localStorage" | "memory";
  /**
   * React Native entry only (ignored elsewhere): React Native's `AppState`.
   * `background`/`inactive` deliver what is pending, `active` what waited; `close()`
   * removes the listener.
   */
  appState?: {
    addEventListener(type: "change", listener: (state: string) => void): { remove(): void };
  };
  /**
   * React Native entry only (ignored elsewhere): `@react-native-community/netinfo`'s
   * default export. Online delivers at once, offline is reported before a delivery
   * fails; `null` counts as connected. `close()` unsubscribes.
   */
  netInfo?: {
    addEventListener(
      listener: (state: { isConnected: boolean | null; isInternetReachable?: boolean | null }) => void,
    ): () => void;
  };
  /** A JWT sent as `Authorization: Bearer`; kept in memory only. */
  auth?: string | null;
  onEvent?: (event: VideoSessionEvent) => void;
  debug?: boolean;
  /**
   * Prefix of every storage key (default `vss:<userId>:`, with `%` and `:` in the
   * user id written `%25` and `%3A`, so no user's prefix begins with another's).
   * Instances with the same
   * prefix share their queue and one sender; each op records its user, and a client
   * only delivers its own user's ops.
   */
  storagePrefix?: string;
  /** Ops per batch, 1-100 (default 100, the most one applyBatch takes). */
  batchSize?: number;
  /** Most JSON bytes per batch, 32768-1048576 (default 524288); an op larger than a
   * batch may carry is dropped with code "TOO_LARGE". */
  maxBatchBytes?: number;
  /** Wait after an enqueue before sending, ms (default 250). */
  debounceMs?: number;
  /** How long a read waits for the backend before answering locally, ms (default 3000). */
  readTimeoutMs?: number;
  /** Per-request timeout, ms (default 10000). */
  requestTimeoutMs?: number;
  /** Transient failures an op survives before it is dead-lettered (default 25). */
  maxAttempts?: number;
}

export interface StartSessionArgs {
  supportWorkerName: string;
  supportWorkerId?: string;
  appointmentId?: string;
  audioOption?: string;
  metadata?: Record<string, unknown>;
}

export interface UpdateSettingsArgs {
  cameraEnabled?: boolean;
  micEnabled?: boolean;
  audioOption?: string;
  /** Default: the current session. */
  sessionId?: string;
}

export interface EndSessionArgs {
  /** Default: the current session. */
  sessionIdToEnd?: string;
  endReason?: string;
}

export interface EndSessionResult {
  sessionId: string;
  /** Whole seconds from connect to end event times; absent if it never connected. */
  duration?: number;
  endedAt: string;
}

export interface MarkFailedArgs {
  /** Default: the current session. */
  sessionId?: string;
  reason?: string;
}

export interface GetUserSessionsArgs {
  /** Whole number >= 1; default 50, at most 200. */
  limit?: number;
}

export type SessionStatus = "connecting" | "connected" | "ended" | "failed";

/** A session document (as the backend stores it; `_id` is absent until delivered). */
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
  qualityIssues?: string[];
  endReason?: string;
  metadata?: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface CallStats {
  totalSessions: number;
  completedSessions: number;
  failedSessions: number;
  totalDuration: number;
  averageDuration: number;
  totalQualityIssues: number;
}

export interface FlushReport {
  applied: number;
  rejected: number;
  pending: number;
  /** The last transient failure, when delivery stopped because of one. */
  error?: string;
}

export type OpKind =
  | "startSession" | "markConnected" | "endSession"
  | "updateSessionSettings" | "reportQualityIssue" | "markFailed";

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
"#;

#[wasm_bindgen]
extern "C" {
    /// Marker types: they give method parameters their TypeScript names. Values are
    /// not checked by the glue; `convert::from_js` reads and checks them.
    #[wasm_bindgen(typescript_type = "VideoSessionClientOptions")]
    pub type ClientOptions;
    #[wasm_bindgen(typescript_type = "StartSessionArgs")]
    pub type StartArgs;
    #[wasm_bindgen(typescript_type = "UpdateSettingsArgs")]
    pub type SettingsArgsJs;
    #[wasm_bindgen(typescript_type = "EndSessionArgs")]
    pub type EndArgs;
    #[wasm_bindgen(typescript_type = "MarkFailedArgs")]
    pub type FailedArgs;
    #[wasm_bindgen(typescript_type = "GetUserSessionsArgs")]
    pub type SessionsArgs;
}
