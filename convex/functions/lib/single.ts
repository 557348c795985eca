/**
 * The common path of the single (non-batch) mutations: opId dedupe, event time,
 * the op itself, and the dedupe record — all in the caller's one transaction.
 *
 * A mutation that throws records nothing (Convex rolls the transaction back), so a
 * refused single op may be retried; a replayed op whose record is a batch rejection
 * throws that same coded error again, and a replayed applied op answers with the
 * session as it is now (the record keeps only its id and status).
 */
import { ConvexError } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import { type Op, runOp } from "./lifecycle";
import { fail } from "./errors";
import { type Session, applied, checkOpId, findOp, recordOp, storedSessionOutcome } from "./ops";
import { clampFuture, isoFromMs, parseIso } from "./validate";

export type Common = { opId?: string; occurredAt?: string };

/**
 * The event time of a single mutation: `occurredAt` normalised — clamped to now when
 * it is more than a minute ahead of it (D3) — else now.
 */
export function eventTime(occurredAt: string | undefined): string {
  const now = Date.now();
  if (occurredAt === undefined) return new Date(now).toISOString();
  return isoFromMs("occurredAt", clampFuture(parseIso("occurredAt", occurredAt), now));
}

/**
 * Runs `op` once per opId. `user` is the caller as far as known (null when anonymous
 * and the function takes no userId); `owner` is passed to the ownership check.
 */
export async function runSingle(
  ctx: MutationCtx,
  op: Op,
  common: Common,
  user: string | null,
  owner: string | null,
): Promise<Session> {
  const { opId } = common;
  if (opId !== undefined) {
    checkOpId(opId);
    const row = await findOp(ctx, opId);
    if (row !== null) {
      const stored = storedSessionOutcome(row, user);
      if ("rejected" in stored) throw new ConvexError(stored.rejected);
      const { sessionId } = stored.applied;
      const session = await ctx.db.get("videoCallSessions", sessionId);
      if (session === null) return fail("NOT_FOUND", `session ${sessionId} no longer exists`);
      return session;
    }
  }
  const session = await runOp(ctx, op, eventTime(common.occurredAt), owner);
  if (opId !== undefined) {
    await recordOp(ctx, opId, session.userId, op.kind, { applied: applied(session) });
  }
  return session;
}
