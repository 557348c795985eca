// A React Native app's use of the SDK, as Metro bundles it for Hermes: it imports the
// package by name (Metro resolves the `react-native` condition to the entry without
// WebAssembly) and stores ops in an AsyncStorage-shaped adapter.
//
// The Hermes shell has no network, no file system and no console, so the harness
// (tests/rn/hermes.mjs) prepends what React Native's runtime would provide (`fetch`,
// `Response`, `console`) and hands each run its inputs in `globalThis.__vssHost`: the
// storage the previous run left and which steps to take. The run ends by handing its
// results and the storage it leaves to `__vssHost.done`.
import { VideoSessionClient } from "video-session-sdk";

const host = globalThis.__vssHost;
const items = new Map(Object.entries(host.storage));

/** AsyncStorage's shape: every method returns a Promise. */
const AsyncStorage = {
  getItem: async (k) => (items.has(k) ? items.get(k) : null),
  setItem: async (k, v) => void items.set(k, String(v)),
  removeItem: async (k) => void items.delete(k),
  getAllKeys: async () => [...items.keys()],
};

async function main() {
  const out = { steps: [] };
  const t0 = Date.now();
  const client = await VideoSessionClient.create({ url: host.url, userId: host.userId, storage: AsyncStorage, debounceMs: 60000 });
  out.createMs = Date.now() - t0;
  out.pendingAtStart = client.pendingCount();
  for (const step of host.steps) {
    if (step === "seed-flow") {
      const id = await client.startSession({ supportWorkerName: "Dr. Hermes", audioOption: "speaker" });
      await client.markConnected();
      await client.updateSettings({ cameraEnabled: false, micEnabled: true });
      await client.reportQualityIssue("Audio choppy");
      const ended = await client.endSession({ endReason: "user_ended" });
      out.steps.push({ step, id, duration: ended.duration, pending: client.pendingCount(), online: client.isOnline() });
    } else if (step === "reconnect-flow") {
      // #13's calls offline: a dropped call that comes back, a screen share, a rating.
      const codeOf = (p) => p.then(() => null, (e) => e.code);
      const id = await client.startSession({ supportWorkerName: "Dr. Hermes" });
      await client.markConnected();
      await client.markScreenShare(true);
      await client.markReconnecting();
      // Network samples of the dropped call fold into one stored report.
      for (const rttMs of [100, 200, 300]) await client.reportNetworkStats({ rttMs });
      const badSample = await codeOf(client.reportNetworkStats({ rttMs: NaN }));
      const active = await client.getActiveSession();
      const current = client.currentSessionId();
      await client.markReconnected();
      await client.markScreenShare(false);
      await client.endSession();
      const badRating = await codeOf(client.rateSession({ rating: 4.5 }));
      const badActive = await codeOf(client.markScreenShare("yes"));
      await client.rateSession({ rating: 5, comment: "Clear audio" });
      const again = await codeOf(client.rateSession({ rating: 1 }));
      const stats = await client.getCallStats();
      const [s] = await client.getUserSessions();
      out.steps.push({
        step, id, current, activeStatus: active && active.sessionStatus, badRating, badActive, again, badSample,
        rttCount: s.network && s.network.rttMs.count, rttMean: s.network && s.network.rttMs.mean,
        status: s.sessionStatus, rating: s.rating, reconnectCount: s.reconnectCount,
        totalReconnects: stats.totalReconnects, averageRating: stats.averageRating, pending: client.pendingCount(),
      });
    } else if (step === "flush") {
      const r = await client.flush();
      out.steps.push({ step, applied: r.applied, rejected: r.rejected, pending: r.pending, online: client.isOnline() });
    } else if (step.startsWith("enqueue:")) {
      // Benchmark: N ops as start/end pairs (lifecycle ops are never coalesced), each
      // call timed. Date.now() is the shell's only clock: millisecond resolution.
      const n = Number(step.slice(8));
      const ms = [];
      for (let i = 0; i < n / 2; i++) {
        let t = Date.now();
        await client.startSession({ supportWorkerName: `Bench ${i}` });
        ms.push(Date.now() - t);
        t = Date.now();
        await client.endSession();
        ms.push(Date.now() - t);
      }
      ms.sort((a, b) => a - b);
      const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
      out.steps.push({ step, calls: ms.length, p50: at(0.5), p99: at(0.99), mean: ms.reduce((a, b) => a + b, 0) / ms.length, pending: client.pendingCount() });
    } else if (step === "sessions") {
      const list = await client.getUserSessions();
      out.steps.push({ step, list: list.map((s) => ({ id: s.clientSessionId, status: s.sessionStatus, issues: s.qualityIssues, camera: s.cameraEnabled })) });
    }
  }
  out.pendingAtEnd = client.pendingCount();
  out.dead = client.deadLetters().length;
  client.close();
  client.free();
  out.storage = Object.fromEntries(items);
  return out;
}

main().then(host.done, host.fail);
