/**
 * Transaction headroom: how batches and the sweep stay inside Convex's
 * per-transaction limits (16 MiB read, 16 MiB written, 32,000 documents read,
 * 16,000 written, 4,096 queries) however large the documents they touch.
 *
 * A count alone cannot promise that: one op on a maximum-size session with CJK text
 * reads and writes a hundred times more bytes than one on a small session, and a
 * transaction over a limit fails as a whole, every time it is retried. So the loops
 * ask Convex (`ctx.meta.getTransactionMetrics()`) before each step whether one more
 * worst-case step still fits, and stop early when it does not — a batch answers the
 * ops it ran (the client resends the rest), the sweep schedules itself again.
 */
import type { MutationCtx } from "../_generated/server";

/** Room one step may need at most: above any single op on a maximum-size session. */
export type Headroom = {
  bytesRead: number;
  bytesWritten: number;
  documentsRead: number;
  documentsWritten: number;
  databaseQueries: number;
};

const MiB = 1 << 20;

/** One batch op: a maximum-size session (< 100 KB) read a few times and written once. */
export const OP_HEADROOM: Headroom = {
  bytesRead: 1 * MiB,
  bytesWritten: 512 * 1024,
  documentsRead: 64,
  documentsWritten: 16,
  databaseQueries: 32,
};

/** One swept row: a legacy record may hold a session copy (< 100 KB). */
export const ROW_HEADROOM: Headroom = {
  bytesRead: 512 * 1024,
  bytesWritten: 256 * 1024,
  documentsRead: 8,
  documentsWritten: 4,
  databaseQueries: 8,
};

/** True while the transaction can still afford one step needing `need`. */
export async function hasHeadroom(ctx: MutationCtx, need: Headroom): Promise<boolean> {
  const m = await ctx.meta.getTransactionMetrics();
  return (
    m.bytesRead.remaining >= need.bytesRead &&
    m.bytesWritten.remaining >= need.bytesWritten &&
    m.documentsRead.remaining >= need.documentsRead &&
    m.documentsWritten.remaining >= need.documentsWritten &&
    m.databaseQueries.remaining >= need.databaseQueries
  );
}
