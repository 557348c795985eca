/**
 * Argument rules from the contract's limits table and its timestamp format.
 *
 * Lengths are UTF-16 code units (`String.prototype.length`), the unit both backends
 * agree on. "Only white space" means `trim()` leaves nothing (JS's definition of
 * white space and line terminators). Timestamps are parsed strictly — no `Date.parse`
 * leniency — and stored normalised to milliseconds, so two spellings of one instant
 * are stored identically and compare as strings in index order.
 */
import { echo, invalid } from "./errors";

/**
 * The contract's limits. `protocol/limits.json` states the same table for the Rust
 * side (the `protocol` crate, used by the SDK and `server/`); tests/protocol.test.ts
 * keeps the two equal, key for key.
 */
export const LIMITS = {
  userId: 200,
  supportWorkerName: 200,
  supportWorkerId: 200,
  reason: 200,
  audioOption: 50,
  issue: 500,
  qualityIssuesPerSession: 50,
  metadataJson: 4096,
  metadataDepth: 8,
  clientSessionId: 100,
  opId: 100,
  clientId: 100,
  batchOps: 100,
  sessionsPageDefault: 50,
  sessionsPage: 200,
  comment: 1000,
  ratingMin: 1,
  ratingMax: 5,
  utcOffsetMin: 840,
  analyticsBuckets: 366,
  leaderboardDefault: 10,
  leaderboard: 100,
} as const;

/** A string of 1..max UTF-16 units. */
export function checkRequired(field: string, value: string, max: number): string {
  if (value.length < 1 || value.length > max) {
    invalid(`${field} must be 1–${max} characters long (got ${value.length})`);
  }
  return value;
}

/** Like `checkRequired`, and not white space only. */
export function checkText(field: string, value: string, max: number): string {
  checkRequired(field, value, max);
  if (value.trim().length === 0) invalid(`${field} must not be only white space`);
  return value;
}

/** An optional string of at most max UTF-16 units (empty allowed). */
export function checkOptional(
  field: string,
  value: string | undefined,
  max: number,
): string | undefined {
  if (value !== undefined && value.length > max) {
    invalid(`${field} must be at most ${max} characters long (got ${value.length})`);
  }
  return value;
}

/**
 * How deeply `value` nests (an object or array is one level, a scalar none),
 * counting at most `limit + 1` so a hostile value costs no more than the limit.
 * Bytes (an ArrayBuffer) are reported as Infinity-deep: refused outright.
 */
function depth(value: unknown, limit: number): number {
  if (value instanceof ArrayBuffer) return Number.POSITIVE_INFINITY;
  if (typeof value !== "object" || value === null) return 0;
  if (limit === 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    deepest = Math.max(deepest, depth(child, limit - 1));
  }
  return 1 + deepest;
}

/**
 * Metadata (contract D2): at most 8 levels deep, no bytes values, and at most 4096
 * units of JSON. Convex refuses a document nested deeper than 16 with an uncoded
 * error, and `JSON.stringify` counts a 900 KB ArrayBuffer as `{}`; both must be a
 * coded INVALID_ARGUMENT here, before anything is written.
 */
export function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  const levels = depth(metadata, LIMITS.metadataDepth);
  if (levels === Number.POSITIVE_INFINITY) invalid("metadata must not contain bytes values");
  if (levels > LIMITS.metadataDepth) {
    invalid(`metadata may nest at most ${LIMITS.metadataDepth} levels of objects and arrays`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(metadata);
  } catch {
    invalid("metadata must be JSON-serialisable");
  }
  const length = json?.length ?? 0;
  if (length > LIMITS.metadataJson) {
    invalid(`metadata is ${length} characters as JSON; the limit is ${LIMITS.metadataJson}`);
  }
}

/** A page size: an integer ≥ 1, clamped to max; `fallback` when absent. */
export function checkLimit(
  field: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    invalid(`${field} must be an integer of at least 1 (got ${value})`);
  }
  return Math.min(value, max);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$/;
const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds since the epoch of a contract timestamp, or INVALID_ARGUMENT. */
export function parseIso(field: string, value: string): number {
  const m = ISO.exec(value);
  if (m === null) {
    invalid(
      `${field} must be an ISO-8601 UTC time like 2024-01-15T10:30:00.000Z (got ${JSON.stringify(echo(value))})`,
    );
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = m[7] === undefined ? 0 : Number(m[7]);
  const valid =
    year >= 1970 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  if (!valid) invalid(`${field} is not a valid calendar time in 1970–9999 (got ${value})`);
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** The stored form of an instant; INVALID_ARGUMENT outside 1970–9999. */
export function isoFromMs(field: string, ms: number): string {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    invalid(`${field} falls outside 1970–9999 once corrected for clock skew`);
  }
  return new Date(ms).toISOString();
}

/** How far an event time may lie ahead of its reference before it is clamped (D3). */
export const FUTURE_TOLERANCE_MS = 60_000;

/**
 * `occurredMs`, or `referenceMs` (a batch's `sentAt`, else the server's now) when it
 * is more than a minute after it: a device clock far ahead, or a poisoned key clock,
 * must not store events in the future.
 */
export function clampFuture(occurredMs: number, referenceMs: number): number {
  return occurredMs > referenceMs + FUTURE_TOLERANCE_MS ? referenceMs : occurredMs;
}

export function normaliseIso(field: string, value: string): string {
  return isoFromMs(field, parseIso(field, value));
}
