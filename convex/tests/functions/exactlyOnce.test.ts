/**
 * Exactly once across any delay: a batch op naming its SDK client instance and
 * `seq` stays a replay after the 14-day sweep forgot its `processedOps` record (the
 * sweep raises the instance's watermark in the same transaction); the same pair
 * under a new opId is a replay too; ops without the pair (ConvexHttpClient callers,
 * records of older SDKs) keep opId dedupe and its window.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../functions/_generated/api";
import { RETENTION_MS } from "../../functions/processedOps";
import { type Backend, backend, expectCode, tableCount } from "./helpers";

const vcs = api.videoCallSessions;
const NOW = Date.parse("2024-01-15T12:00:00.000Z");

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

type Op = {
  opId: string;
  kind: string;
  occurredAt: string;
  args: unknown;
  clientId?: string;
  seq?: number;
};

function ops(client: string | null, cs = "cs"): Op[] {
  const base: Op[] = [
    {
      opId: `${cs}-s`,
      kind: "startSession",
      occurredAt: "2024-01-15T10:00:00.000Z",
      args: { supportWorkerName: "W", clientSessionId: cs },
    },
    {
      opId: `${cs}-q`,
      kind: "reportQualityIssue",
      occurredAt: "2024-01-15T10:00:05.000Z",
      args: { clientSessionId: cs, issue: "echo" },
    },
    {
      opId: `${cs}-e`,
      kind: "endSession",
      occurredAt: "2024-01-15T10:01:00.000Z",
      args: { clientSessionId: cs },
    },
  ];
  return client === null
    ? base
    : base.map((op, i) => ({ ...op, clientId: client, seq: i + 1 }));
}

async function batch(t: Backend, userId: string, list: Op[]) {
  return await t.mutation(vcs.applyBatch, { userId, ops: list });
}

const statuses = (r: { results: { status: string }[] }) =>
  r.results.map((x) => x.status);

/** Fifteen days later, the daily sweep runs. */
async function sweepLater(t: Backend) {
  vi.setSystemTime(NOW + RETENTION_MS + 86_400_000);
  await t.mutation(internal.processedOps.sweep, {});
  expect(await tableCount(t, "processedOps")).toBe(0);
}

describe("exactly once across any delay", () => {
  it("a replay after the sweep is a duplicate and changes nothing", async () => {
    const t = backend();
    expect(statuses(await batch(t, "u", ops("tab-a")))).toEqual([
      "applied",
      "applied",
      "applied",
    ]);
    const before = await t.query(vcs.getCallStats, { userId: "u" });
    await sweepLater(t);
    const replay = await batch(t, "u", ops("tab-a"));
    expect(replay.results).toEqual([
      { opId: "cs-s", status: "duplicate", value: null },
      { opId: "cs-q", status: "duplicate", value: null },
      { opId: "cs-e", status: "duplicate", value: null },
    ]);
    expect(await t.query(vcs.getCallStats, { userId: "u" })).toEqual(before);
    expect(before.totalQualityIssues).toBe(1);
    expect(await tableCount(t, "videoCallSessions")).toBe(1);
    // Per user: another user's instance of the same name is new.
    expect(statuses(await batch(t, "v", ops("tab-a", "cs-v")))).toEqual([
      "applied",
      "applied",
      "applied",
    ]);
    // The instance's next op is new.
    const next = await batch(t, "u", [
      {
        opId: "s2",
        kind: "startSession",
        occurredAt: "2024-01-30T10:00:00.000Z",
        args: { supportWorkerName: "W", clientSessionId: "cs2" },
        clientId: "tab-a",
        seq: 4,
      },
    ]);
    expect(statuses(next)).toEqual(["applied"]);
  });

  it("the sweep raises the watermark and never lowers it", async () => {
    const t = backend();
    await batch(t, "u", ops("tab-a"));
    await sweepLater(t);
    await t.run(async (ctx) => {
      await ctx.db.insert("processedOps", {
        opId: "old",
        userId: "u",
        kind: "markFailed",
        result: { rejected: { code: "NOT_FOUND", message: "" } },
        processedAt: 0,
        clientId: "tab-a",
        seq: 1,
      });
    });
    await t.mutation(internal.processedOps.sweep, {});
    const rows = await t.run(
      async (ctx) => await ctx.db.query("clientWatermarks").collect(),
    );
    expect(rows.map((r) => [r.userId, r.clientId, r.forgottenSeq])).toEqual([
      ["u", "tab-a", 3],
    ]);
  });

  it("the same client and seq under a new opId is a duplicate", async () => {
    const t = backend();
    const first = await batch(t, "u", ops("tab-a"));
    const renamed = await batch(t, "u", [
      { ...ops("tab-a")[1]!, opId: "q-new" },
    ]);
    const original = first.results[1]!;
    expect(original.status).toBe("applied");
    expect(renamed.results).toEqual([
      {
        opId: "q-new",
        status: "duplicate",
        value: "value" in original ? original.value : null,
      },
    ]);
    expect(
      (await t.query(vcs.getCallStats, { userId: "u" })).totalQualityIssues,
    ).toBe(1);
  });

  it("ops without clientId and seq keep today's opId dedupe and its window", async () => {
    const t = backend();
    expect(statuses(await batch(t, "u", ops(null)))).toEqual([
      "applied",
      "applied",
      "applied",
    ]);
    expect(statuses(await batch(t, "u", ops(null)))).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    await sweepLater(t);
    // The documented limit: past the window, the replayed end is refused as new.
    const late = await batch(t, "u", [ops(null)[2]!]);
    expect(late.results[0]).toMatchObject({
      status: "rejected",
      error: { code: "INVALID_TRANSITION" },
    });
  });

  it("a bad clientId or seq refuses the whole batch", async () => {
    const t = backend();
    const good = ops(null)[0]!;
    for (const [clientId, seq] of [
      ["c", 0],
      ["c", 1.5],
      ["c", -1],
      ["", 1],
      ["x".repeat(101), 1],
      ["c", 2 ** 53],
      [undefined, 1],
      ["c", undefined],
    ] as const) {
      const bad: Op = { ...good, opId: "bad", clientId, seq };
      if (clientId === undefined) delete bad.clientId;
      if (seq === undefined) delete bad.seq;
      await expectCode(batch(t, "u", [good, bad]), "INVALID_ARGUMENT");
    }
    expect(await tableCount(t, "videoCallSessions")).toBe(0);
  });
});
