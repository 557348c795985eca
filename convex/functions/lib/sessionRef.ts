/**
 * Finding the session an op names: by Convex id, or by the SDK's `clientSessionId`
 * (which lets an offline client refer to a session before it learns the server id).
 * `sessionId` wins when both are given; the other is still checked for length.
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail, invalid } from "./errors";
import type { Session } from "./ops";
import { LIMITS, checkRequired } from "./validate";

export type SessionRef = {
  sessionId?: Id<"videoCallSessions">;
  clientSessionId?: string;
};

export async function findByClientSessionId(
  ctx: QueryCtx,
  clientSessionId: string,
): Promise<Session | null> {
  return await ctx.db
    .query("videoCallSessions")
    .withIndex("by_client_session", (q) => q.eq("clientSessionId", clientSessionId))
    .first();
}

/** The referenced session or null; INVALID_ARGUMENT when neither key is given. */
export async function findSession(ctx: QueryCtx, ref: SessionRef): Promise<Session | null> {
  if (ref.clientSessionId !== undefined) {
    checkRequired("clientSessionId", ref.clientSessionId, LIMITS.clientSessionId);
  }
  if (ref.sessionId !== undefined) return await ctx.db.get("videoCallSessions", ref.sessionId);
  if (ref.clientSessionId !== undefined) {
    return await findByClientSessionId(ctx, ref.clientSessionId);
  }
  return invalid("give sessionId or clientSessionId");
}

export async function requireSession(ctx: QueryCtx, ref: SessionRef): Promise<Session> {
  const session = await findSession(ctx, ref);
  if (session === null) {
    return fail("NOT_FOUND", `no session ${ref.sessionId ?? ref.clientSessionId}`);
  }
  return session;
}
