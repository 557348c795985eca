// A live network-quality feed for the simulated call: every few seconds a synthetic
// sample (what an app would read from `RTCPeerConnection.getStats()`) goes to
// `reportNetworkStats`. The SDK folds samples per session on the device, so however
// long the call, the queue holds one pending report for it. Samples get worse while
// the call is reconnecting. Errors are logged in the queue inspector, never shown as
// toasts: a lost sample must not interrupt the call.
import { $ } from "./dom.js";
import { describe } from "./toast.js";

/** A sample around a healthy call's figures; much worse while reconnecting. */
function synthetic(reconnecting, rand = Math.random) {
  const jitter = (base, spread) => Math.max(0, base + (rand() - 0.5) * spread);
  return reconnecting
    ? { rttMs: Math.round(jitter(650, 500)), jitterMs: Math.round(jitter(90, 60)), packetLossPct: Math.round(jitter(12, 10) * 10) / 10, bitrateKbps: Math.round(jitter(180, 120)) }
    : { rttMs: Math.round(jitter(70, 60)), jitterMs: Math.round(jitter(8, 8)), packetLossPct: Math.round(jitter(0.4, 0.8) * 10) / 10, bitrateKbps: Math.round(jitter(1800, 600)) };
}

function quality(s) {
  if (s.rttMs > 300 || s.packetLossPct > 5) return "poor";
  if (s.rttMs > 150 || s.packetLossPct > 1 || s.jitterMs > 30) return "fair";
  return "good";
}

const LABEL = { good: "Network: good", fair: "Network: fair", poor: "Network: poor" };

export function setupNetFeed(app) {
  const panel = $("#net-feed");
  let timer = null;
  let samples = 0;
  let call = null;

  function show(sample) {
    const q = quality(sample);
    panel.dataset.quality = q;
    $("#net-quality").textContent = LABEL[q];
    $("#net-rtt").textContent = `${sample.rttMs} ms`;
    $("#net-jitter").textContent = `${sample.jitterMs} ms`;
    $("#net-loss").textContent = `${sample.packetLossPct} %`;
    $("#net-bitrate").textContent = `${sample.bitrateKbps} kbit/s`;
    $("#net-samples").textContent = String(samples);
    $("#net-samples").dataset.value = String(samples);
  }

  async function sampleOnce() {
    if (!call || call.status === "connecting") return;
    const sample = synthetic(call.status === "reconnecting");
    try {
      const client = await app.conn.ready();
      await client.reportNetworkStats({ sessionId: call.id, ...sample });
      samples += 1;
      show(sample);
    } catch (err) {
      app.queue.add("error", `network sample not recorded: ${describe(err)}`);
    }
  }

  return {
    /** Follows `c` (the meeting's call object; its status is read at each tick). */
    start(c) {
      call = c;
      samples = 0;
      panel.hidden = app.netSampleMs === null;
      clearInterval(timer);
      if (app.netSampleMs !== null) timer = setInterval(sampleOnce, app.netSampleMs);
    },
    stop() {
      clearInterval(timer);
      timer = null;
      call = null;
      panel.hidden = true;
    },
  };
}
