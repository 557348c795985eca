/**
 * Retention of the dedupe records: an op id is remembered for 14 days, far longer
 * than any outbox keeps an op, and then forgotten so the table stays bounded.
 *
 * The sweep deletes at most `SWEEP_CHUNK` rows per transaction (well under Convex's
 * per-transaction limits) and schedules itself again while a chunk comes back full.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";

export const RETENTION_MS = 14 * 24 * 60 * 60 * 1000;
export const SWEEP_CHUNK = 500;

export const sweep = internalMutation({
  args: { chunk: v.optional(v.number()) },
  handler: async (ctx, args): Promise<{ deleted: number; more: boolean }> => {
    const chunk = Math.max(1, Math.floor(args.chunk ?? SWEEP_CHUNK));
    const cutoff = Date.now() - RETENTION_MS;
    const stale = await ctx.db
      .query("processedOps")
      .withIndex("by_processed_at", (q) => q.lt("processedAt", cutoff))
      .take(chunk);
    for (const row of stale) await ctx.db.delete(row._id);
    const more = stale.length === chunk;
    if (more) await ctx.scheduler.runAfter(0, internal.processedOps.sweep, { chunk });
    return { deleted: stale.length, more };
  },
});
