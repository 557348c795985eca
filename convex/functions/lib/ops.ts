/**
 * Exactly-once delivery: the `processedOps` table.
 *
 * An op id is looked up and recorded in the same transaction as the change it names,
 * so a retried op either finds its record (and changes nothing) or runs for the first
 * time; there is no window in between. A record keeps the session as the op left it
 * (`{session}`) or the refusal (`{rejected}`), from which either calling path (single
 * mutation or batch) rebuilds the answer it would have given the first time.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { type ErrorData, fail, invalid } from "./errors";
import { LIMITS, checkRequired } from "./validate";

export type OpKind =
  | "startSession"
  | "markConnected"
  | "endSession"
  | "updateSessionSettings"
  | "reportQualityIssue"
  | "markFailed";

export const OP_KINDS: readonly OpKind[] = [
  "startSession",
  "markConnected",
  "endSession",
  "updateSessionSettings",
  "reportQualityIssue",
  "markFailed",
];

export type Session = Doc<"videoCallSessions">;

/** The outcome of an op as the code sees it. */
export type Outcome =
  { session: Session } | { rejected: ErrorData } | { appointmentId: Id<"appointments"> };

/**
 * The outcome as stored: Convex reserves field names starting with `_` at every
 * depth, so the session's system fields are kept under plain names.
 */
type StoredSession = {
  sessionId: Id<"videoCallSessions">;
  creationTime: number;
  fields: Omit<Session, "_id" | "_creationTime">;
};
type StoredResult =
  { session: StoredSession } | { rejected: ErrorData } | { appointmentId: Id<"appointments"> };

function store(outcome: Outcome): StoredResult {
  if (!("session" in outcome)) return outcome;
  const { _id, _creationTime, ...fields } = outcome.session;
  return { session: { sessionId: _id, creationTime: _creationTime, fields } };
}

function load(stored: StoredResult): Outcome {
  if (!("session" in stored)) return stored;
  const { sessionId, creationTime, fields } = stored.session;
  return { session: { _id: sessionId, _creationTime: creationTime, ...fields } };
}

export function checkOpId(opId: string): string {
  return checkRequired("opId", opId, LIMITS.opId);
}

export async function findOp(ctx: MutationCtx, opId: string): Promise<Doc<"processedOps"> | null> {
  return await ctx.db
    .query("processedOps")
    .withIndex("by_op", (q) => q.eq("opId", opId))
    .unique();
}

/** The stored outcome of an op, refusing a record that belongs to another user. */
export function storedOutcome(row: Doc<"processedOps">, user: string | null): Outcome {
  if (user !== null && row.userId !== user) {
    fail("FORBIDDEN", `op ${row.opId} was sent by another user`);
  }
  return load(row.result as StoredResult);
}

/** The session a replayed session op left behind, or its stored refusal. */
export function storedSessionOutcome(
  row: Doc<"processedOps">,
  user: string | null,
): { session: Session } | { rejected: ErrorData } {
  const stored = storedOutcome(row, user);
  if ("appointmentId" in stored) {
    return invalid(`opId ${row.opId} was already used for ${row.kind}`);
  }
  return stored;
}

export async function recordOp(
  ctx: MutationCtx,
  opId: string,
  userId: string,
  kind: string,
  outcome: Outcome,
): Promise<void> {
  await ctx.db.insert("processedOps", {
    opId,
    userId,
    kind,
    result: store(outcome),
    processedAt: Date.now(),
  });
}
