/**
 * The session lifecycle through the single mutations: what each op writes, the
 * seed's worked example, every allowed transition and every forbidden one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import { SEED, at, backend, expectCode, getDoc, sessionIn, startAt } from "./helpers";

const vcs = api.videoCallSessions;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2024-01-15T12:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("startSession", () => {
  it("inserts a connecting session with camera and mic on, at the event time", async () => {
    const t = backend();
    const id = await t.mutation(vcs.startSession, {
      userId: "user123",
      supportWorkerName: "Dr. Smith",
      supportWorkerId: "worker456",
      audioOption: "wifi",
      occurredAt: "2024-01-15T10:30:00Z",
    });
    const doc = await getDoc(t, id);
    expect(doc).toMatchObject({
      userId: "user123",
      supportWorkerName: "Dr. Smith",
      supportWorkerId: "worker456",
      audioOption: "wifi",
      sessionStatus: "connecting",
      joinedAt: SEED.joined,
      createdAt: SEED.joined,
      updatedAt: SEED.joined,
      cameraEnabled: true,
      micEnabled: true,
    });
  });

  it("leaves every optional field that was not given absent", async () => {
    const t = backend();
    const doc = await getDoc(t, await startAt(t));
    const keys = Object.keys(doc!).sort();
    expect(keys).toEqual(
      [
        "_creationTime",
        "_id",
        "cameraEnabled",
        "createdAt",
        "joinedAt",
        "micEnabled",
        "sessionStatus",
        "supportWorkerName",
        "updatedAt",
        "userId",
        // Always stored by startSession (0 when not given): docs/contract.md "Analytics".
        "utcOffsetMin",
      ].sort(),
    );
    expect(doc!.utcOffsetMin).toBe(0);
  });

  it("uses the server's now when occurredAt is absent", async () => {
    const t = backend();
    vi.setSystemTime(new Date("2024-03-01T08:00:00.123Z"));
    const id = await t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W" });
    expect((await getDoc(t, id))!.joinedAt).toBe("2024-03-01T08:00:00.123Z");
  });

  it("stores metadata and clientSessionId when given", async () => {
    const t = backend();
    const id = await t.mutation(vcs.startSession, {
      userId: "u",
      supportWorkerName: "W",
      clientSessionId: "c-1",
      metadata: { device: "ios", retries: 2 },
    });
    expect(await getDoc(t, id)).toMatchObject({
      clientSessionId: "c-1",
      metadata: { device: "ios", retries: 2 },
    });
  });
});

describe("the seed's worked example", () => {
  it("joins at 10:30:00, connects at 10:30:15, ends at 10:45:30 with duration 915", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    const connected = await t.mutation(vcs.markConnected, {
      sessionId,
      occurredAt: SEED.connected,
    });
    expect(connected).toBe(sessionId);
    await t.mutation(vcs.updateSessionSettings, {
      sessionId,
      cameraEnabled: false,
      occurredAt: at(60),
    });
    await t.mutation(vcs.reportQualityIssue, {
      sessionId,
      issue: "Audio choppy",
      occurredAt: at(120),
    });
    const ended = await t.mutation(vcs.endSession, {
      sessionId,
      endReason: "user_ended",
      occurredAt: SEED.ended,
    });
    expect(ended).toMatchObject({
      _id: sessionId,
      sessionStatus: "ended",
      joinedAt: SEED.joined,
      connectedAt: SEED.connected,
      endedAt: SEED.ended,
      updatedAt: SEED.ended,
      duration: SEED.duration,
      endReason: "user_ended",
      cameraEnabled: false,
      micEnabled: true,
      qualityIssues: ["Audio choppy"],
    });
    expect(await getDoc(t, sessionId)).toEqual(ended);
  });
});

describe("durations", () => {
  it("floors to whole seconds", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: "2024-01-15T10:30:00.500Z" });
    const ended = await t.mutation(vcs.endSession, {
      sessionId,
      occurredAt: "2024-01-15T10:30:02.499Z",
    });
    expect(ended.duration).toBe(1);
  });

  it("is 0, never negative, when the end event predates the connect event", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: at(100) });
    const ended = await t.mutation(vcs.endSession, { sessionId, occurredAt: at(40) });
    expect(ended.duration).toBe(0);
  });

  it("is absent when a connecting session is ended (cancelled)", async () => {
    const t = backend();
    const sessionId = await startAt(t);
    const ended = await t.mutation(vcs.endSession, { sessionId, occurredAt: at(10) });
    expect(ended.sessionStatus).toBe("ended");
    expect(ended.endedAt).toBe(at(10));
    expect("duration" in ended).toBe(false);
    expect("endReason" in ended).toBe(false);
  });
});

describe("settings, quality issues, failure", () => {
  it("updateSessionSettings changes only the fields given", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connected");
    const a = await t.mutation(vcs.updateSessionSettings, {
      sessionId,
      micEnabled: false,
      occurredAt: at(20),
    });
    expect(a).toMatchObject({ cameraEnabled: true, micEnabled: false, updatedAt: at(20) });
    expect("audioOption" in a).toBe(false);
    const b = await t.mutation(vcs.updateSessionSettings, {
      sessionId,
      audioOption: "cellular",
      occurredAt: at(25),
    });
    expect(b).toMatchObject({ cameraEnabled: true, micEnabled: false, audioOption: "cellular" });
  });

  it("reportQualityIssue creates the list, then appends in order", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connecting");
    const first = await t.mutation(vcs.reportQualityIssue, { sessionId, issue: "lag" });
    expect(first.qualityIssues).toEqual(["lag"]);
    const second = await t.mutation(vcs.reportQualityIssue, {
      sessionId,
      issue: "echo",
      occurredAt: at(30),
    });
    expect(second.qualityIssues).toEqual(["lag", "echo"]);
    expect(second.updatedAt).toBe(at(30));
  });

  it.each(["connecting", "connected"] as const)(
    "markFailed from %s sets failed, endedAt, endReason and no duration",
    async (from) => {
      const t = backend();
      const sessionId = await sessionIn(t, from);
      const failed = await t.mutation(vcs.markFailed, {
        sessionId,
        reason: "ice_failed",
        occurredAt: at(40),
      });
      expect(failed).toMatchObject({
        sessionStatus: "failed",
        endedAt: at(40),
        updatedAt: at(40),
        endReason: "ice_failed",
      });
      expect("duration" in failed).toBe(false);
    },
  );

  it("markFailed without a reason leaves endReason absent", async () => {
    const t = backend();
    const sessionId = await sessionIn(t, "connecting");
    const failed = await t.mutation(vcs.markFailed, { sessionId });
    expect("endReason" in failed).toBe(false);
  });
});

type Status = "connecting" | "connected" | "ended" | "failed";
type Call =
  "markConnected" | "endSession" | "updateSessionSettings" | "reportQualityIssue" | "markFailed";

const ALLOWED: Record<Call, Status[]> = {
  markConnected: ["connecting"],
  endSession: ["connecting", "connected"],
  updateSessionSettings: ["connecting", "connected"],
  reportQualityIssue: ["connecting", "connected"],
  markFailed: ["connecting", "connected"],
};

const RESULT: Record<Call, Status> = {
  markConnected: "connected",
  endSession: "ended",
  updateSessionSettings: "connecting",
  reportQualityIssue: "connecting",
  markFailed: "failed",
};

const matrix = (Object.keys(ALLOWED) as Call[]).flatMap((call) =>
  (["connecting", "connected", "ended", "failed"] as Status[]).map(
    (from) => [call, from, ALLOWED[call].includes(from)] as const,
  ),
);

async function invoke(
  t: ReturnType<typeof backend>,
  call: Call,
  sessionId: Parameters<typeof getDoc>[1],
) {
  const occurredAt = at(2000);
  switch (call) {
    case "markConnected":
      return await t.mutation(vcs.markConnected, { sessionId, occurredAt });
    case "endSession":
      return await t.mutation(vcs.endSession, { sessionId, occurredAt });
    case "updateSessionSettings":
      return await t.mutation(vcs.updateSessionSettings, {
        sessionId,
        occurredAt,
        cameraEnabled: false,
      });
    case "reportQualityIssue":
      return await t.mutation(vcs.reportQualityIssue, { sessionId, occurredAt, issue: "x" });
    case "markFailed":
      return await t.mutation(vcs.markFailed, { sessionId, occurredAt });
  }
}

describe("transitions", () => {
  it.each(matrix)("%s from %s allowed=%s", async (call, from, allowed) => {
    const t = backend();
    const sessionId = await sessionIn(t, from);
    const before = await getDoc(t, sessionId);
    if (allowed) {
      await invoke(t, call, sessionId);
      const after = await getDoc(t, sessionId);
      const expected = RESULT[call] === "connecting" ? from : RESULT[call];
      expect(after!.sessionStatus).toBe(expected);
      expect(after!.updatedAt).toBe(at(2000));
    } else {
      await expectCode(invoke(t, call, sessionId), "INVALID_TRANSITION");
      expect(await getDoc(t, sessionId)).toEqual(before);
    }
  });
});
