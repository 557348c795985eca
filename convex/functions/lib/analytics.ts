/**
 * Analytics buckets (docs/contract.md "Analytics (issue #13, item 5)"): the port of
 * `protocol/src/analytics.rs`, rule for rule, so `convex/` and `server/` put every
 * event in the same local day, week, month and weekday-hour, and answer a range with
 * the same bucket list.
 *
 * A user means *their* Monday morning: each bucketed op carries the device's offset
 * from UTC at event time (`utcOffsetMin`, minutes east), and the local time of an
 * event is `t + utcOffsetMin` read as UTC. Weeks are ISO weeks named by their Monday.
 * A range query covers every bucket from the one holding `from` to the one holding
 * `to`, at most `LIMITS.analyticsBuckets` of them, so its cost has a ceiling.
 *
 * `tests/fixtures/analytics_vectors.json` is read by both this port's test
 * (convex/tests/functions/analyticsVectors.test.ts) and the crate's
 * (protocol/tests/analytics_vectors.rs), so the two cannot drift apart.
 */
import { invalid } from "./errors";
import { LIMITS } from "./validate";

/** Why an analytics argument was refused (`AnalyticsError`); the text names it. */
export class AnalyticsError extends Error {}

export type Granularity = "day" | "week" | "month";
export const GRANULARITIES: readonly Granularity[] = ["day", "week", "month"];

const DAY_MS = 86_400_000;

/** `Granularity::parse`. */
export function parseGranularity(text: string): Granularity {
  if ((GRANULARITIES as readonly string[]).includes(text)) return text as Granularity;
  throw new AnalyticsError(
    `granularity must be "day", "week" or "month", not ${JSON.stringify(text)}`,
  );
}

/** A calendar date as a day number (ms at UTC midnight), the way chrono's NaiveDate is used. */
type Day = number;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function dayName(day: Day): string {
  const d = new Date(day);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Monday = 0 … Sunday = 6 (`num_days_from_monday`). */
function weekdayOf(day: Day): number {
  return (new Date(day).getUTCDay() + 6) % 7;
}

function mondayOf(day: Day): Day {
  return day - weekdayOf(day) * DAY_MS;
}

/** `Granularity::bucket_of`: `YYYY-MM-DD` (the day, or its week's Monday) or `YYYY-MM`. */
function bucketOf(granularity: Granularity, day: Day): string {
  switch (granularity) {
    case "day":
      return dayName(day);
    case "week":
      return dayName(mondayOf(day));
    case "month": {
      const d = new Date(day);
      return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}`;
    }
  }
}

/** `Granularity::first_day`. */
function firstDay(granularity: Granularity, day: Day): Day {
  switch (granularity) {
    case "day":
      return day;
    case "week":
      return mondayOf(day);
    case "month": {
      const d = new Date(day);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** `Granularity::next`: the first day of the following bucket. */
function nextBucket(granularity: Granularity, start: Day): Day {
  switch (granularity) {
    case "day":
      return start + DAY_MS;
    case "week":
      return start + 7 * DAY_MS;
    case "month": {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/** Where an event falls in the user's local time (`LocalBuckets`). */
export type LocalBuckets = {
  day: string;
  week: string;
  month: string;
  /** `weekday * 24 + hour`, weekday 0 = Monday: the peak-hours cell. */
  slot: number;
  /** The local hour, 0–23 (`slot % 24`). */
  hour: number;
};

/**
 * `LocalBuckets::at`: the buckets of the instant `utcMs` seen `utcOffsetMin` minutes
 * east of UTC. The offset must already be valid (`checkUtcOffset`).
 */
export function localBuckets(utcMs: number, utcOffsetMin: number): LocalBuckets {
  const local = new Date(utcMs + utcOffsetMin * 60_000);
  const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const hour = local.getUTCHours();
  return {
    day: bucketOf("day", day),
    week: bucketOf("week", day),
    month: bucketOf("month", day),
    slot: weekdayOf(day) * 24 + hour,
    hour,
  };
}

/** The bucket of one granularity (`LocalBuckets::bucket`). */
export function bucketIn(buckets: LocalBuckets, granularity: Granularity): string {
  return buckets[granularity];
}

/** `check_utc_offset`: whole minutes within ±14 h, or AnalyticsError naming `utcOffsetMin`. */
export function checkUtcOffset(minutes: number): number {
  const max = LIMITS.utcOffsetMin;
  if (Number.isFinite(minutes) && Number.isInteger(minutes) && minutes >= -max && minutes <= max) {
    // `minutes as i32` turns -0 into 0.
    return minutes === 0 ? 0 : minutes;
  }
  throw new AnalyticsError(
    `utcOffsetMin must be a whole number of minutes from -${max} to ${max}, not ${minutes}`,
  );
}

/** `parse_date`: `YYYY-MM-DD`, calendar-valid, years 1970–9999, as a day number. */
export function parseDate(name: string, text: string): Day {
  const bad = () => new AnalyticsError(`${name} must be a date like 2024-01-15, not ${JSON.stringify(text)}`);
  if (text.length !== 10 || text[4] !== "-" || text[7] !== "-") throw bad();
  const digits = (from: number, to: number): number => {
    let n = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) throw bad();
      n = n * 10 + (c - 48);
    }
    return n;
  };
  const [year, month, day] = [digits(0, 4), digits(5, 7), digits(8, 10)];
  if (year < 1970) throw bad();
  // NaiveDate::from_ymd_opt: the date must exist (Date.UTC would roll 02-30 over).
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw bad();
  }
  return ms;
}

/**
 * `buckets_between`: every bucket from the one holding `from` to the one holding
 * `to`, oldest first; more than `LIMITS.analyticsBuckets` is an AnalyticsError.
 */
export function bucketsBetween(granularity: Granularity, from: string, to: string): string[] {
  const start = parseDate("from", from);
  const end = parseDate("to", to);
  if (start > end) throw new AnalyticsError(`from (${from}) is after to (${to})`);
  let day = firstDay(granularity, start);
  const last = firstDay(granularity, end);
  const out: string[] = [];
  while (day <= last) {
    if (out.length === LIMITS.analyticsBuckets) {
      throw new AnalyticsError(
        `from ${from} to ${to} spans more than ${LIMITS.analyticsBuckets} ${granularity}s`,
      );
    }
    out.push(bucketOf(granularity, day));
    day = nextBucket(granularity, day);
  }
  return out;
}

/** `round2`: `Math.round(x * 100) / 100`, for the non-negative rates and means. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** `mean2`: `sum / count` rounded to two decimals, null when `count` is 0. */
export function mean2(sum: number, count: number): number | null {
  return count > 0 ? round2(sum / count) : null;
}

/** Runs `f`, turning an AnalyticsError into the coded INVALID_ARGUMENT. */
export function coded<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalyticsError) invalid(e.message);
    throw e;
  }
}

/** An optional `utcOffsetMin` argument, checked (INVALID_ARGUMENT naming it). */
export function checkOffsetArg(minutes: number | undefined): number | undefined {
  return minutes === undefined ? undefined : coded(() => checkUtcOffset(minutes));
}
