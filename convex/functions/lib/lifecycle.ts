/**
 * The session lifecycle: which op may follow which status, and what each op writes.
 *
 *   connecting → connected → ended | failed;  connecting → ended (cancelled) | failed
 *
 * Every op checks everything (limits, existence, ownership, transition) before its
 * first write, so a refused op changes nothing even inside a batch that goes on.
 * All times are the op's event time `t`, never the delivery time, so a duration is
 * a difference of two client event times and survives late or batched delivery.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail } from "./errors";
import { assertOwner } from "./identity";
import type { OpKind, Session } from "./ops";
import { type SessionRef, findByClientSessionId, requireSession } from "./sessionRef";
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
};
export type EndArgs = SessionRef & { endReason?: string };
export type SettingsArgs = SessionRef & {
  cameraEnabled?: boolean;
  micEnabled?: boolean;
  audioOption?: string;
};
export type IssueArgs = SessionRef & { issue: string };
export type FailArgs = SessionRef & { reason?: string };

/** One op, already shaped (by a validator or by hand) but not yet checked. */
export type Op =
  | { kind: "startSession"; args: StartArgs }
  | { kind: "markConnected"; args: SessionRef }
  | { kind: "endSession"; args: EndArgs }
  | { kind: "updateSessionSettings"; args: SettingsArgs }
  | { kind: "reportQualityIssue"; args: IssueArgs }
  | { kind: "markFailed"; args: FailArgs };

const ALLOWED_FROM: Record<Exclude<OpKind, "startSession">, readonly Status[]> = {
  markConnected: ["connecting"],
  endSession: ["connecting", "connected"],
  updateSessionSettings: ["connecting", "connected"],
  reportQualityIssue: ["connecting", "connected"],
  markFailed: ["connecting", "connected"],
};

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
  checkArgs(op);
  const session = await requireSession(ctx, op.args);
  assertOwner(owner, session.userId, "this session");
  if (!ALLOWED_FROM[op.kind].includes(session.sessionStatus)) {
    fail("INVALID_TRANSITION", `${op.kind} is not allowed on a ${session.sessionStatus} session`);
  }
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
      if (qualityIssues.length > LIMITS.qualityIssuesPerSession) {
        fail(
          "INVALID_ARGUMENT",
          `a session keeps at most ${LIMITS.qualityIssuesPerSession} quality issues`,
        );
      }
      await bumpStats(ctx, session, { totalQualityIssues: 1 });
      return await update(ctx, session, { qualityIssues, updatedAt: t });
    }
    case "markFailed": {
      await bumpStats(ctx, session, { failedSessions: 1 });
      return await update(ctx, session, {
        sessionStatus: "failed",
        endedAt: t,
        updatedAt: t,
        ...(op.args.reason === undefined ? {} : { endReason: op.args.reason }),
      });
    }
  }
}

function checkArgs(op: Exclude<Op, { kind: "startSession" }>): void {
  switch (op.kind) {
    case "endSession":
      checkOptional("endReason", op.args.endReason, LIMITS.reason);
      return;
    case "updateSessionSettings":
      checkOptional("audioOption", op.args.audioOption, LIMITS.audioOption);
      return;
    case "reportQualityIssue":
      checkText("issue", op.args.issue, LIMITS.issue);
      return;
    case "markFailed":
      checkOptional("reason", op.args.reason, LIMITS.reason);
      return;
    case "markConnected":
      return;
  }
}

async function update(
  ctx: MutationCtx,
  session: Session,
  patch: Partial<Doc<"videoCallSessions">>,
): Promise<Session> {
  await ctx.db.patch("videoCallSessions", session._id, patch);
  return { ...session, ...patch };
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
  let duration: number | undefined;
  if (session.sessionStatus === "connected" && session.connectedAt !== undefined) {
    const ms = Date.parse(t) - Date.parse(session.connectedAt);
    duration = Math.max(0, Math.floor(ms / 1000));
  }
  if (session.appointmentId !== undefined) {
    const appointment = await ctx.db.get("appointments", session.appointmentId);
    if (appointment !== null) {
      await ctx.db.patch("appointments", appointment._id, { status: "completed", completedAt: t });
    }
  }
  await bumpStats(ctx, session, { completedSessions: 1, totalDuration: duration ?? 0 });
  return await update(ctx, session, {
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
  };
  const id = await ctx.db.insert("videoCallSessions", fields);
  await bumpStats(ctx, fields, { totalSessions: 1 });
  const session = await ctx.db.get("videoCallSessions", id);
  if (session === null) throw new Error(`session ${id} vanished within its own transaction`);
  return session;
}
