/**
 * Hand validation of a batch op's `args` (they travel as `v.any()`, because a
 * malformed op must be rejected on its own instead of failing the whole batch).
 *
 * The rules mirror the single mutations' validators: a plain object, no unknown keys
 * (so `userId`, `opId` and `occurredAt` are refused — the batch supplies them),
 * each key of its declared type, ids of the right table. Limits are checked later by
 * the shared lifecycle code, exactly as for the single mutations.
 */
import type { MutationCtx } from "../_generated/server";
import { echo, invalid } from "./errors";
import type { Op } from "./lifecycle";
import { OP_KINDS, type OpKind } from "./ops";

type FieldType = "string" | "boolean" | "number" | "sessionId" | "appointmentId" | "any";
type Shape = { required: readonly string[]; fields: Record<string, FieldType> };

const REF: Record<string, FieldType> = { sessionId: "sessionId", clientSessionId: "string" };

const SHAPES: Record<OpKind, Shape> = {
  startSession: {
    required: ["supportWorkerName"],
    fields: {
      supportWorkerName: "string",
      supportWorkerId: "string",
      appointmentId: "appointmentId",
      audioOption: "string",
      clientSessionId: "string",
      metadata: "any",
      utcOffsetMin: "number",
    },
  },
  markConnected: { required: [], fields: REF },
  endSession: { required: [], fields: { ...REF, endReason: "string" } },
  updateSessionSettings: {
    required: [],
    fields: { ...REF, cameraEnabled: "boolean", micEnabled: "boolean", audioOption: "string" },
  },
  reportQualityIssue: {
    required: ["issue"],
    fields: { ...REF, issue: "string", utcOffsetMin: "number" },
  },
  markFailed: { required: [], fields: { ...REF, reason: "string" } },
  markReconnecting: { required: [], fields: REF },
  markReconnected: { required: [], fields: REF },
  markScreenShare: { required: ["active"], fields: { ...REF, active: "boolean" } },
  rateSession: { required: ["rating"], fields: { ...REF, rating: "number", comment: "string" } },
  // A metric is a number or a summary object: lib/network.ts judges it (the same
  // check as for the single mutation), and that none is given.
  reportNetworkStats: {
    required: [],
    fields: { ...REF, rttMs: "any", jitterMs: "any", packetLossPct: "any", bitrateKbps: "any" },
  },
};

function isKind(kind: string): kind is OpKind {
  return (OP_KINDS as readonly string[]).includes(kind);
}

function checkField(ctx: MutationCtx, key: string, type: FieldType, value: unknown): unknown {
  switch (type) {
    case "any":
      return value;
    case "boolean":
      if (typeof value !== "boolean") invalid(`args.${key} must be a boolean`);
      return value;
    case "string":
      if (typeof value !== "string") invalid(`args.${key} must be a string`);
      return value;
    case "number":
      // Any float64, NaN included (as `v.number()` takes it); ranges are the
      // lifecycle's checks, the same as for the single mutation.
      if (typeof value !== "number") invalid(`args.${key} must be a number`);
      return value;
    case "sessionId":
    case "appointmentId": {
      const table = type === "sessionId" ? "videoCallSessions" : "appointments";
      const id = typeof value === "string" ? ctx.db.normalizeId(table, value) : null;
      if (id === null) invalid(`args.${key} must be an id of table ${table}`);
      return id;
    }
  }
}

/** The op `kind` with `args`, shaped for `runOp`, or INVALID_ARGUMENT. */
export function parseOp(ctx: MutationCtx, kind: string, args: unknown, userId: string): Op {
  if (!isKind(kind)) invalid(`unknown op kind ${JSON.stringify(echo(kind))}`);
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    invalid("args must be an object");
  }
  const shape = SHAPES[kind];
  const parsed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    const type = shape.fields[key];
    if (type === undefined) invalid(`${kind} does not take args.${echo(key)}`);
    parsed[key] = checkField(ctx, key, type, value);
  }
  for (const key of shape.required) {
    if (!(key in parsed)) invalid(`${kind} needs args.${key}`);
  }
  if (kind === "startSession") {
    return { kind, args: { ...parsed, userId } as Extract<Op, { kind: "startSession" }>["args"] };
  }
  return { kind, args: parsed } as Op;
}
