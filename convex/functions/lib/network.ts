/**
 * Network quality (docs/contract.md "Network quality (issue #13, item 2)"): the port
 * of `protocol/src/network.rs`, rule for rule, so `convex/` and `server/` merge the
 * same reports into the same numbers.
 *
 * Apps sample `RTCPeerConnection.getStats()` every few seconds; the SDK folds the
 * samples into a summary per metric — count, min, max, sum and a fixed 10-bucket
 * histogram — and delivers summaries, which the session keeps merged (plus `mean`
 * and `p95`), so a call of any length costs O(1) storage. Merging is order-free in
 * every field but the float `sum`, which both backends add in the order ops arrive
 * (the session's sum first, then the report's).
 *
 * A metric's argument is a sample (a number: the summary of one sample) or a summary
 * object; `mean`/`p95` keys are ignored, so a session's value can be sent back.
 * The checks and their order are `Summary::from_arg`, `read_summary` and
 * `Summary::check`; the bucket bounds are `Metric::bounds` (tests/protocol.test.ts
 * reads them out of network.rs and compares).
 */
import { invalid } from "./errors";

export const METRICS = ["rttMs", "jitterMs", "packetLossPct", "bitrateKbps"] as const;
export type Metric = (typeof METRICS)[number];

/** Buckets of every histogram: the 9 closed upper bounds, then one open bucket. */
export const BUCKETS = 10;

/**
 * The closed upper bounds of the first 9 buckets (`Metric::bounds`): 150 ms RTT,
 * 30 ms jitter, 1 % and 5 % loss, 500 kbit/s fall on bucket edges.
 */
export const BOUNDS: Record<Metric, readonly number[]> = {
  rttMs: [25, 50, 100, 150, 200, 300, 500, 1000, 2000],
  jitterMs: [5, 10, 20, 30, 50, 75, 100, 200, 500],
  packetLossPct: [0, 0.5, 1, 2, 3, 5, 10, 20, 50],
  bitrateKbps: [100, 250, 500, 1000, 1500, 2500, 4000, 8000, 20000],
};

/** The largest sample of each metric (`Metric::ceiling`): beyond it, a unit mistake. */
export const CEILINGS: Record<Metric, number> = {
  rttMs: 60_000,
  jitterMs: 60_000,
  packetLossPct: 100,
  bitrateKbps: 100_000,
};

/** The largest count a summary may state (`limits::SEQ`, 2^53 − 1). */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** A summary as stored and delivered (`Summary::to_value`). */
export type Summary = { count: number; min: number; max: number; sum: number; buckets: number[] };
/** A summary as kept on a session: with its `mean` and `p95`. */
export type SessionSummary = Summary & { mean: number; p95: number };
/** A session's `network` field, one summary per metric reported. */
export type Network = Partial<Record<Metric, SessionSummary>>;
/** A report: one summary per metric given. */
export type Report = Partial<Record<Metric, Summary>>;

/** The bucket a value falls in: the first bound it does not exceed, else the open one. */
export function bucketOf(metric: Metric, value: number): number {
  const i = BOUNDS[metric].findIndex((b) => value <= b);
  return i === -1 ? BUCKETS - 1 : i;
}

/** Why `value` is not a sample of `metric` (`Metric::check_sample`), or null. */
function sampleProblem(metric: Metric, value: number): string | null {
  if (!Number.isFinite(value)) return "must be a finite number";
  if (value < 0) return "must not be negative";
  if (value > CEILINGS[metric]) return "is above the metric's ceiling";
  return null;
}

/** -0 as 0: the Rust side writes whole numbers as integers (`js_number`), which have no -0. */
function plain(x: number): number {
  return x === 0 ? 0 : x;
}

/** The summary of one sample (`Summary::of`; the sample is valid). */
export function summaryOf(metric: Metric, value: number): Summary {
  const buckets = new Array<number>(BUCKETS).fill(0);
  buckets[bucketOf(metric, value)] = 1;
  return { count: 1, min: value, max: value, sum: value, buckets };
}

/** Both summaries folded: `a`'s sum first, then `b`'s (`Summary::merge`). */
export function merge(a: Summary, b: Summary): Summary {
  return {
    count: a.count + b.count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sum: a.sum + b.sum,
    buckets: a.buckets.map((n, i) => n + (b.buckets[i] ?? 0)),
  };
}

export function mean(s: Summary): number {
  return s.sum / s.count;
}

/**
 * ⌈0.95·count⌉, exactly for every count up to 2^53 − 1 (`count * 95` would round
 * above 2^53 in a float; Rust computes it in u64).
 */
function rank95(count: number): number {
  const hundreds = Math.floor(count / 100);
  const rest = count - hundreds * 100;
  return Math.max(1, hundreds * 95 + Math.ceil((rest * 95) / 100));
}

/**
 * The 95th percentile as the histogram knows it (`Summary::p95`): the upper bound of
 * the bucket holding the sample of rank ⌈0.95·count⌉, never above `max` (the open
 * last bucket, and a bucket only partly used, report the real largest sample).
 */
export function p95(metric: Metric, s: Summary): number {
  const rank = rank95(s.count);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += s.buckets[i] ?? 0;
    if (seen >= rank) {
      const bound = BOUNDS[metric][i];
      return bound === undefined ? s.max : Math.min(bound, s.max);
    }
  }
  return s.max;
}

/** Why `s` is not a summary samples of `metric` could fold into (`Summary::check`). */
function summaryProblem(metric: Metric, s: Summary): string | null {
  if (s.count === 0 || s.count > MAX_COUNT) return "count must be a whole number from 1";
  if (s.buckets.reduce((a, b) => a + b, 0) !== s.count) return "buckets must add up to count";
  const bad = sampleProblem(metric, s.min) ?? sampleProblem(metric, s.max);
  if (bad !== null) return bad;
  if (s.min > s.max) return "min must not exceed max";
  const first = s.buckets.findIndex((n) => n > 0);
  let last = BUCKETS - 1;
  while (last >= 0 && !((s.buckets[last] ?? 0) > 0)) last--;
  if (first !== bucketOf(metric, s.min) || last !== bucketOf(metric, s.max)) {
    return "min and max must lie in the first and last non-empty buckets";
  }
  const n = s.count;
  const slack = 1e-9 * Math.max(n * s.max, 1);
  if (!Number.isFinite(s.sum) || s.sum < n * s.min - slack || s.sum > n * s.max + slack) {
    return "sum must lie between count·min and count·max";
  }
  return null;
}

const SUMMARY_KEYS = ["count", "min", "max", "sum", "buckets", "mean", "p95"];
const WHOLE = "count and buckets must be whole numbers";

/**
 * A number as JSON can state one. network.rs reads JSON, which has no NaN or
 * ±Infinity; Convex values do, and `server/` reads them as `null` (no number), so
 * they are refused here as not being numbers, with the same reasons.
 */
function isJsonNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** A whole number as serde_json's `as_u64` reads one (no sign, no fraction). */
function isWhole(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}

/** The summary an object states, or why it states none (`read_summary`). */
function readSummary(obj: Record<string, unknown>): Summary | string {
  if (Object.keys(obj).some((k) => obj[k] !== undefined && !SUMMARY_KEYS.includes(k))) {
    return "summary has a field other than count, min, max, sum, buckets";
  }
  const { count, buckets } = obj;
  if (!isWhole(count)) return WHOLE;
  if (!Array.isArray(buckets) || buckets.length !== BUCKETS) {
    return "buckets must be an array of 10 whole numbers";
  }
  if (!buckets.every(isWhole)) return WHOLE;
  const nums: number[] = [];
  for (const key of ["min", "max", "sum"]) {
    const x = obj[key];
    if (!isJsonNumber(x)) return "summary needs count, min, max, sum and buckets";
    nums.push(plain(x));
  }
  const [min, max, sum] = nums as [number, number, number];
  return { count, min, max, sum, buckets: buckets.map(plain) };
}

/** A metric's argument as a summary (`Summary::from_arg`), or why it is none. */
function fromArg(metric: Metric, arg: unknown): Summary | string {
  if (isJsonNumber(arg)) {
    const value = plain(arg);
    return sampleProblem(metric, value) ?? summaryOf(metric, value);
  }
  if (typeof arg !== "object" || arg === null || Array.isArray(arg)) {
    return "must be a number (a sample) or a summary object";
  }
  const summary = readSummary(arg as Record<string, unknown>);
  if (typeof summary === "string") return summary;
  return summaryProblem(metric, summary) ?? summary;
}

/**
 * The report in an op's args (`NetworkStats::from_args`): each metric given, read in
 * the order rttMs, jitterMs, packetLossPct, bitrateKbps; the first bad one is
 * INVALID_ARGUMENT naming it, and a report without any metric is INVALID_ARGUMENT.
 */
export function readReport(args: Partial<Record<Metric, unknown>>): Report {
  const report: Report = {};
  for (const metric of METRICS) {
    const arg = args[metric];
    if (arg === undefined) continue;
    const summary = fromArg(metric, arg);
    if (typeof summary === "string") invalid(`${metric} ${summary}`);
    report[metric] = summary;
  }
  if (Object.keys(report).length === 0) {
    invalid("a report needs at least one of rttMs, jitterMs, packetLossPct, bitrateKbps");
  }
  return report;
}

/** A summary as a session keeps it: its five fields, `mean` and `p95`. */
export function sessionSummary(metric: Metric, s: Summary): SessionSummary {
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    sum: s.sum,
    buckets: [...s.buckets],
    mean: mean(s),
    p95: p95(metric, s),
  };
}

/**
 * The session's `network` with `report` merged in (the session's summary first):
 * metrics not reported are left as they are.
 */
export function mergeInto(network: Network | undefined, report: Report): Network {
  const next: Network = { ...network };
  for (const metric of METRICS) {
    const add = report[metric];
    if (add === undefined) continue;
    const have = next[metric];
    const merged =
      have === undefined
        ? add
        : merge({ count: have.count, min: have.min, max: have.max, sum: have.sum, buckets: have.buckets }, add);
    next[metric] = sessionSummary(metric, merged);
  }
  return next;
}
