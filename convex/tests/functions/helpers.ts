/**
 * Shared fixtures of the unit suites: a fresh in-memory backend per test, the
 * seed's times, and assertions on coded errors. Nothing here talks to a real
 * deployment; convex-test runs the functions in-process against the schema, with
 * Convex's transaction limits enforced as a deployment enforces them.
 */
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { expect } from "vitest";
import { api } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import schema from "../../functions/schema";
import { modules } from "../setup";

export type Backend = ReturnType<typeof backend>;
/** A backend as seen by one caller (`t` itself, or `t.withIdentity(...)`). */
export type Caller = ReturnType<Backend["withIdentity"]>;

/** Convex's own per-transaction limits on (bytes and documents read and written). */
export function backend() {
  return convexTest({ schema, modules, transactionLimits: true });
}

/** The seed's worked example (video-call-sessions-convex.md, "Session Lifecycle"). */
export const SEED = {
  joined: "2024-01-15T10:30:00.000Z",
  connected: "2024-01-15T10:30:15.000Z",
  ended: "2024-01-15T10:45:30.000Z",
  duration: 915,
};

/** An ISO time `seconds` after the seed's join time. */
export function at(seconds: number): string {
  return new Date(Date.parse(SEED.joined) + seconds * 1000).toISOString();
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (e) {
    return e;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** Asserts `promise` fails with a coded ConvexError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const e = await rejection(promise);
  expect(e).toBeInstanceOf(ConvexError);
  expect((e as ConvexError<{ code: string; message: string }>).data.code).toBe(code);
}

/** Asserts `promise` fails argument validation (an error that is not a ConvexError). */
export async function expectValidatorError(promise: Promise<unknown>): Promise<void> {
  const e = await rejection(promise);
  expect(e).not.toBeInstanceOf(ConvexError);
  expect(String(e)).toMatch(/validat/i);
}

/** Starts a session for `userId` at the seed's join time. */
export async function startAt(
  t: Backend,
  userId = "user123",
  extra: { supportWorkerId?: string; clientSessionId?: string; occurredAt?: string } = {},
): Promise<Id<"videoCallSessions">> {
  return await t.mutation(api.videoCallSessions.startSession, {
    userId,
    supportWorkerName: "Dr. Smith",
    occurredAt: SEED.joined,
    ...extra,
  });
}

/** A session driven to `status` through the public mutations. */
export async function sessionIn(
  t: Backend,
  status: "connecting" | "connected" | "ended" | "failed",
): Promise<Id<"videoCallSessions">> {
  const sessionId = await startAt(t);
  if (status === "connected" || status === "ended") {
    await t.mutation(api.videoCallSessions.markConnected, { sessionId, occurredAt: at(15) });
  }
  if (status === "ended") {
    await t.mutation(api.videoCallSessions.endSession, { sessionId, occurredAt: at(930) });
  }
  if (status === "failed") {
    await t.mutation(api.videoCallSessions.markFailed, { sessionId, occurredAt: at(5) });
  }
  return sessionId;
}

export async function getDoc(t: Backend, sessionId: Id<"videoCallSessions">) {
  return await t.run(async (ctx) => await ctx.db.get("videoCallSessions", sessionId));
}

export async function tableCount(
  t: Backend,
  table: "videoCallSessions" | "processedOps" | "appointments" | "userStats" | "workerStats",
): Promise<number> {
  return await t.run(async (ctx) => (await ctx.db.query(table).collect()).length);
}
