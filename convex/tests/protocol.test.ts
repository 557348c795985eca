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

  test("the schema's session states are the crate's", () => {
    expect(sessionStatus.members.map((m) => m.value)).toEqual(protocol.sessionStatuses);
  });
});
