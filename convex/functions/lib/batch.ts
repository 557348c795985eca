/**
 * `applyBatch`: a client's outbox flushed in one transaction.
 *
 * Ops run in order; each is applied, replayed from its `processedOps` record, or
 * rejected — a rejection changes nothing, does not stop the batch, and is recorded
 * too, so resending a whole batch yields the same results and no changes. Event
 * times are the ops' `occurredAt`, shifted by `serverNow − sentAt` when the client's
 * clock is off by more than two minutes; a shift moves every time of the batch
 * alike, so durations are never changed by it.
 *
 * An op may name the SDK client instance that made it and its number there
 * (`clientId`, `seq`): it is then also known as processed by that pair — its kept
 * record under any opId, or, once the sweep has forgotten the record, the
 * instance's watermark (`lib/watermarks.ts`), answered `duplicate` with value
 * `null`. Ops without the pair (ConvexHttpClient callers, records stored by older
 * SDKs) keep opId dedupe alone.
 *
 * The results may cover only a prefix of the ops: when the transaction's remaining
 * byte or document budget could not take one more worst-case op, the batch stops
 * (see `lib/budget.ts`), and the client resends the unanswered ops.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { parseOp } from "./batchArgs";
import { OP_HEADROOM, hasHeadroom } from "./budget";
import { type ErrorData, codedError, invalid } from "./errors";
import { caller } from "./identity";
import { runOp } from "./lifecycle";
import {
  type Applied,
  applied,
  checkOpId,
  findBySeq,
  findOp,
  recordOp,
  storedSessionOutcome,
} from "./ops";
import { LIMITS, clampFuture, isoFromMs, parseIso } from "./validate";
import { type ClientSeq, checkClientSeq, forgottenSeq } from "./watermarks";

/** Clock differences up to this are left alone (ms). */
export const SKEW_TOLERANCE_MS = 120_000;

export type BatchOp = {
  opId: string;
  kind: string;
  occurredAt: string;
  args: unknown;
  clientId?: string;
  seq?: number;
};

export type BatchValue = Applied;

export type BatchResult =
  | { opId: string; status: "applied" | "duplicate"; value: BatchValue }
  | { opId: string; status: "duplicate"; value: null }
  | { opId: string; status: "rejected"; error: ErrorData };

export type BatchArgs = { userId?: string; sentAt?: string; ops: BatchOp[] };

export function skewShift(serverNow: number, sentAtMs: number): number {
  const shift = serverNow - sentAtMs;
  return Math.abs(shift) > SKEW_TOLERANCE_MS ? shift : 0;
}

export async function applyBatch(
  ctx: MutationCtx,
  args: BatchArgs,
): Promise<{ results: BatchResult[]; serverTime: string }> {
  const user = await caller(ctx, args.userId);
  if (args.ops.length > LIMITS.batchOps) {
    invalid(`a batch holds at most ${LIMITS.batchOps} ops (got ${args.ops.length})`);
  }
  for (const op of args.ops) {
    checkOpId(op.opId);
    checkClientSeq(op);
  }
  const serverNow = Date.now();
  const sentAtMs = args.sentAt === undefined ? undefined : parseIso("sentAt", args.sentAt);
  const clock: Clock = {
    reference: sentAtMs ?? serverNow,
    shift: sentAtMs === undefined ? 0 : skewShift(serverNow, sentAtMs),
  };
  const results: BatchResult[] = [];
  for (const op of args.ops) {
    // Stop before an op that might not fit: the ops not answered stay in the client's
    // outbox and come again with its next batch (the first op always runs).
    if (results.length > 0 && !(await hasHeadroom(ctx, OP_HEADROOM))) break;
    results.push(await applyOne(ctx, user, op, clock));
  }
  return { results, serverTime: new Date(serverNow).toISOString() };
}

/**
 * How a batch turns `occurredAt` into an event time: clamped to `reference` (the
 * batch's `sentAt`, else now) when more than a minute after it — an event cannot
 * happen after the batch reporting it was sent (D3) — then moved by `shift`.
 */
type Clock = { reference: number; shift: number };

async function applyOne(
  ctx: MutationCtx,
  user: string,
  op: BatchOp,
  clock: Clock,
): Promise<BatchResult> {
  const { opId } = op;
  const row = await findOp(ctx, opId);
  if (row !== null) return replay(row, opId, user);
  const client = checkClientSeq(op);
  if (client !== null) {
    const kept = await findBySeq(ctx, user, client);
    if (kept !== null) return replay(kept, opId, user);
    // Processed, and its record swept: nothing is left to answer with.
    if (client.seq <= (await forgottenSeq(ctx, user, client.clientId))) {
      return { opId, status: "duplicate", value: null };
    }
  }
  return await runFresh(ctx, user, op, clock, client);
}

/** The answer to an op already processed, from its record. */
function replay(row: Doc<"processedOps">, opId: string, user: string): BatchResult {
  try {
    const stored = storedSessionOutcome(row, user);
    return "rejected" in stored
      ? { opId, status: "rejected", error: stored.rejected }
      : { opId, status: "duplicate", value: stored.applied };
  } catch (e) {
    return { opId, status: "rejected", error: coded(e) };
  }
}

async function runFresh(
  ctx: MutationCtx,
  user: string,
  op: BatchOp,
  clock: Clock,
  client: ClientSeq | null,
): Promise<BatchResult> {
  const { opId } = op;
  try {
    const parsed = parseOp(ctx, op.kind, op.args, user);
    const occurred = clampFuture(parseIso("occurredAt", op.occurredAt), clock.reference);
    const t = isoFromMs("occurredAt", occurred + clock.shift);
    const session = await runOp(ctx, parsed, t, user);
    const value = applied(session);
    await recordOp(ctx, opId, session.userId, op.kind, { applied: value }, client);
    return { opId, status: "applied", value };
  } catch (e) {
    const error = coded(e);
    await recordOp(ctx, opId, user, op.kind, { rejected: error }, client);
    return { opId, status: "rejected", error };
  }
}

/** The coded payload of a refusal; anything else is a bug and fails the batch. */
function coded(e: unknown): ErrorData {
  const error = codedError(e);
  if (error === null) throw e;
  return error;
}
