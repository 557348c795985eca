/**
 * convex/ against the Rust `protocol` crate (what the SDK and server/ are built on).
 *
 * TypeScript cannot import the crate, so `protocol/limits.json` states its limits,
 * op kinds and session states; a Rust test in the crate keeps that file equal to its
 * constants, and this one keeps it equal to what the Convex functions enforce. A
 * limit changed on one side only fails one of the two.
 */
import { describe, expect, test } from "vitest";
import { sessionStatus } from "../functions/schema";
import { BOUNDS, BUCKETS, CEILINGS, METRICS } from "../functions/lib/network";
import { OP_KINDS } from "../functions/lib/ops";
import { FUTURE_TOLERANCE_MS, LIMITS } from "../functions/lib/validate";

type ProtocolTable = {
  limits: Record<string, number>;
  futureToleranceMs: number;
  opKinds: string[];
  sessionStatuses: string[];
};

const files = import.meta.glob("../../protocol/limits.json", { eager: true, import: "default" });
const protocol = Object.values(files)[0] as ProtocolTable;

// The network rules are Rust code, not a table: their constants are read out of the
// source text of `Metric::bounds` and `Metric::ceiling`.
const sources = import.meta.glob("../../protocol/src/network.rs", {
  eager: true,
  query: "?raw",
  import: "default",
});
const networkRs = Object.values(sources)[0] as string;

/** The body of `pub fn name(self) … { … }` in network.rs, up to the next `pub fn`. */
function rustFn(name: string): string {
  const start = networkRs.indexOf(`pub fn ${name}(self)`);
  if (start === -1) throw new Error(`network.rs has no fn ${name}(self)`);
  const next = networkRs.indexOf("pub fn ", start + 1);
  return networkRs.slice(start, next === -1 ? undefined : next);
}

/** `Metric::RttMs` → `rttMs`. */
const metricName = (variant: string) => variant[0]!.toLowerCase() + variant.slice(1);
const rustNumber = (text: string) => Number(text.replace(/_/g, ""));

/** Each metric's array in `Metric::bounds`. */
function rustBounds(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of rustFn("bounds").matchAll(/Metric::(\w+)\s*=>\s*\[([^\]]*)\]/g)) {
    out[metricName(m[1]!)] = m[2]!
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map(rustNumber);
  }
  return out;
}

/** Each metric's value in `Metric::ceiling` (arms may join metrics with `|`). */
function rustCeilings(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of rustFn("ceiling").matchAll(/((?:Metric::\w+\s*\|?\s*)+)=>\s*([\d_.]+)/g)) {
    for (const v of m[1]!.matchAll(/Metric::(\w+)/g)) out[metricName(v[1]!)] = rustNumber(m[2]!);
  }
  return out;
}

describe("convex/ states the protocol crate's table", () => {
  test("protocol/limits.json is found", () => {
    expect(Object.keys(files)).toHaveLength(1);
  });

  test("LIMITS equals the crate's limits, key for key", () => {
    expect({ ...LIMITS }).toEqual(protocol.limits);
  });

  test("the future tolerance is the crate's", () => {
    expect(FUTURE_TOLERANCE_MS).toBe(protocol.futureToleranceMs);
  });

  test("OP_KINDS are the crate's op kinds, in order", () => {
    expect([...OP_KINDS]).toEqual(protocol.opKinds);
  });

  test("network.rs is found", () => {
    expect(Object.keys(sources)).toHaveLength(1);
  });

  test("the network metrics, bucket bounds and ceilings are network.rs's", () => {
    const bounds = rustBounds();
    expect(Object.keys(bounds)).toEqual([...METRICS]);
    expect(networkRs).toContain(`pub const BUCKETS: usize = ${BUCKETS};`);
    for (const metric of METRICS) {
      expect(bounds[metric], metric).toHaveLength(BUCKETS - 1);
      expect([...BOUNDS[metric]], metric).toEqual(bounds[metric]);
    }
    expect(rustCeilings()).toEqual({ ...CEILINGS });
    for (const metric of METRICS) expect(networkRs).toContain(`"${metric}"`);
  });

  test("the schema's session states are the crate's", () => {
    expect(sessionStatus.members.map((m) => m.value)).toEqual(protocol.sessionStatuses);
  });
});
