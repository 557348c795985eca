/**
 * The shared analytics vectors (`tests/fixtures/analytics_vectors.json`, computed
 * independently of either port) against `functions/lib/analytics.ts`. The crate's
 * `protocol/tests/analytics_vectors.rs` reads the same file, so the two ports of the
 * bucketing rules cannot drift apart.
 */
import { describe, expect, test } from "vitest";
import {
  AnalyticsError,
  bucketsBetween,
  checkUtcOffset,
  localBuckets,
  mean2,
  parseDate,
  parseGranularity,
  round2,
} from "../../functions/lib/analytics";

type Vectors = {
  instants: { at: string; utcOffsetMin: number; day: string; week: string; month: string; slot: number; hour: number }[];
  offsets: { utcOffsetMin: number | string; ok: number | null }[];
  dates: { text: string; ok: boolean }[];
  ranges: {
    granularity: string;
    from: string;
    to: string;
    error?: string;
    count?: number;
    first?: string;
    last?: string;
    buckets?: string[];
  }[];
  round2: { x: number; round2: number }[];
  mean2: { sum: number; count: number; mean2: number | null }[];
};

const files = import.meta.glob("../../../tests/fixtures/analytics_vectors.json", { eager: true, import: "default" });
const vectors = Object.values(files)[0] as Vectors;

const num = (v: number | string): number => (typeof v === "number" ? v : Number(v));

/** The AnalyticsError message `f` throws (the test fails if it returns). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AnalyticsError);
    return (e as Error).message;
  }
  throw new Error("expected an AnalyticsError");
}

describe("analytics vectors shared with protocol/tests/analytics_vectors.rs", () => {
  test("the file is there, with every kind of vector", () => {
    expect(vectors).toBeDefined();
    for (const key of ["instants", "offsets", "dates", "ranges", "round2", "mean2"] as const) {
      expect(vectors[key].length).toBeGreaterThan(0);
    }
  });

  test("instants fall in the listed local buckets", () => {
    for (const c of vectors.instants) {
      const { day, week, month, slot, hour } = c;
      expect(localBuckets(Date.parse(c.at), c.utcOffsetMin), JSON.stringify(c)).toEqual({ day, week, month, slot, hour });
    }
  });

  test("offsets are taken or refused as listed", () => {
    for (const c of vectors.offsets) {
      const minutes = num(c.utcOffsetMin);
      if (c.ok === null) expect(refusal(() => checkUtcOffset(minutes))).toContain("utcOffsetMin");
      else expect(Object.is(checkUtcOffset(minutes), c.ok), JSON.stringify(c)).toBe(true);
    }
  });

  test("dates are taken or refused as listed", () => {
    for (const c of vectors.dates) {
      if (c.ok) {
        expect(new Date(parseDate("from", c.text)).toISOString().slice(0, 10)).toBe(c.text);
      } else {
        expect(refusal(() => parseDate("from", c.text)), c.text).toMatch(/^from must be a date/);
      }
    }
  });

  test("ranges give the listed buckets or error", () => {
    for (const c of vectors.ranges) {
      const run = () => bucketsBetween(parseGranularity(c.granularity), c.from, c.to);
      if (c.error !== undefined) {
        expect(refusal(run), JSON.stringify(c)).toContain(c.error);
        continue;
      }
      const buckets = run();
      expect([buckets.length, buckets[0], buckets[buckets.length - 1]], JSON.stringify(c)).toEqual([
        c.count,
        c.first,
        c.last,
      ]);
      if (c.buckets !== undefined) expect(buckets).toEqual(c.buckets);
    }
  });

  test("round2 and mean2 round as listed", () => {
    for (const c of vectors.round2) expect(round2(c.x), JSON.stringify(c)).toBe(c.round2);
    for (const c of vectors.mean2) expect(mean2(c.sum, c.count), JSON.stringify(c)).toBe(c.mean2);
  });
});
