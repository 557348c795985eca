//! The TypeScript of the package beyond the class wasm-bindgen derives.
//!
//! The shapes that cross the boundary as JSON (arguments, results, sessions, stats,
//! events, dead letters, error codes) are generated from their Rust types into
//! `js/generated/types.d.ts` (`src/ts_decl.rs`, checked by `tests/ts_golden.rs`) and
//! included here as they are. What is written by hand below is what no Rust type
//! describes: the options object, which holds JS values (a storage object, an event
//! callback, React Native's `AppState`) that `options.rs` reads property by property
//! and never deserialises, the storage adapter's methods, and the `Error` subtype.
//!
//! The marker types give the class's parameters their TypeScript names, which are the
//! names of the Rust types the glue reads them into (`crate::api`).

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const GENERATED_TYPES: &'static str = include_str!("../../js/generated/types.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const HANDWRITTEN_TYPES: &'static str = r#"
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
"#;

#[wasm_bindgen]
extern "C" {
    /// Marker types: they give method parameters their TypeScript names, each the
    /// name of the `crate::api` type it is read into. Values are not checked by the
    /// glue; `convert::from_js` reads and checks them.
    #[wasm_bindgen(typescript_type = "VideoSessionClientOptions")]
    pub type VideoSessionClientOptions;
    #[wasm_bindgen(typescript_type = "StartSessionArgs")]
    pub type StartSessionArgs;
    #[wasm_bindgen(typescript_type = "UpdateSettingsArgs")]
    pub type UpdateSettingsArgs;
    #[wasm_bindgen(typescript_type = "EndSessionArgs")]
    pub type EndSessionArgs;
    #[wasm_bindgen(typescript_type = "MarkFailedArgs")]
    pub type MarkFailedArgs;
    #[wasm_bindgen(typescript_type = "GetUserSessionsArgs")]
    pub type GetUserSessionsArgs;
    #[wasm_bindgen(typescript_type = "RateSessionArgs")]
    pub type RateSessionArgs;
    #[wasm_bindgen(typescript_type = "ReportNetworkStatsArgs")]
    pub type ReportNetworkStatsArgs;
    #[wasm_bindgen(typescript_type = "AnalyticsRangeArgs")]
    pub type AnalyticsRangeArgs;
    #[wasm_bindgen(typescript_type = "LeaderboardArgs")]
    pub type LeaderboardArgs;
}
