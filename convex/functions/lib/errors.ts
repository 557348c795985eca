/**
 * Coded errors: the only errors our functions throw on purpose.
 *
 * Every refusal is a `ConvexError({ code, message })` so that clients (and the
 * scenario runner) can switch on `data.code`; the client treats the four op codes as
 * permanent, so a code must never be used for a condition that could pass on retry.
 * `UNAUTHENTICATED` is about the caller, not the op: a client signs in and retries.
 */
import { ConvexError } from "convex/values";

export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "INVALID_TRANSITION"
  | "FORBIDDEN"
  | "UNAUTHENTICATED";

export type ErrorData = { code: ErrorCode; message: string };

export function fail(code: ErrorCode, message: string): never {
  throw new ConvexError<ErrorData>({ code, message });
}

/** How much of any input a message repeats. */
export const ECHO_MAX = 200;

/** `text` for an error message: at most ECHO_MAX code points, then "…". */
export function echo(text: string): string {
  const points = Array.from(text.slice(0, ECHO_MAX * 2));
  return points.length > ECHO_MAX ? `${points.slice(0, ECHO_MAX).join("")}…` : text;
}

export function invalid(message: string): never {
  return fail("INVALID_ARGUMENT", message);
}

const CODES: ReadonlySet<string> = new Set([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "INVALID_TRANSITION",
  "FORBIDDEN",
  "UNAUTHENTICATED",
]);

/** The coded payload of an error we threw, or null for anything else (a bug). */
export function codedError(e: unknown): ErrorData | null {
  if (!(e instanceof ConvexError)) return null;
  const data: unknown = e.data;
  if (typeof data !== "object" || data === null) return null;
  const { code, message } = data as Record<string, unknown>;
  if (typeof code !== "string" || !CODES.has(code)) return null;
  return { code: code as ErrorCode, message: String(message ?? "") };
}
