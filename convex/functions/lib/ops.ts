/**
 * Exactly-once delivery: the `processedOps` table.
 *
 * An op id is looked up and recorded in the same transaction as the change it names,
 * so a retried op either finds its record (and changes nothing) or runs for the first
 * time; there is no window in between. A record keeps what a replay needs and no
 * more: `{applied: {sessionId, sessionStatus, duration?}}` (the session's state right
 * after the op — a batch replays exactly that), `{rejected}` or `{appointmentId}`.
 * It never copies the session: a record the size of a maximal session (≈ 30 KB) made
 * every batch write twice what it changed and the daily sweep read gigabytes, past
 * Convex's 16 MiB per-transaction read limit. A single mutation that replays into a
 * document reads the session as it is now.
 *
 * Records written before this layout (`{session: {sessionId, creationTime,
 * fields}}`) are still read, as the same summary, so their ops stay exactly once.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { type ErrorData, fail, invalid } from "./errors";
import { LIMITS, checkRequired } from "./validate";
import type { ClientSeq } from "./watermarks";

export type OpKind =
  | "startSession"
  | "markConnected"
  | "endSession"
  | "updateSessionSettings"
  | "reportQualityIssue"
  | "markFailed"
  | "markReconnecting"
  | "markReconnected"
  | "markScreenShare"
  | "rateSession"
  | "reportNetworkStats";

/** The protocol crate's op kinds, in its order (tests/protocol.test.ts checks). */
export const OP_KINDS: readonly OpKind[] = [
  "startSession",
  "markConnected",
  "endSession",
  "updateSessionSettings",
  "reportQualityIssue",
  "markFailed",
  "markReconnecting",
  "markReconnected",
  "markScreenShare",
  "rateSession",
  "reportNetworkStats",
];

export type Session = Doc<"videoCallSessions">;

/** What an applied session op left: the batch value of the contract. */
export type Applied = {
  sessionId: Id<"videoCallSessions">;
  sessionStatus: Session["sessionStatus"];
  duration?: number;
};

/** The outcome of an op, as stored and as read back. */
export type Outcome =
  { applied: Applied } | { rejected: ErrorData } | { appointmentId: Id<"appointments"> };

/** The summary of a session that a record keeps. */
export function applied(session: Session): Applied {
  return {
    sessionId: session._id,
    sessionStatus: session.sessionStatus,
    ...(session.duration === undefined ? {} : { duration: session.duration }),
  };
}

type LegacySession = {
  sessionId: Id<"videoCallSessions">;
  fields: { sessionStatus: Session["sessionStatus"]; duration?: number };
};

function load(stored: Outcome | { session: LegacySession }): Outcome {
  if (!("session" in stored)) return stored;
  const { sessionId, fields } = stored.session;
  return {
    applied: {
      sessionId,
      sessionStatus: fields.sessionStatus,
      ...(fields.duration === undefined ? {} : { duration: fields.duration }),
    },
  };
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
  return load(row.result as Outcome | { session: LegacySession });
}

/** What a replayed session op left behind, or its stored refusal. */
export function storedSessionOutcome(
  row: Doc<"processedOps">,
  user: string | null,
): { applied: Applied } | { rejected: ErrorData } {
  const stored = storedOutcome(row, user);
  if ("appointmentId" in stored) {
    return invalid(`opId ${row.opId} was already used for ${row.kind}`);
  }
  return stored;
}

/** The kept record of `userId`'s op `seq` of a client instance, whatever its opId. */
export async function findBySeq(
  ctx: MutationCtx,
  userId: string,
  client: ClientSeq,
): Promise<Doc<"processedOps"> | null> {
  return await ctx.db
    .query("processedOps")
    .withIndex("by_client_seq", (q) =>
      q.eq("userId", userId).eq("clientId", client.clientId).eq("seq", client.seq),
    )
    .first();
}

export async function recordOp(
  ctx: MutationCtx,
  opId: string,
  userId: string,
  kind: string,
  outcome: Outcome,
  client: ClientSeq | null = null,
): Promise<void> {
  await ctx.db.insert("processedOps", {
    opId,
    userId,
    kind,
    result: outcome,
    processedAt: Date.now(),
    ...(client === null ? {} : { clientId: client.clientId, seq: client.seq }),
  });
}
