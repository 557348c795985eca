/**
 * Appointments: create/get, the link from a session, and completion on endSession.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../functions/_generated/api";
import { SEED, at, backend, expectCode } from "./helpers";

const vcs = api.videoCallSessions;

describe("appointments", () => {
  it("creates a scheduled appointment with a normalised scheduledAt and no unset fields", async () => {
    const t = backend();
    const id = await t.mutation(api.appointments.create, {
      userId: "user123",
      supportWorkerName: "Dr. Smith",
      scheduledAt: "2024-01-15T10:30:00Z",
    });
    const doc = await t.query(api.appointments.get, { appointmentId: id });
    expect(doc).toMatchObject({
      userId: "user123",
      supportWorkerName: "Dr. Smith",
      status: "scheduled",
      scheduledAt: SEED.joined,
    });
    expect(Object.keys(doc!).sort()).toEqual([
      "_creationTime",
      "_id",
      "scheduledAt",
      "status",
      "supportWorkerName",
      "userId",
    ]);
  });

  it("get returns null for a deleted appointment and FORBIDDEN for another signed-in user", async () => {
    const t = backend();
    const id = await t.mutation(api.appointments.create, {
      userId: "alice",
      supportWorkerName: "W",
    });
    await expectCode(
      t.withIdentity({ subject: "bob" }).query(api.appointments.get, { appointmentId: id }),
      "FORBIDDEN",
    );
    await t.run(async (ctx) => await ctx.db.delete("appointments", id));
    expect(await t.query(api.appointments.get, { appointmentId: id })).toBeNull();
  });

  it("refuses bad input", async () => {
    const t = backend();
    await expectCode(
      t.mutation(api.appointments.create, { userId: "u", supportWorkerName: " " }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      t.mutation(api.appointments.create, {
        userId: "u",
        supportWorkerName: "W",
        scheduledAt: "soon",
      }),
      "INVALID_ARGUMENT",
    );
  });

  it("replays an opId to the same appointment", async () => {
    const t = backend();
    const a = await t.mutation(api.appointments.create, {
      userId: "u",
      supportWorkerName: "W",
      opId: "a-1",
    });
    const b = await t.mutation(api.appointments.create, {
      userId: "u",
      supportWorkerName: "W",
      opId: "a-1",
    });
    expect(b).toBe(a);
  });

  it("ending a linked session marks the appointment completed at the event time", async () => {
    const t = backend();
    const appointmentId = await t.mutation(api.appointments.create, {
      userId: "user123",
      supportWorkerName: "W",
    });
    const sessionId = await t.mutation(vcs.startSession, {
      userId: "user123",
      supportWorkerName: "W",
      appointmentId,
      occurredAt: SEED.joined,
    });
    await t.mutation(vcs.markConnected, { sessionId, occurredAt: SEED.connected });
    const ended = await t.mutation(vcs.endSession, { sessionId, occurredAt: SEED.ended });
    expect(ended.appointmentId).toBe(appointmentId);
    expect(await t.query(api.appointments.get, { appointmentId })).toMatchObject({
      status: "completed",
      completedAt: SEED.ended,
    });
  });

  it("a failed session leaves the appointment scheduled", async () => {
    const t = backend();
    const appointmentId = await t.mutation(api.appointments.create, {
      userId: "user123",
      supportWorkerName: "W",
    });
    const sessionId = await t.mutation(vcs.startSession, {
      userId: "user123",
      supportWorkerName: "W",
      appointmentId,
    });
    await t.mutation(vcs.markFailed, { sessionId, occurredAt: at(3) });
    expect((await t.query(api.appointments.get, { appointmentId }))!.status).toBe("scheduled");
  });

  it("startSession refuses an unknown appointment (NOT_FOUND) and another user's (FORBIDDEN)", async () => {
    const t = backend();
    const appointmentId = await t.mutation(api.appointments.create, {
      userId: "alice",
      supportWorkerName: "W",
    });
    await expectCode(
      t.mutation(vcs.startSession, { userId: "bob", supportWorkerName: "W", appointmentId }),
      "FORBIDDEN",
    );
    await t.run(async (ctx) => await ctx.db.delete("appointments", appointmentId));
    await expectCode(
      t.mutation(vcs.startSession, { userId: "alice", supportWorkerName: "W", appointmentId }),
      "NOT_FOUND",
    );
  });
});
