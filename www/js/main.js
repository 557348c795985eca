// Starts the demo: loads the wasm SDK, opens a client for the remembered user, wires
// the screens, and resumes a call that was in progress when the page was reloaded.
//
// URL parameters: `backend=<url>` (default: this page's origin), `connectDelay=<ms>`
// (how long until the simulated worker answers; `off` waits for the button),
// `reconnectDelay=<ms>` (how long a simulated connection drop lasts; `off` waits for
// "Restore connection"), `netSamples=<ms>` (how often the simulated call reports a
// network-quality sample; default 3000, `off` for none).
import { $ } from "./dom.js";
import { Connection } from "./network.js";
import { sessionKey, toPlain } from "./data.js";
import { describe, toast } from "./toast.js";
import { setupQueue } from "./queue.js";
import { setupHistory } from "./history.js";
import { setupDashboard } from "./dashboard.js";
import { setupPrecall } from "./precall.js";
import { setupMeeting } from "./meeting.js";
import { setupRating } from "./rating.js";

const params = new URLSearchParams(location.search);
const DEFAULT_CONNECT_DELAY_MS = 3000;
const DEFAULT_RECONNECT_DELAY_MS = 4000;
const DEFAULT_NET_SAMPLE_MS = 3000;

/** A delay in ms from the URL, `null` for `off`, else the default. */
function delayParam(name, fallback) {
  const raw = params.get(name);
  if (raw === "off") return null;
  const n = Number(raw);
  return raw !== null && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function fatal(message) {
  const banner = $("#banner");
  banner.textContent = message;
  banner.hidden = false;
  document.body.dataset.state = "error";
}

async function loadSdk() {
  const sdk = await import("../pkg/video_session_sdk.js");
  await sdk.default();
  return sdk;
}

function setupNetworkSwitch(app) {
  const input = $("#network-switch");
  const pill = $("#network-state");
  const render = () => {
    const { online, reachability } = app.conn;
    const state = !online ? "offline" : reachability === "offline" ? "unreachable" : "online";
    pill.dataset.state = state;
    pill.textContent = { offline: "Offline", unreachable: "Backend unreachable", online: "Online" }[state];
    input.checked = online;
  };
  input.addEventListener("change", async () => {
    const on = input.checked;
    input.disabled = true;
    app.queue.add("network", on ? "switched on: reconnecting to the backend" : "switched off: backend unreachable");
    try {
      await app.conn.setOnline(on);
    } catch (err) {
      toast(describe(err), "error");
    } finally {
      input.disabled = false;
      render();
      app.refresh();
    }
  });
  app.conn.addEventListener("reachability", render);
  app.conn.addEventListener("client", render);
  input.disabled = false;
  render();
}

/** Shows the meeting screen for the user's active session, if there is one. */
async function resumeActive(app) {
  try {
    const active = toPlain(await app.conn.client.getActiveSession());
    if (!active) {
      app.showPrecall();
      return;
    }
    app.showMeeting({
      id: sessionKey(active),
      workerName: active.supportWorkerName,
      status: active.sessionStatus,
      connectedAtMs: active.connectedAt ? Date.parse(active.connectedAt) : null,
      camera: active.cameraEnabled !== false,
      mic: active.micEnabled !== false,
      sharing: Boolean(active.screenShareSince),
      issues: active.qualityIssues || [],
    });
    app.queue.add("resume", `session ${sessionKey(active).slice(0, 8)} (${active.sessionStatus})`);
    toast(`Welcome back — your call with ${active.supportWorkerName} is still going.`, "info");
  } catch (err) {
    app.showPrecall();
    toast(`Could not check for a call in progress: ${describe(err)}`, "error");
  }
}

function debounce(fn, ms) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

async function main() {
  let sdk;
  try {
    sdk = await loadSdk();
  } catch (err) {
    fatal(`The SDK package could not be loaded (${err.message}). Build it with scripts/build-wasm.sh and copy pkg/ next to this page.`);
    return;
  }
  const conn = new Connection({
    sdk,
    baseUrl: params.get("backend") || location.origin,
    debug: localStorage.getItem("careconnect:debug") === "1",
  });
  const userId = localStorage.getItem("careconnect:userId") || $("#user-id").value;

  const app = {
    conn,
    connectDelayMs: delayParam("connectDelay", DEFAULT_CONNECT_DELAY_MS),
    reconnectDelayMs: delayParam("reconnectDelay", DEFAULT_RECONNECT_DELAY_MS),
    netSampleMs: delayParam("netSamples", DEFAULT_NET_SAMPLE_MS),
  };
  const refreshNow = async () => {
    try {
      await Promise.all([app.history.refresh(), app.dashboard.refresh()]);
    } catch (err) {
      if (conn.client) app.queue.add("error", describe(err));
    }
  };
  app.refresh = debounce(refreshNow, 150);
  app.switchUser = async (id) => {
    await conn.open(id);
    document.body.dataset.user = id;
    app.queue.add("ready", `signed in as ${id} · ${conn.client.pendingCount()} op(s) waiting in storage`);
    await resumeActive(app);
    app.refresh();
  };
  app.showPrecall = () => {
    $("#meeting").hidden = true;
    $("#rating").hidden = true;
    $("#precall").hidden = false;
    document.body.dataset.screen = "precall";
    app.precall.show();
  };
  app.showMeeting = (call) => {
    $("#precall").hidden = true;
    $("#meeting").hidden = false;
    document.body.dataset.screen = "meeting";
    app.meeting.show(call);
  };
  app.showRating = (finished) => {
    $("#meeting").hidden = true;
    $("#precall").hidden = true;
    $("#rating").hidden = false;
    document.body.dataset.screen = "rating";
    app.rating.show(finished);
  };

  app.queue = setupQueue(app);
  app.history = setupHistory(app);
  app.dashboard = setupDashboard(app);
  app.precall = setupPrecall(app);
  app.meeting = setupMeeting(app);
  app.rating = setupRating(app);
  app.precall.setUser(userId);

  conn.addEventListener("sdk-event", (e) => {
    if (e.detail.type === "delivered" || e.detail.type === "dropped") app.refresh();
  });

  try {
    await conn.open(userId);
  } catch (err) {
    fatal(`Could not start the SDK client: ${describe(err)}`);
    return;
  }
  document.body.dataset.user = userId;
  setupNetworkSwitch(app);

  app.queue.add("ready", `signed in as ${userId} · ${conn.client.pendingCount()} op(s) waiting in storage`);
  await resumeActive(app);
  await refreshNow();
  setInterval(refreshNow, 10_000);
  document.body.dataset.state = "ready";
}

main();
