/**
 * Identity and ownership: the signed-in subject is the user, a different `userId`
 * is FORBIDDEN, anonymous callers must name the user, and with an identity only a
 * session's owner may change or read it. Anonymous single mutations are unchecked,
 * as in the seed.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../functions/_generated/api";
import { type Caller, at, backend, expectCode, getDoc, startAt } from "./helpers";

const vcs = api.videoCallSessions;

describe("caller", () => {
  it("uses the identity's subject when userId is omitted", async () => {
    const t = backend();
    const alice = t.withIdentity({ subject: "alice" });
    const id = await alice.mutation(vcs.startSession, { supportWorkerName: "W" });
    expect((await getDoc(t, id))!.userId).toBe("alice");
    expect(await alice.query(vcs.getUserSessions, {})).toHaveLength(1);
    expect((await alice.query(vcs.getCallStats, {})).totalSessions).toBe(1);
    expect((await alice.query(vcs.getActiveSession, {}))!._id).toBe(id);
  });

  it("accepts a userId equal to the subject", async () => {
    const t = backend();
    const id = await t.withIdentity({ subject: "alice" }).mutation(vcs.startSession, {
      userId: "alice",
      supportWorkerName: "W",
    });
    expect((await getDoc(t, id))!.userId).toBe("alice");
  });

  it("refuses a userId that differs from the subject, in mutations and queries", async () => {
    const t = backend();
    const alice = t.withIdentity({ subject: "alice" });
    await expectCode(
      alice.mutation(vcs.startSession, { userId: "bob", supportWorkerName: "W" }),
      "FORBIDDEN",
    );
    await expectCode(alice.query(vcs.getUserSessions, { userId: "bob" }), "FORBIDDEN");
    await expectCode(alice.query(vcs.getCallStats, { userId: "bob" }), "FORBIDDEN");
    await expectCode(alice.query(vcs.getActiveSession, { userId: "bob" }), "FORBIDDEN");
    await expectCode(
      alice.query(vcs.getUserSessionsPage, {
        userId: "bob",
        paginationOpts: { numItems: 5, cursor: null },
      }),
      "FORBIDDEN",
    );
    await expectCode(
      alice.mutation(api.appointments.create, { userId: "bob", supportWorkerName: "W" }),
      "FORBIDDEN",
    );
  });

  it("requires userId from anonymous callers", async () => {
    const t = backend();
    await expectCode(t.mutation(vcs.startSession, { supportWorkerName: "W" }), "INVALID_ARGUMENT");
    await expectCode(t.query(vcs.getUserSessions, {}), "INVALID_ARGUMENT");
    await expectCode(t.query(vcs.getCallStats, {}), "INVALID_ARGUMENT");
    await expectCode(t.query(vcs.getActiveSession, {}), "INVALID_ARGUMENT");
    await expectCode(
      t.mutation(api.appointments.create, { supportWorkerName: "W" }),
      "INVALID_ARGUMENT",
    );
  });
});

type Change = (b: Caller, sessionId: Awaited<ReturnType<typeof startAt>>) => Promise<unknown>;
const CHANGES: Array<[string, Change]> = [
  ["markConnected", (b, sessionId) => b.mutation(vcs.markConnected, { sessionId })],
  ["endSession", (b, sessionId) => b.mutation(vcs.endSession, { sessionId })],
  [
    "updateSessionSettings",
    (b, sessionId) => b.mutation(vcs.updateSessionSettings, { sessionId, micEnabled: false }),
  ],
  [
    "reportQualityIssue",
    (b, sessionId) => b.mutation(vcs.reportQualityIssue, { sessionId, issue: "x" }),
  ],
  ["markFailed", (b, sessionId) => b.mutation(vcs.markFailed, { sessionId })],
  ["getSession", (b, sessionId) => b.query(vcs.getSession, { sessionId })],
];

describe("ownership", () => {
  it.each(CHANGES)(
    "%s on another user's session is FORBIDDEN and changes nothing",
    async (_, call) => {
      const t = backend();
      const sessionId = await startAt(t, "alice");
      const before = await getDoc(t, sessionId);
      await expectCode(call(t.withIdentity({ subject: "bob" }), sessionId), "FORBIDDEN");
      expect(await getDoc(t, sessionId)).toEqual(before);
    },
  );

  it.each(CHANGES)("%s by the owner succeeds", async (_, call) => {
    const t = backend();
    const sessionId = await startAt(t, "alice");
    await call(t.withIdentity({ subject: "alice" }), sessionId);
  });

  it("anonymous single mutations do no ownership check (as the seed)", async () => {
    const t = backend();
    const sessionId = await startAt(t, "alice");
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: at(3) });
    expect((await getDoc(t, sessionId))!.sessionStatus).toBe("connected");
    expect((await t.query(vcs.getSession, { sessionId }))!.userId).toBe("alice");
  });

  it("refers to another user's session by clientSessionId: FORBIDDEN with identity", async () => {
    const t = backend();
    await startAt(t, "alice", { clientSessionId: "c-a" });
    await expectCode(
      t.withIdentity({ subject: "bob" }).mutation(vcs.markConnected, { clientSessionId: "c-a" }),
      "FORBIDDEN",
    );
  });

  it("NOT_FOUND comes before FORBIDDEN", async () => {
    const t = backend();
    await expectCode(
      t
        .withIdentity({ subject: "bob" })
        .mutation(vcs.markConnected, { clientSessionId: "missing" }),
      "NOT_FOUND",
    );
  });
});
