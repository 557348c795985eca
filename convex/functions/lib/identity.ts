/**
 * Who is calling, and whose data they may touch (contract, "Identity").
 *
 * When auth is configured (`lib/authProviders.ts`) every function starts by asking
 * for the identity and refuses an anonymous call with `UNAUTHENTICATED`, queries
 * included: the deployment URL ships in every page, so "anonymous may name any
 * userId" would let anyone read anyone's sessions. Only a deployment without any
 * provider serves anonymous callers, who then name the user in `userId`.
 *
 * The user of an identity is its `subject` up to the first `|`: Convex Auth's
 * subjects are `userId|sessionId`, so keying on the whole subject would make every
 * sign-in a new user; Clerk's and most OIDC subjects have no `|` and are used whole.
 * (`tokenIdentifier` is not used: it also carries the issuer, so a deployment that
 * moves from one issuer URL to another would lose its users. Two providers issuing
 * the same subject are the same user — configure one provider per user population.)
 */
import type { Auth } from "convex/server";
import { authConfigured } from "./authProviders";
import { fail, invalid } from "./errors";
import { LIMITS, checkRequired } from "./validate";

/** The user key of a token subject: everything before the first `|`. */
export function userKey(subject: string): string {
  const bar = subject.indexOf("|");
  return bar === -1 ? subject : subject.slice(0, bar);
}

/**
 * The signed-in user, or null for an anonymous call where auth is not configured.
 * UNAUTHENTICATED for an anonymous call where it is, and for an identity whose user
 * key is empty or longer than a userId may be (it could never own a session).
 */
export async function signedInUser(ctx: { auth: Auth }): Promise<string | null> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) {
    if (authConfigured()) fail("UNAUTHENTICATED", "this deployment needs a signed-in caller");
    return null;
  }
  const key = userKey(identity.subject);
  if (key.length < 1 || key.length > LIMITS.userId) {
    fail("UNAUTHENTICATED", `the token's subject must give a user key of 1–${LIMITS.userId} characters`);
  }
  return key;
}

/** The acting user: the signed-in user, else the `userId` argument (required then). */
export async function caller(ctx: { auth: Auth }, userIdArg: string | undefined): Promise<string> {
  const user = await signedInUser(ctx);
  if (userIdArg !== undefined) checkRequired("userId", userIdArg, LIMITS.userId);
  if (user !== null) {
    if (userIdArg !== undefined && userIdArg !== user) {
      fail("FORBIDDEN", "userId differs from the signed-in user");
    }
    return user;
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
