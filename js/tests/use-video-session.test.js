// useVideoSession against a real VideoSessionClient (the built wasm package), real
// jsdom localStorage and the real local backend on loopback.
import { act, renderHook, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { useVideoSession } from "../react/index.js";
import { startBackend } from "./backend.js";
import { loadSdk } from "./sdk.js";

let backend;
let sdk;
let user = 0;

beforeAll(async () => {
  backend = await startBackend();
  sdk = await loadSdk();
});
afterAll(() => backend?.stop());
beforeEach(() => {
  localStorage.clear();
  user += 1;
});

const userId = () => `hook-user-${user}`;
// A storage adapter over jsdom's localStorage, shaped like React Native's AsyncStorage
// (the SDK's own localStorage binding needs a browser window, which jsdom is not).
const storage = {
  getItem: (k) => localStorage.getItem(k),
  setItem: (k, v) => localStorage.setItem(k, v),
  removeItem: (k) => localStorage.removeItem(k),
  getAllKeys: async () => Object.keys(localStorage),
};
const open = (extra = {}) =>
  sdk.VideoSessionClient.create({
    url: backend.url,
    userId: userId(),
    storage,
    debounceMs: 0,
    ...extra,
  });

test("a whole call through the hook lands on the backend once, with its duration", async () => {
  const client = await open();
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  let id;
  await act(async () => {
    id = await result.current.startSession({ supportWorkerName: "Dr. Smith", audioOption: "wifi" });
  });
  expect(typeof id).toBe("string");
  expect(result.current.sessionId).toBe(id);
  await act(async () => {
    await result.current.markConnected();
    await result.current.updateSettings({ cameraEnabled: false });
    await result.current.reportQualityIssue("Audio choppy");
  });
  await new Promise((r) => setTimeout(r, 1100));
  let ended;
  await act(async () => {
    ended = await result.current.endSession({ endReason: "user_ended" });
  });
  expect(ended.sessionId).toBe(id);
  expect(ended.duration).toBeGreaterThanOrEqual(1);
  expect(result.current.sessionId).toBe(null);
  expect(result.current.error).toBe(null);

  await act(async () => {
    await client.flush();
  });
  await waitFor(() => expect(result.current.pendingCount).toBe(0));
  await waitFor(() => expect(result.current.isUsingConvex).toBe(true));
  const sessions = await backend.query("videoCallSessions:getUserSessions", { userId: userId() });
  expect(sessions).toHaveLength(1);
  expect(sessions[0]).toMatchObject({
    clientSessionId: id,
    sessionStatus: "ended",
    cameraEnabled: false,
    qualityIssues: ["Audio choppy"],
    endReason: "user_ended",
    duration: ended.duration,
  });
  client.close();
});

test("a dropped call reconnects, shares its screen and is rated after it ends", async () => {
  const client = await open({ debounceMs: 60_000 });
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  let id;
  await act(async () => {
    id = await result.current.startSession({ supportWorkerName: "Dr. Reconnect" });
    await result.current.markConnected();
    await result.current.markScreenShare(true);
    await result.current.markReconnecting();
  });
  expect(result.current.error).toBe(null);
  expect(result.current.sessionId).toBe(id);
  const active = await client.getActiveSession();
  expect(active).toMatchObject({ clientSessionId: id, sessionStatus: "reconnecting", reconnectCount: 1 });
  await act(async () => {
    await result.current.markReconnected();
    await result.current.markScreenShare(false);
    await result.current.endSession();
  });
  expect(result.current.sessionId).toBe(null);
  let rated;
  await act(async () => {
    rated = await result.current.rateSession({ rating: 4.5 });
  });
  expect(rated).toBe(null);
  expect(result.current.error?.code).toBe("INVALID_ARGUMENT");
  await act(async () => {
    await result.current.rateSession({ rating: 4, comment: "Clear audio" });
  });
  expect(result.current.error).toBe(null);
  await act(async () => {
    await result.current.rateSession({ rating: 5 });
  });
  expect(result.current.error?.code).toBe("INVALID_TRANSITION");
  // The sender's first round may already have delivered some: the backend is checked.
  const report = await client.flush();
  expect(report).toMatchObject({ rejected: 0, pending: 0 });
  expect(client.deadLetters()).toEqual([]);
  const [s] = await backend.query("videoCallSessions:getUserSessions", { userId: userId() });
  expect(s).toMatchObject({
    clientSessionId: id,
    sessionStatus: "ended",
    reconnectCount: 1,
    rating: 4,
    ratingComment: "Clear audio",
  });
  expect(s.reconnectingSince).toBeUndefined();
  expect(s.screenShareSince).toBeUndefined();
  const stats = await client.getCallStats();
  expect(stats).toMatchObject({ totalReconnects: 1, averageRating: 4 });
  client.close();
});

test("network samples of the hook's call fold into one stored report and reach the backend", async () => {
  const client = await open({ debounceMs: 60_000 });
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  let id;
  await act(async () => {
    id = await result.current.startSession({ supportWorkerName: "Dr. Network" });
    await result.current.markConnected();
  });
  const rtts = [40, 80, 120, 160, 400];
  await act(async () => {
    for (const rttMs of rtts) await result.current.reportNetworkStats({ rttMs, packetLossPct: 0.5 });
  });
  expect(result.current.error).toBe(null);
  const reports = Object.keys(localStorage)
    .filter((k) => k.includes(":op:"))
    .map((k) => JSON.parse(localStorage.getItem(k)))
    .filter((op) => op.kind === "reportNetworkStats");
  expect(reports).toHaveLength(1);
  expect(reports[0].args.rttMs).toMatchObject({ count: 5, min: 40, max: 400, sum: 800 });
  const active = await client.getActiveSession();
  expect(active.network.rttMs).toMatchObject({ count: 5, mean: 160, p95: 400 });
  // A bad sample: a coded error, nothing folded.
  let r;
  await act(async () => {
    r = await result.current.reportNetworkStats({ rttMs: -1 });
  });
  expect(r).toBe(null);
  expect(result.current.error?.code).toBe("INVALID_ARGUMENT");
  expect(result.current.error?.message).toContain("rttMs");
  await act(async () => {
    await result.current.reportNetworkStats({});
  });
  expect(result.current.error?.code).toBe("INVALID_ARGUMENT");
  const report = await client.flush();
  expect(report).toMatchObject({ rejected: 0, pending: 0 });
  const [s] = await backend.query("videoCallSessions:getUserSessions", { userId: userId() });
  expect(s.clientSessionId).toBe(id);
  expect(s.network.rttMs).toMatchObject({ count: 5, min: 40, max: 400, sum: 800, mean: 160, p95: 400 });
  expect(s.network.packetLossPct).toMatchObject({ count: 5, mean: 0.5 });
  client.close();
});

test("bad input sets a coded error, resolves to null and queues nothing", async () => {
  const client = await open();
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  let id;
  await act(async () => {
    id = await result.current.startSession({ supportWorkerName: "   " });
  });
  expect(id).toBe(null);
  expect(result.current.error?.code).toBe("INVALID_ARGUMENT");
  expect(result.current.sessionId).toBe(null);
  expect(client.pendingCount()).toBe(0);
  await act(async () => {
    await result.current.markConnected();
  });
  expect(result.current.error?.code).toMatch(/NO_ACTIVE_SESSION|INVALID_ARGUMENT/);
  client.close();
});

test("after a reload the hook resumes the active session, even offline", async () => {
  const dead = "http://127.0.0.1:9";
  const first = await open({ url: dead });
  const id = await first.startSession({ supportWorkerName: "Dr. Jones" });
  await first.markConnected();
  first.close();

  const second = await open({ url: dead, readTimeoutMs: 500 });
  const { result } = renderHook(() => useVideoSession(second, { pollMs: 20 }));
  await waitFor(() => expect(result.current.sessionId).toBe(id));
  expect(result.current.pendingCount).toBe(2);
  await waitFor(() => expect(result.current.isUsingConvex).toBe(false));
  second.close();
});

test("without a client the methods resolve to null with a CLOSED error", async () => {
  const { result } = renderHook(() => useVideoSession(null));
  let id;
  await act(async () => {
    id = await result.current.startSession({ supportWorkerName: "Dr. Smith" });
  });
  expect(id).toBe(null);
  expect(result.current.error?.code).toBe("CLOSED");
});

test("the hook's analytics reads answer from the backend, in local time, without loading", async () => {
  const client = await open({ debounceMs: 60_000 });
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  await act(async () => {
    await result.current.startSession({ supportWorkerName: "Dr. Chart", supportWorkerId: "w-chart" });
    await result.current.reportQualityIssue("Echo");
    await result.current.endSession();
  });
  const ops = Object.keys(localStorage)
    .filter((k) => k.includes(":op:"))
    .map((k) => JSON.parse(localStorage.getItem(k)));
  const offset = 0 - new Date().getTimezoneOffset(); // 0, not -0, in UTC
  const carried = ops.filter((o) => o.kind === "startSession" || o.kind === "reportQualityIssue");
  expect(carried.map((o) => o.args.utcOffsetMin)).toEqual([offset, offset]);
  expect(await client.flush()).toMatchObject({ rejected: 0, pending: 0 });
  const [stored] = await backend.query("videoCallSessions:getUserSessions", { userId: userId() });
  expect(stored.utcOffsetMin).toBe(offset);

  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  let volume, trend, peak, issues, board;
  await act(async () => {
    volume = await result.current.getCallVolume({ granularity: "day", from: today, to: today });
    trend = await result.current.getDurationTrend({ granularity: "week", from: today, to: today });
    peak = await result.current.getPeakHours();
    issues = await result.current.getIssuesByHour();
    board = await result.current.getSupportWorkerLeaderboard({ limit: 5 });
  });
  expect(result.current.error).toBe(null);
  expect(result.current.loading).toBe(false);
  expect(volume).toEqual([{ bucket: today, calls: 1, completedSessions: 1, failedSessions: 0 }]);
  expect(trend).toHaveLength(1);
  expect(trend[0]).toMatchObject({ completedSessions: 1, timedCalls: 0, averageDuration: null });
  expect(peak).toHaveLength(7);
  expect(peak.flat().reduce((a, b) => a + b, 0)).toBe(1);
  expect(peak[(now.getDay() + 6) % 7].reduce((a, b) => a + b, 0)).toBe(1);
  expect(issues.reduce((a, b) => a + b, 0)).toBe(1);
  expect(board.find((r) => r.supportWorkerId === "w-chart")).toMatchObject({ totalSessions: 1, issuesPerCall: 1 });

  // A bad argument: null and a coded error, no request.
  let bad;
  await act(async () => {
    bad = await result.current.getCallVolume({ granularity: "year", from: today, to: today });
  });
  expect(bad).toBe(null);
  expect(result.current.error?.code).toBe("INVALID_ARGUMENT");
  expect(result.current.error?.message).toMatch(/granularity/);
  client.close();
});

test("offline, the hook's analytics read gives the last answer, or null with NETWORK", async () => {
  const dead = "http://127.0.0.1:9";
  const client = await open({ url: dead, readTimeoutMs: 500 });
  const { result } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
  let peak;
  await act(async () => {
    peak = await result.current.getPeakHours();
  });
  expect(peak).toBe(null);
  expect(result.current.error?.code).toBe("NETWORK");
  client.close();
});
