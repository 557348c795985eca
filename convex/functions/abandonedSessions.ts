/**
 * Abandoned sessions (docs/contract.md "Abandoned sessions (issue #13, item 1)").
 *
 * An app killed mid-call never sends `endSession`, and its session would stay active
 * forever (and be `getActiveSession`'s answer). A cron (crons.ts, every 15 minutes)
 * closes every `connecting`, `connected` or `reconnecting` session whose `updatedAt`
 * is more than the timeout before now — provisionally: `ended`, `endReason
 * "timeout"`, `timedOutFrom` = its status (lib/lifecycle.ts `timeOut`); any later op
 * but rateSession undoes it first (lib/lifecycle.ts `runOp`).
 *
 * The timeout is the deployment's environment variable `SESSION_TIMEOUT_MINUTES`
 * (default 240). Candidates are found through the index `by_status_and_updated`
 * (`sessionStatus`, `updatedAt`): per active status, the sessions whose `updatedAt`
 * is below the cutoff, oldest first — never a scan of history. Times are stored
 * normalised (`toISOString()`), so string order is time order.
 *
 * Like the processedOps sweep, it closes at most `chunk` sessions per transaction and
 * stops earlier when the transaction's budget runs low (a session may be ≈ 100 KB);
 * whenever it stops with sessions possibly left, it schedules itself again (with the
 * same `now`, when one was given), so it always finishes.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { envVar } from "./lib/authProviders";
import { OP_HEADROOM, hasHeadroom } from "./lib/budget";
import { timeOut } from "./lib/lifecycle";
import { parseIso } from "./lib/validate";

export const DEFAULT_TIMEOUT_MINUTES = 240;
export const SWEEP_CHUNK = 200;
const ACTIVE = ["connecting", "connected", "reconnecting"] as const;

/**
 * The timeout in ms: `SESSION_TIMEOUT_MINUTES` (a positive number of minutes), else
 * 240 minutes. Any other value fails the sweep loudly rather than closing sessions
 * at a time nobody chose.
 */
export function timeoutMs(): number {
  const raw = envVar("SESSION_TIMEOUT_MINUTES");
  if (raw === undefined || raw.trim() === "") return DEFAULT_TIMEOUT_MINUTES * 60_000;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new Error(`SESSION_TIMEOUT_MINUTES must be a positive number of minutes (got ${JSON.stringify(raw)})`);
  }
  return minutes * 60_000;
}

export const sweep = internalMutation({
  args: {
    // For tests: the time to sweep at (ISO), instead of the server's now.
    now: v.optional(v.string()),
    chunk: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<{ closed: number; more: boolean }> => {
    const chunk = Math.max(1, Math.floor(args.chunk ?? SWEEP_CHUNK));
    const now = args.now === undefined ? Date.now() : parseIso("now", args.now);
    // Strictly more than the timeout: a session updated exactly `timeout` ago stays.
    // A cutoff before 1970 closes nothing (no event time is that early).
    const cutoffMs = now - timeoutMs();
    if (!(cutoffMs >= 0)) return { closed: 0, more: false };
    const cutoff = new Date(cutoffMs).toISOString();
    let closed = 0;
    let more = false;
    statuses: for (const status of ACTIVE) {
      const stale = ctx.db
        .query("videoCallSessions")
        .withIndex("by_status_and_updated", (q) => q.eq("sessionStatus", status).lt("updatedAt", cutoff));
      for await (const session of stale) {
        await timeOut(ctx, session);
        closed += 1;
        if (closed >= chunk || !(await hasHeadroom(ctx, OP_HEADROOM))) {
          more = true;
          break statuses;
        }
      }
    }
    if (more) await ctx.scheduler.runAfter(0, internal.abandonedSessions.sweep, { ...args, chunk });
    return { closed, more };
  },
});
