/**
 * Appointments, as far as sessions need them: a session may link one, and ending
 * the session marks it completed. Only `create` and `get` are public here.
 *
 * `create` takes the common `opId`/`occurredAt` like every mutation (a replayed
 * opId returns the same appointment id); `get`, with an identity, refuses another
 * user's appointment (FORBIDDEN), mirroring `getSession`.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { invalid } from "./lib/errors";
import { assertOwner, caller, signedInUser } from "./lib/identity";
import { checkOpId, findOp, recordOp, storedOutcome } from "./lib/ops";
import { eventTime } from "./lib/single";
import { LIMITS, checkOptional, checkText, normaliseIso } from "./lib/validate";

export const create = mutation({
  args: {
    opId: v.optional(v.string()),
    occurredAt: v.optional(v.string()),
    userId: v.optional(v.string()),
    supportWorkerName: v.string(),
    supportWorkerId: v.optional(v.string()),
    scheduledAt: v.optional(v.string()),
  },
  handler: async (ctx, args): Promise<Id<"appointments">> => {
    const userId = await caller(ctx, args.userId);
    if (args.opId !== undefined) {
      checkOpId(args.opId);
      const row = await findOp(ctx, args.opId);
      if (row !== null) {
        const stored = storedOutcome(row, userId);
        if (!("appointmentId" in stored)) {
          return invalid(`opId ${args.opId} was already used for ${row.kind}`);
        }
        return stored.appointmentId;
      }
    }
    eventTime(args.occurredAt);
    checkText("supportWorkerName", args.supportWorkerName, LIMITS.supportWorkerName);
    checkOptional("supportWorkerId", args.supportWorkerId, LIMITS.supportWorkerId);
    const scheduledAt =
      args.scheduledAt === undefined ? undefined : normaliseIso("scheduledAt", args.scheduledAt);
    const appointmentId = await ctx.db.insert("appointments", {
      userId,
      supportWorkerName: args.supportWorkerName,
      ...(args.supportWorkerId === undefined ? {} : { supportWorkerId: args.supportWorkerId }),
      ...(scheduledAt === undefined ? {} : { scheduledAt }),
      status: "scheduled",
    });
    if (args.opId !== undefined) {
      await recordOp(ctx, args.opId, userId, "appointments:create", { appointmentId });
    }
    return appointmentId;
  },
});

export const get = query({
  args: { appointmentId: v.id("appointments") },
  handler: async (ctx, args): Promise<Doc<"appointments"> | null> => {
    const user = await signedInUser(ctx);
    const appointment = await ctx.db.get("appointments", args.appointmentId);
    if (appointment !== null) assertOwner(user, appointment.userId, "this appointment");
    return appointment;
  },
});
