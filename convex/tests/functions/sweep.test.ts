/**
 * Retention of dedupe records: the sweep deletes `processedOps` older than 14 days,
 * keeps newer ones, works in bounded chunks that reschedule themselves, and is
 * registered as a daily cron.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { internal } from "../../functions/_generated/api";
import crons from "../../functions/crons";
import { RETENTION_MS } from "../../functions/processedOps";
import { type Backend, backend } from "./helpers";

const NOW = Date.parse("2024-02-01T00:00:00.000Z");

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

async function seedOps(t: Backend, ages: number[]) {
  await t.run(async (ctx) => {
    let i = 0;
    for (const age of ages) {
      await ctx.db.insert("processedOps", {
        opId: `op${i++}`,
        userId: "u",
        kind: "startSession",
        result: { rejected: { code: "NOT_FOUND", message: "" } },
        processedAt: NOW - age,
      });
    }
  });
}

async function remaining(t: Backend) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("processedOps").collect()).map((o) => o.opId).sort(),
  );
}

describe("processedOps sweep", () => {
  it("deletes records older than 14 days and keeps the rest", async () => {
    const t = backend();
    await seedOps(t, [
      RETENTION_MS + 1,
      RETENTION_MS + 86_400_000,
      RETENTION_MS,
      RETENTION_MS - 1,
      0,
    ]);
    const result = await t.mutation(internal.processedOps.sweep, {});
    expect(result).toEqual({ deleted: 2, more: false });
    expect(await remaining(t)).toEqual(["op2", "op3", "op4"]);
  });

  it("works in chunks and schedules itself until nothing stale is left", async () => {
    const t = backend();
    await seedOps(t, [...Array(7).fill(RETENTION_MS + 5), 1000]);
    const first = await t.mutation(internal.processedOps.sweep, { chunk: 3 });
    expect(first).toEqual({ deleted: 3, more: true });
    expect(await remaining(t)).toHaveLength(5);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await remaining(t)).toEqual(["op7"]);
  });

  it("is registered as a daily cron job calling the sweep", () => {
    const jobs = Object.values(crons.crons).filter((job) => job.name === "processedOps:sweep");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.schedule.type).toBe("daily");
  });
});
