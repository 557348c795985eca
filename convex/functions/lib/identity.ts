/**
 * Who is calling, and whose data they may touch (contract, "Identity").
 *
 * With an authenticated identity the user is its `subject` and cannot be overridden
 * by a `userId` argument. Anonymous callers name the user in `userId`; as in the seed,
 * anonymous single mutations do no ownership check, while `applyBatch` checks every
 * op's session against the batch's user.
 */
import type { Auth } from "convex/server";
import { fail, invalid } from "./errors";
import { LIMITS, checkRequired } from "./validate";

/** The authenticated subject, or null for an anonymous call. */
export async function subjectOf(ctx: { auth: Auth }): Promise<string | null> {
  const identity = await ctx.auth.getUserIdentity();
  return identity === null ? null : identity.subject;
}

/** The acting user: the subject, else the `userId` argument (required then). */
export async function caller(ctx: { auth: Auth }, userIdArg: string | undefined): Promise<string> {
  if (userIdArg !== undefined) checkRequired("userId", userIdArg, LIMITS.userId);
  const subject = await subjectOf(ctx);
  if (subject !== null) {
    if (userIdArg !== undefined && userIdArg !== subject) {
      fail("FORBIDDEN", "userId differs from the signed-in user");
    }
    return subject;
  }
  if (userIdArg === undefined) invalid("userId is required when not signed in");
  return userIdArg;
}

/** FORBIDDEN unless `owner` is null (no check) or owns the record. */
export function assertOwner(owner: string | null, recordUserId: string, what: string): void {
  if (owner !== null && owner !== recordUserId) {
    fail("FORBIDDEN", `${what} belongs to another user`);
  }
}
