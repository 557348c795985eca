/**
 * Exactly once across any delay: what is remembered of an SDK client instance's ops
 * once their `processedOps` records are swept.
 *
 * Each SDK client instance (a tab, a runtime) names itself (`clientId`, random) and
 * numbers its ops (`seq` = 1, 2, 3… in the order it makes them) on every batch op.
 * A record keeps the pair, so an op is known by it while the record is kept (even
 * under another opId). When the 14-day sweep deletes a record it raises the
 * instance's watermark — the highest `seq` forgotten — in the same transaction, so
 * a record is never gone without its watermark, and an op at or below it is a
 * replay however late it comes: a phone that was in a drawer for a month resends a
 * batch whose reply it lost, and nothing is applied twice.
 *
 * The watermark moves only as records are forgotten (14 days after the op), not at
 * each op: an op overtaken by a later one of its instance (written to storage out
 * of order by another tab's sender, say) is still applied when it arrives within
 * the 14 days. One row per (user, instance) whose records were swept; rows are kept
 * as long as the instance may come back, which is forever: a few dozen bytes per
 * tab or app install that ever sent a batch.
 */
import type { MutationCtx } from "../_generated/server";
import { invalid } from "./errors";
import { LIMITS } from "./validate";

/** An op's client instance and its number in that instance's sequence. */
export type ClientSeq = { clientId: string; seq: number };

/** The largest `seq` taken: every whole number up to it is exact in a float64. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** An op's `clientId` and `seq` (both or neither), or INVALID_ARGUMENT. */
export function checkClientSeq(op: {
  clientId?: string;
  seq?: number;
}): ClientSeq | null {
  const { clientId, seq } = op;
  if (clientId === undefined && seq === undefined) return null;
  if (clientId === undefined || seq === undefined) {
    return invalid("an op names both clientId and seq, or neither");
  }
  if (clientId.length < 1 || clientId.length > LIMITS.clientId) {
    invalid(`clientId must be 1-${LIMITS.clientId} characters`);
  }
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ) {
    invalid("seq must be a whole number from 1 to 2^53-1");
  }
  return { clientId, seq };
}

async function find(ctx: MutationCtx, userId: string, clientId: string) {
  return await ctx.db
    .query("clientWatermarks")
    .withIndex("by_client", (q) =>
      q.eq("userId", userId).eq("clientId", clientId),
    )
    .unique();
}

/** The highest `seq` of the instance whose record was swept (0 when none was). */
export async function forgottenSeq(
  ctx: MutationCtx,
  userId: string,
  clientId: string,
): Promise<number> {
  return (await find(ctx, userId, clientId))?.forgottenSeq ?? 0;
}

/** Raises the instance's watermark to `seq` (never lowers it). */
export async function raiseWatermark(
  ctx: MutationCtx,
  userId: string,
  client: ClientSeq,
): Promise<void> {
  const row = await find(ctx, userId, client.clientId);
  const updatedAt = Date.now();
  if (row === null) {
    await ctx.db.insert("clientWatermarks", {
      userId,
      clientId: client.clientId,
      forgottenSeq: client.seq,
      updatedAt,
    });
  } else if (row.forgottenSeq < client.seq) {
    await ctx.db.patch("clientWatermarks", row._id, {
      forgottenSeq: client.seq,
      updatedAt,
    });
  }
}
