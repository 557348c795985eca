/**
 * Conformance: the official `ConvexHttpClient` talks to the local server unchanged.
 *
 * The server claims to speak Convex's HTTP API; this file holds it to that with the
 * client applications actually use, not with our own wire code. Each case is one thing
 * the client must see exactly as it would from a Convex deployment: values decoded,
 * a `ConvexError` with its `data`, a plain `Error` for argument validation and for an
 * unknown function, and the identity of a token set with `setAuth`.
 */
import { ConvexHttpClient } from "convex/browser";
import { anyApi } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signToken, startServer, type RunningServer } from "./support/server";

const api = anyApi;
/** Anonymous calls need a server without auth; tokens need one with a secret. */
let server: RunningServer;
let authServer: RunningServer;

beforeAll(async () => {
  [server, authServer] = await Promise.all([startServer({ auth: false }), startServer({ auth: true })]);
}, 30_000);

afterAll(async () => {
  await Promise.all([server?.stop(), authServer?.stop()]);
});

const client = () => new ConvexHttpClient(server.url, { logger: false });
const authClient = () => new ConvexHttpClient(authServer.url, { logger: false });

/** The rejection of `p`, failing the test if `p` resolves. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    const value = await p;
    throw new Error(`expected the call to fail, it returned ${JSON.stringify(value)}`);
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`expected an Error, got ${String(e)}`);
    return e;
  }
}

describe("ConvexHttpClient against video-session-server", () => {
  test("a query returns decoded values", async () => {
    const stats = await client().query(api.videoCallSessions.getCallStats, { userId: "http-nobody" });
    expect(stats).toEqual({
      totalSessions: 0,
      completedSessions: 0,
      failedSessions: 0,
      totalDuration: 0,
      averageDuration: 0,
      totalQualityIssues: 0,
      totalReconnects: 0,
      averageRating: null,
    });
  });

  test("a mutation returns the session id, and the session reads back", async () => {
    const c = client();
    const id: unknown = await c.mutation(api.videoCallSessions.startSession, {
      userId: "http-user",
      supportWorkerName: "Dr. Smith",
      supportWorkerId: "worker456",
      occurredAt: "2024-01-15T10:30:00Z",
    });
    expect(typeof id).toBe("string");
    await c.mutation(api.videoCallSessions.markConnected, { sessionId: id, occurredAt: "2024-01-15T10:30:15Z" });
    const ended = await c.mutation(api.videoCallSessions.endSession, {
      sessionId: id,
      endReason: "user_ended",
      occurredAt: "2024-01-15T10:45:30Z",
    });
    expect(ended).toMatchObject({
      _id: id,
      sessionStatus: "ended",
      duration: 915,
      endedAt: "2024-01-15T10:45:30.000Z",
    });
    const session = await c.query(api.videoCallSessions.getSession, { sessionId: id });
    expect(session).toEqual(ended);
  });

  test("a coded error arrives as ConvexError with data.code", async () => {
    const c = client();
    const id = await c.mutation(api.videoCallSessions.startSession, {
      userId: "http-user",
      supportWorkerName: "Dr. Smith",
    });
    await c.mutation(api.videoCallSessions.endSession, { sessionId: id });
    const e = await rejection(c.mutation(api.videoCallSessions.markConnected, { sessionId: id }));
    expect(e).toBeInstanceOf(ConvexError);
    expect((e as ConvexError<{ code: string; message: string }>).data).toMatchObject({ code: "INVALID_TRANSITION" });
    expect(typeof (e as ConvexError<{ message: string }>).data.message).toBe("string");

    const missing = await rejection(c.mutation(api.videoCallSessions.markConnected, { clientSessionId: "http-none" }));
    expect((missing as ConvexError<{ code: string }>).data).toMatchObject({ code: "NOT_FOUND" });
  });

  test("an argument-validation failure is a plain Error without data", async () => {
    const e = await rejection(
      client().mutation(api.videoCallSessions.startSession, { userId: "http-user", supportWorkerName: 123 }),
    );
    expect(e).not.toBeInstanceOf(ConvexError);
    expect((e as { data?: unknown }).data).toBeUndefined();
    expect(e.message).toMatch(/ArgumentValidationError/);
  });

  test("an unknown function is a plain Error naming it", async () => {
    const e = await rejection(client().query(api.videoCallSessions.nope, {}));
    expect(e).not.toBeInstanceOf(ConvexError);
    expect(e.message).toContain("Could not find public function for 'videoCallSessions:nope'");
  });

  test("special numbers survive the Convex JSON encoding; bytes arrive as bytes (and metadata refuses them, D2)", async () => {
    const c = client();
    const bytes = new Uint8Array([0, 1, 254, 255]).buffer;
    const refused = await rejection(
      c.mutation(api.videoCallSessions.startSession, {
        userId: "http-values",
        supportWorkerName: "Dr. Smith",
        metadata: { bytes },
      }),
    );
    expect((refused as ConvexError<{ code: string; message: string }>).data).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/bytes/),
    });
    const metadata = { nan: NaN, inf: Infinity, ninf: -Infinity, negZero: -0, big: 2 ** 60 };
    const id = await c.mutation(api.videoCallSessions.startSession, {
      userId: "http-values",
      supportWorkerName: "Dr. Smith",
      metadata,
    });
    const back = (await c.query(api.videoCallSessions.getSession, { sessionId: id })).metadata;
    expect(Number.isNaN(back.nan)).toBe(true);
    expect(back.inf).toBe(Infinity);
    expect(back.ninf).toBe(-Infinity);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.big).toBe(2 ** 60);
  });

  test("a NaN limit is INVALID_ARGUMENT; an int64 limit fails validation", async () => {
    const c = client();
    const nan = await rejection(c.query(api.videoCallSessions.getUserSessions, { userId: "http-user", limit: NaN }));
    expect((nan as ConvexError<{ code: string }>).data).toMatchObject({ code: "INVALID_ARGUMENT" });
    const int64 = await rejection(
      c.query(api.videoCallSessions.getUserSessions, { userId: "http-user", limit: BigInt(10) }),
    );
    expect(int64).not.toBeInstanceOf(ConvexError);
    expect(int64.message).toMatch(/ArgumentValidationError/);
  });

  test("setAuth: the token's subject is the user; another user's session is FORBIDDEN", async () => {
    const alice = authClient();
    alice.setAuth(await signToken("http-alice", authServer.secret));
    const id = await alice.mutation(api.videoCallSessions.startSession, { supportWorkerName: "Dr. Smith" });
    const own = await alice.query(api.videoCallSessions.getSession, { sessionId: id });
    expect(own).toMatchObject({ _id: id, userId: "http-alice", sessionStatus: "connecting" });
    expect(await alice.query(api.videoCallSessions.getUserSessions, {})).toHaveLength(1);

    const bob = authClient();
    bob.setAuth(await signToken("http-bob", authServer.secret));
    for (const call of [
      () => bob.query(api.videoCallSessions.getSession, { sessionId: id }),
      () => bob.mutation(api.videoCallSessions.markConnected, { sessionId: id }),
      () => bob.mutation(api.videoCallSessions.startSession, { userId: "http-alice", supportWorkerName: "Dr. Smith" }),
    ]) {
      const e = await rejection(call());
      expect(e).toBeInstanceOf(ConvexError);
      expect((e as ConvexError<{ code: string }>).data).toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await bob.query(api.videoCallSessions.getUserSessions, {})).toEqual([]);
    expect(await alice.query(api.videoCallSessions.getSession, { sessionId: id })).toMatchObject({
      sessionStatus: "connecting",
    });

    bob.clearAuth();
    await rejection(bob.query(api.videoCallSessions.getUserSessions, {}));
  });

  test("a token signed with another secret is refused", async () => {
    const c = authClient();
    c.setAuth(await signToken("http-alice", `${authServer.secret}-wrong`));
    const e = await rejection(c.query(api.videoCallSessions.getUserSessions, {}));
    expect(e).not.toBeInstanceOf(ConvexError);
    expect(e.message).toContain("Unauthenticated");
  });
});
