/**
 * Retention of the dedupe records: an op id is remembered for 14 days, and then
 * forgotten so the table stays bounded. A record of an op that named its SDK client
 * instance and `seq` raises that instance's watermark as it is deleted, in the same
 * transaction (`lib/watermarks.ts`), so such an op stays known after the window.
 *
 * The sweep deletes at most `SWEEP_CHUNK` rows per transaction and stops earlier when
 * the transaction's read or write budget runs low (records of the older layout carry
 * a session copy, up to ≈ 100 KB each: 500 of them once made the sweep fail Convex's
 * 16 MiB read limit every day on the same rows). Whenever it stops with stale rows
 * possibly left, it schedules itself again, so it always finishes.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { ROW_HEADROOM, hasHeadroom } from "./lib/budget";
import { raiseWatermark } from "./lib/watermarks";

export const RETENTION_MS = 14 * 24 * 60 * 60 * 1000;
export const SWEEP_CHUNK = 500;

export const sweep = internalMutation({
  args: { chunk: v.optional(v.number()) },
  handler: async (ctx, args): Promise<{ deleted: number; more: boolean }> => {
    const chunk = Math.max(1, Math.floor(args.chunk ?? SWEEP_CHUNK));
    const cutoff = Date.now() - RETENTION_MS;
    const stale = ctx.db
      .query("processedOps")
      .withIndex("by_processed_at", (q) => q.lt("processedAt", cutoff));
    let deleted = 0;
    let more = false;
    for await (const row of stale) {
      if (row.clientId !== undefined && row.seq !== undefined) {
        await raiseWatermark(ctx, row.userId, { clientId: row.clientId, seq: row.seq });
      }
      await ctx.db.delete("processedOps", row._id);
      deleted += 1;
      if (deleted >= chunk || !(await hasHeadroom(ctx, ROW_HEADROOM))) {
        more = true;
        break;
      }
    }
    if (more) await ctx.scheduler.runAfter(0, internal.processedOps.sweep, { chunk });
    return { deleted, more };
  },
});
