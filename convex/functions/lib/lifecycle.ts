/**
 * The session lifecycle: which op may follow which status, and what each op writes.
 *
 *   connecting → connected → ended | failed;  connecting → ended (cancelled) | failed
 *   connected ⇄ reconnecting → ended | failed;  ended | failed → rated (once)
 *
 * (`protocol/src/status.rs` is the one table; docs/contract.md "Reconnection, screen
 * sharing, ratings".) Reconnecting and screen sharing are intervals: each opens at
 * an event time (`reconnectingSince`, `screenShareSince`) and, when it closes, adds
 * its whole seconds to the session's total — on its own closing op, or on the
 * `endSession`/`markFailed` that ends the call while it is open.
 *
 * A session the abandoned-session sweep closed (`timedOutFrom` set; `timeOut` below,
 * docs/contract.md "Abandoned sessions") is provisionally ended: every op but
 * `rateSession` is judged against the session as it was before the timeout and, once
 * it is known to apply, restores it (`reopen`) and then applies.
 *
 * Every op checks everything (limits, existence, ownership, transition, the state
 * checks of `checkState`) before its first write, so a refused op changes nothing —
 * and undoes no timeout — even inside a batch that goes on.
 * All times are the op's event time `t`, never the delivery time, so a duration is
 * a difference of two client event times and survives late or batched delivery.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail, invalid } from "./errors";
import { assertOwner } from "./identity";
import type { OpKind, Session } from "./ops";
import { type SessionRef, findByClientSessionId, requireSession } from "./sessionRef";
import { type Metric, type Report, mergeInto, readReport } from "./network";
import { checkOffsetArg } from "./analytics";
import { bumpPeriods, countIssue, countStart } from "./analyticsStats";
import { bumpStats } from "./stats";
import { LIMITS, checkMetadata, checkOptional, checkRequired, checkText } from "./validate";

type Status = Session["sessionStatus"];

export type StartArgs = {
  userId: string;
  supportWorkerName: string;
  supportWorkerId?: string;
  appointmentId?: Id<"appointments">;
  audioOption?: string;
  clientSessionId?: string;
  metadata?: unknown;
  utcOffsetMin?: number;
};
export type EndArgs = SessionRef & { endReason?: string };
export type SettingsArgs = SessionRef & {
  cameraEnabled?: boolean;
  micEnabled?: boolean;
  audioOption?: string;
};
export type IssueArgs = SessionRef & { issue: string; utcOffsetMin?: number };
export type FailArgs = SessionRef & { reason?: string };
export type ScreenShareArgs = SessionRef & { active: boolean };
export type RateArgs = SessionRef & { rating: number; comment?: string };
/** Each metric a sample or a summary, judged by lib/network.ts. */
export type NetworkArgs = SessionRef & Partial<Record<Metric, unknown>>;

/** One op, already shaped (by a validator or by hand) but not yet checked. */
export type Op =
  | { kind: "startSession"; args: StartArgs }
  | { kind: "markConnected"; args: SessionRef }
  | { kind: "endSession"; args: EndArgs }
  | { kind: "updateSessionSettings"; args: SettingsArgs }
  | { kind: "reportQualityIssue"; args: IssueArgs }
  | { kind: "markFailed"; args: FailArgs }
  | { kind: "markReconnecting"; args: SessionRef }
  | { kind: "markReconnected"; args: SessionRef }
  | { kind: "markScreenShare"; args: ScreenShareArgs }
  | { kind: "rateSession"; args: RateArgs }
  | { kind: "reportNetworkStats"; args: NetworkArgs };

const ACTIVE: readonly Status[] = ["connecting", "connected", "reconnecting"];

const ALLOWED_FROM: Record<Exclude<OpKind, "startSession">, readonly Status[]> = {
  markConnected: ["connecting"],
  endSession: ACTIVE,
  updateSessionSettings: ACTIVE,
  reportQualityIssue: ACTIVE,
  markFailed: ACTIVE,
  markReconnecting: ["connected"],
  markReconnected: ["reconnecting"],
  markScreenShare: ACTIVE,
  rateSession: ["ended", "failed"],
  reportNetworkStats: ACTIVE,
};

/** Whole seconds from `from` to `to`, never negative (the rule `duration` uses). */
export function wholeSecondsBetween(from: string, to: string): number {
  return Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 1000));
}

/**
 * The fields that close the session's open intervals at `t` (an ending op): an open
 * reconnecting interval adds to `reconnectSeconds`, an open screen share to
 * `screenShareSeconds`, and their `…Since` fields are removed.
 */
function closeIntervals(session: Session, t: string): Partial<Session> {
  return {
    ...(session.reconnectingSince === undefined
      ? {}
      : {
          reconnectSeconds:
            (session.reconnectSeconds ?? 0) + wholeSecondsBetween(session.reconnectingSince, t),
          reconnectingSince: undefined,
        }),
    ...(session.screenShareSince === undefined
      ? {}
      : {
          screenShareSeconds:
            (session.screenShareSeconds ?? 0) + wholeSecondsBetween(session.screenShareSince, t),
          screenShareSince: undefined,
        }),
  };
}

/**
 * Runs one op at event time `t` and returns the session as it left it.
 * `owner` is the user the session must belong to, or null for no check.
 */
export async function runOp(
  ctx: MutationCtx,
  op: Op,
  t: string,
  owner: string | null,
): Promise<Session> {
  if (op.kind === "startSession") return await start(ctx, op.args, t);
  const report = checkArgs(op);
  const stored = await requireSession(ctx, op.args);
  assertOwner(owner, stored.userId, "this session");
  // A session the abandoned-session sweep closed is judged as it was before the
  // timeout by every op but rateSession; it is restored only once the op is known to
  // apply, so a refused op (in a batch that goes on) undoes nothing.
  const undo = stored.timedOutFrom !== undefined && op.kind !== "rateSession";
  let session = undo ? patched(stored, reopenPatch(stored)) : stored;
  if (!ALLOWED_FROM[op.kind].includes(session.sessionStatus)) {
    fail("INVALID_TRANSITION", `${op.kind} is not allowed on a ${session.sessionStatus} session`);
  }
  checkState(op, session);
  if (undo) session = await reopen(ctx, stored);
  switch (op.kind) {
    case "markConnected":
      return await update(ctx, session, {
        sessionStatus: "connected",
        connectedAt: t,
        updatedAt: t,
      });
    case "endSession":
      return await end(ctx, session, op.args, t);
    case "updateSessionSettings":
      return await update(ctx, session, settingsPatch(op.args, t));
    case "reportQualityIssue": {
      const qualityIssues = [...(session.qualityIssues ?? []), op.args.issue];
      await bumpStats(ctx, session, { totalQualityIssues: 1 });
      await countIssue(ctx, session, t, op.args.utcOffsetMin);
      return await update(ctx, session, { qualityIssues, updatedAt: t });
    }
    case "markFailed": {
      await bumpStats(ctx, session, { failedSessions: 1 });
      await bumpPeriods(ctx, session, { failedSessions: 1 });
      return await update(ctx, session, {
        ...closeIntervals(session, t),
        sessionStatus: "failed",
        endedAt: t,
        updatedAt: t,
        ...(op.args.reason === undefined ? {} : { endReason: op.args.reason }),
      });
    }
    case "markReconnecting": {
      await bumpStats(ctx, session, { totalReconnects: 1 });
      return await update(ctx, session, {
        sessionStatus: "reconnecting",
        reconnectingSince: t,
        reconnectCount: (session.reconnectCount ?? 0) + 1,
        updatedAt: t,
      });
    }
    case "markReconnected": {
      // Status reconnecting always has reconnectingSince; a row without it (written
      // by hand) comes back with no time added rather than a refusal.
      const since = session.reconnectingSince;
      const seconds = since === undefined ? 0 : wholeSecondsBetween(since, t);
      return await update(ctx, session, {
        sessionStatus: "connected",
        reconnectSeconds: (session.reconnectSeconds ?? 0) + seconds,
        reconnectingSince: undefined,
        updatedAt: t,
      });
    }
    case "markScreenShare":
      return await update(ctx, session, screenSharePatch(session, op.args.active, t));
    case "reportNetworkStats": {
      // checkArgs read the report (a report always has a metric).
      const network = mergeInto(session.network, report ?? {});
      // The leaderboard's worker means: every sample of the report, summed.
      const { rttMs: rtt, packetLossPct: loss } = report ?? {};
      if (rtt !== undefined || loss !== undefined) {
        await bumpStats(ctx, session, {
          ...(rtt === undefined ? {} : { rttSum: rtt.sum, rttCount: rtt.count }),
          ...(loss === undefined ? {} : { lossSum: loss.sum, lossCount: loss.count }),
        });
      }
      return await update(ctx, session, { network, updatedAt: t });
    }
    case "rateSession": {
      const { rating, comment } = op.args;
      await bumpStats(ctx, session, { ratingSum: rating, ratingCount: 1 });
      return await update(ctx, session, {
        rating,
        ...(comment === undefined ? {} : { ratingComment: comment }),
        ratedAt: t,
        updatedAt: t,
      });
    }
  }
}

/**
 * What the session's state refuses besides its status, checked before any write: a
 * 51st quality issue, a second rating.
 */
function checkState(op: Exclude<Op, { kind: "startSession" }>, session: Session): void {
  if (
    op.kind === "reportQualityIssue" &&
    (session.qualityIssues?.length ?? 0) >= LIMITS.qualityIssuesPerSession
  ) {
    fail("INVALID_ARGUMENT", `a session keeps at most ${LIMITS.qualityIssuesPerSession} quality issues`);
  }
  if (op.kind === "rateSession" && session.rating !== undefined) {
    fail("INVALID_TRANSITION", "this session is rated already; a rating is never replaced");
  }
}

/**
 * The fields that undo a timeout (docs/contract.md "Abandoned sessions"): the status
 * back to `timedOutFrom`, `endedAt`, `endReason` and `timedOutFrom` removed. A session
 * timed out from reconnecting gets its interval reopened where the sweep closed it,
 * `reconnectingSince = endedAt` (docs/contract.md "Details both implementations
 * pin"), so the seconds the sweep counted plus the rest add up to what the call
 * records online. A screen-share interval the sweep closed stays closed.
 */
function reopenPatch(session: Session): Partial<Session> {
  const from = session.timedOutFrom;
  if (from === undefined) return {};
  return {
    sessionStatus: from,
    endedAt: undefined,
    endReason: undefined,
    timedOutFrom: undefined,
    // Where the sweep closed the interval: endedAt (the sweep's updatedAt), not
    // updatedAt, which a rating of the timed-out session moves.
    ...(from === "reconnecting" ? { reconnectingSince: session.endedAt ?? session.updatedAt } : {}),
  };
}

/** Undoes the timeout of `session`: the fields, and the completed session it counted. */
async function reopen(ctx: MutationCtx, session: Session): Promise<Session> {
  await bumpStats(ctx, session, { completedSessions: -1 });
  await bumpPeriods(ctx, session, { completedSessions: -1 });
  return await update(ctx, session, reopenPatch(session));
}

/**
 * Closes an abandoned session (the sweep, abandonedSessions.ts): `ended`, `endReason
 * "timeout"`, `endedAt = updatedAt` (the last moment it was known alive), no duration,
 * `timedOutFrom` = its status, open intervals closed at `updatedAt`, which stays; the
 * user and the worker count it as completed. The linked appointment is left as it is.
 */
export async function timeOut(ctx: MutationCtx, session: Session): Promise<Session> {
  const status = session.sessionStatus;
  if (status !== "connecting" && status !== "connected" && status !== "reconnecting") {
    throw new Error(`timeOut of a ${status} session`);
  }
  await bumpStats(ctx, session, { completedSessions: 1 });
  await bumpPeriods(ctx, session, { completedSessions: 1 });
  return await update(ctx, session, {
    ...closeIntervals(session, session.updatedAt),
    sessionStatus: "ended",
    endReason: "timeout",
    endedAt: session.updatedAt,
    timedOutFrom: status,
  });
}

/**
 * Screen sharing: a start opens the interval, a stop closes it. A start while
 * sharing or a stop while not (a stale UI toggling twice) changes only `updatedAt`.
 */
function screenSharePatch(session: Session, active: boolean, t: string): Partial<Session> {
  const since = session.screenShareSince;
  if (active && since === undefined) return { screenShareSince: t, updatedAt: t };
  if (!active && since !== undefined) {
    return {
      screenShareSeconds: (session.screenShareSeconds ?? 0) + wholeSecondsBetween(since, t),
      screenShareSince: undefined,
      updatedAt: t,
    };
  }
  return { updatedAt: t };
}

/** A rating: a whole number from ratingMin to ratingMax (NaN and fractions refused). */
export function checkRating(rating: number): number {
  if (!Number.isInteger(rating) || rating < LIMITS.ratingMin || rating > LIMITS.ratingMax) {
    invalid(
      `rating must be a whole number from ${LIMITS.ratingMin} to ${LIMITS.ratingMax} (got ${rating})`,
    );
  }
  return rating;
}

/** Checks an op's arguments (limits); a network report's is returned, read. */
function checkArgs(op: Exclude<Op, { kind: "startSession" }>): Report | null {
  switch (op.kind) {
    case "endSession":
      checkOptional("endReason", op.args.endReason, LIMITS.reason);
      return null;
    case "updateSessionSettings":
      checkOptional("audioOption", op.args.audioOption, LIMITS.audioOption);
      return null;
    case "reportQualityIssue":
      checkText("issue", op.args.issue, LIMITS.issue);
      checkOffsetArg(op.args.utcOffsetMin);
      return null;
    case "markFailed":
      checkOptional("reason", op.args.reason, LIMITS.reason);
      return null;
    case "rateSession":
      checkRating(op.args.rating);
      checkOptional("comment", op.args.comment, LIMITS.comment);
      return null;
    case "markConnected":
    case "markReconnecting":
    case "markReconnected":
    case "markScreenShare":
      return null;
    case "reportNetworkStats":
      return readReport(op.args);
  }
}

/** `session` with `patch` applied, as `ctx.db.patch` applies it. */
function patched(session: Session, patch: Partial<Doc<"videoCallSessions">>): Session {
  // A patch removes a field it sets to undefined; the document returned lacks it too.
  const next: Record<string, unknown> = { ...session, ...patch };
  for (const key of Object.keys(patch)) if (next[key] === undefined) delete next[key];
  return next as Session;
}

async function update(
  ctx: MutationCtx,
  session: Session,
  patch: Partial<Doc<"videoCallSessions">>,
): Promise<Session> {
  await ctx.db.patch("videoCallSessions", session._id, patch);
  return patched(session, patch);
}

function settingsPatch(args: SettingsArgs, t: string): Partial<Session> {
  return {
    ...(args.cameraEnabled === undefined ? {} : { cameraEnabled: args.cameraEnabled }),
    ...(args.micEnabled === undefined ? {} : { micEnabled: args.micEnabled }),
    ...(args.audioOption === undefined ? {} : { audioOption: args.audioOption }),
    updatedAt: t,
  };
}

async function end(ctx: MutationCtx, session: Session, args: EndArgs, t: string): Promise<Session> {
  // From connectedAt, also from reconnecting: a call that dropped and came back is
  // one call.
  let duration: number | undefined;
  if (session.sessionStatus !== "connecting" && session.connectedAt !== undefined) {
    duration = wholeSecondsBetween(session.connectedAt, t);
  }
  if (session.appointmentId !== undefined) {
    const appointment = await ctx.db.get("appointments", session.appointmentId);
    if (appointment !== null) {
      await ctx.db.patch("appointments", appointment._id, { status: "completed", completedAt: t });
    }
  }
  await bumpStats(ctx, session, { completedSessions: 1, totalDuration: duration ?? 0 });
  await bumpPeriods(ctx, session, {
    completedSessions: 1,
    ...(duration === undefined ? {} : { totalDuration: duration, timedCalls: 1 }),
  });
  return await update(ctx, session, {
    ...closeIntervals(session, t),
    sessionStatus: "ended",
    endedAt: t,
    updatedAt: t,
    ...(duration === undefined ? {} : { duration }),
    ...(args.endReason === undefined ? {} : { endReason: args.endReason }),
  });
}

async function start(ctx: MutationCtx, args: StartArgs, t: string): Promise<Session> {
  checkRequired("userId", args.userId, LIMITS.userId);
  checkText("supportWorkerName", args.supportWorkerName, LIMITS.supportWorkerName);
  checkOptional("supportWorkerId", args.supportWorkerId, LIMITS.supportWorkerId);
  checkOptional("audioOption", args.audioOption, LIMITS.audioOption);
  checkMetadata(args.metadata);
  const utcOffsetMin = checkOffsetArg(args.utcOffsetMin) ?? 0;
  if (args.clientSessionId !== undefined) {
    checkRequired("clientSessionId", args.clientSessionId, LIMITS.clientSessionId);
    const known = await findByClientSessionId(ctx, args.clientSessionId);
    if (known !== null) {
      assertOwner(args.userId, known.userId, "this clientSessionId");
      return known;
    }
  }
  if (args.appointmentId !== undefined) {
    const appointment = await ctx.db.get("appointments", args.appointmentId);
    if (appointment === null) fail("NOT_FOUND", `no appointment ${args.appointmentId}`);
    assertOwner(args.userId, appointment.userId, "this appointment");
  }
  const fields = {
    userId: args.userId,
    supportWorkerName: args.supportWorkerName,
    ...(args.supportWorkerId === undefined ? {} : { supportWorkerId: args.supportWorkerId }),
    ...(args.appointmentId === undefined ? {} : { appointmentId: args.appointmentId }),
    ...(args.audioOption === undefined ? {} : { audioOption: args.audioOption }),
    ...(args.clientSessionId === undefined ? {} : { clientSessionId: args.clientSessionId }),
    ...(args.metadata === undefined ? {} : { metadata: args.metadata }),
    sessionStatus: "connecting" as const,
    joinedAt: t,
    createdAt: t,
    updatedAt: t,
    cameraEnabled: true,
    micEnabled: true,
    // Always stored (0 when not given): a session without it is pre-analytics.
    utcOffsetMin,
  };
  const id = await ctx.db.insert("videoCallSessions", fields);
  await bumpStats(ctx, fields, { totalSessions: 1 });
  await countStart(ctx, fields);
  const session = await ctx.db.get("videoCallSessions", id);
  if (session === null) throw new Error(`session ${id} vanished within its own transaction`);
  return session;
}
