// The meeting screen. The call itself is simulated; its tracking is real: "connected"
// (the worker answers, or "Start the call now"), camera/mic toggles, screen sharing,
// quality issues, a simulated connection drop (reconnecting, then restored), "End
// call" and a simulated connection failure each become one SDK call, stamped with the
// moment the button was pressed. Invariant: one SDK call in flight at a time, so a
// double click can never send a second "end".
import { $, clear, h, initials } from "./dom.js";
import { icon } from "./icons.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";
import { describe, toast } from "./toast.js";
import { setupNetFeed } from "./netfeed.js";

export function setupMeeting(app) {
  const stage = $("#stage");
  const status = $("#call-status");
  const timer = $("#call-timer");
  const connectBtn = $("#connect-now");
  const micBtn = $("#toggle-mic");
  const camBtn = $("#toggle-camera");
  const endBtn = $("#end-call");
  const failBtn = $("#simulate-failure");
  const shareBtn = $("#toggle-share");
  const dropBtn = $("#simulate-drop");
  const issueForm = $("#issue-form");
  const issueInput = $("#issue-input");
  const issueList = $("#issue-list");

  /** {id, workerName, status, connectedAtMs, camera, mic, sharing, issues} or null. */
  let call = null;
  let ticker = null;
  let autoConnect = null;
  let autoRestore = null;
  const netFeed = setupNetFeed(app);
  let busy = false;

  function setButton(btn, on, onIcon, offIcon, what) {
    btn.setAttribute("aria-pressed", String(on));
    btn.classList.toggle("off", !on);
    btn.title = `Turn ${what.toLowerCase()} ${on ? "off" : "on"}`;
    clear(btn).append(icon(on ? onIcon : offIcon, 22));
  }

  function render() {
    if (!call) return;
    const connected = call.status === "connected";
    const reconnecting = call.status === "reconnecting";
    stage.dataset.status = call.status;
    status.textContent = connected ? "Connected" : reconnecting ? "Reconnecting…" : "Connecting…";
    $("#remote-avatar").textContent = initials(call.workerName);
    $("#remote-name").textContent = call.workerName;
    $("#remote-sub").textContent = connected
      ? "Consultation in progress"
      : reconnecting
        ? "Connection lost — trying to get it back…"
        : `Waiting for ${call.workerName} to join…`;
    connectBtn.hidden = call.status !== "connecting";
    dropBtn.hidden = call.status === "connecting";
    dropBtn.textContent = reconnecting ? "Restore connection" : "Simulate connection drop";
    shareBtn.setAttribute("aria-pressed", String(call.sharing));
    shareBtn.title = call.sharing ? "Stop sharing your screen" : "Share your screen";
    clear(shareBtn).append(icon(call.sharing ? "screenOff" : "screen", 22));
    $("#sharing-pill").hidden = !call.sharing;
    $("#self-view").dataset.camera = call.camera ? "on" : "off";
    $("#self-avatar").textContent = initials(app.conn.userId);
    $("#self-muted").hidden = call.mic;
    $("#self-view .self-label").textContent = call.camera ? "You" : "You · camera off";
    $("#session-id").textContent = call.id;
    $("#meeting").dataset.sessionId = call.id;
    setButton(micBtn, call.mic, "mic", "micOff", "Microphone");
    setButton(camBtn, call.camera, "camera", "cameraOff", "Camera");
    clear(endBtn).append(icon("phoneDown", 24));
    clear(issueList);
    for (const issue of call.issues) issueList.append(h("li", {}, icon("alert", 14), h("span", { text: issue })));
    tick();
  }

  function tick() {
    timer.textContent = call?.connectedAtMs ? fmt.clock(Date.now() - call.connectedAtMs) : "00:00";
  }

  /** Runs one SDK call at a time; errors become a toast and leave the UI as it was. */
  async function act(fn) {
    if (busy || !call) return;
    busy = true;
    try {
      await fn(await app.conn.ready());
    } catch (err) {
      toast(describe(err), "error");
    } finally {
      busy = false;
    }
  }

  const connect = () =>
    act(async (client) => {
      if (call.status !== "connecting") return;
      clearTimeout(autoConnect);
      const at = Date.now();
      await client.markConnected(call.id);
      call.status = "connected";
      call.connectedAtMs = at;
      render();
      app.refresh();
    });

  /** Leaves the meeting for the post-call rating (`outcome`: "ended" or "failed"). */
  function hide(outcome) {
    const finished = call;
    netFeed.stop();
    clearInterval(ticker);
    clearTimeout(autoConnect);
    clearTimeout(autoRestore);
    call = null;
    app.showRating({ id: finished.id, workerName: finished.workerName, outcome });
    app.refresh();
  }

  const restore = () =>
    act(async (client) => {
      if (call.status !== "reconnecting") return;
      clearTimeout(autoRestore);
      await client.markReconnected(call.id);
      call.status = "connected";
      render();
      toast("Connection restored.", "success");
      app.refresh();
    });

  dropBtn.addEventListener("click", () => {
    if (call?.status === "reconnecting") {
      restore();
      return;
    }
    act(async (client) => {
      if (call.status !== "connected") return;
      await client.markReconnecting(call.id);
      call.status = "reconnecting";
      render();
      app.refresh();
      if (app.reconnectDelayMs !== null) autoRestore = setTimeout(restore, app.reconnectDelayMs);
    });
  });

  shareBtn.addEventListener("click", () =>
    act(async (client) => {
      const sharing = !call.sharing;
      await client.markScreenShare(sharing, call.id);
      call.sharing = sharing;
      render();
    }),
  );

  connectBtn.addEventListener("click", connect);

  micBtn.addEventListener("click", () =>
    act(async (client) => {
      const mic = !call.mic;
      await client.updateSettings({ micEnabled: mic, sessionId: call.id });
      call.mic = mic;
      render();
    }),
  );

  camBtn.addEventListener("click", () =>
    act(async (client) => {
      const camera = !call.camera;
      await client.updateSettings({ cameraEnabled: camera, sessionId: call.id });
      call.camera = camera;
      render();
    }),
  );

  issueForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const issue = issueInput.value.trim();
    if (!issue) {
      issueInput.focus();
      return;
    }
    act(async (client) => {
      await client.reportQualityIssue(issue, call.id);
      call.issues.push(issue);
      issueInput.value = "";
      render();
      toast("Thanks — the issue was recorded with this call.", "success");
      app.refresh();
    });
  });

  endBtn.addEventListener("click", () =>
    act(async (client) => {
      const result = toPlain(await client.endSession({ sessionIdToEnd: call.id, endReason: "user_ended" }));
      const length = result?.duration !== undefined && result?.duration !== null ? ` · ${fmt.duration(result.duration)}` : "";
      toast(`Call with ${call.workerName} ended${length}`, "success");
      hide("ended");
    }),
  );

  failBtn.addEventListener("click", () =>
    act(async (client) => {
      await client.markFailed({ sessionId: call.id, reason: "connection_lost" });
      toast("The connection failed. The call was recorded as failed.", "error");
      hide("failed");
    }),
  );

  return {
    /** Shows a call: a new one from "Join Now", or one resumed after a reload. */
    show(c) {
      call = { sharing: false, ...c };
      render();
      netFeed.start(call);
      clearInterval(ticker);
      ticker = setInterval(tick, 250);
      clearTimeout(autoConnect);
      clearTimeout(autoRestore);
      if (call.status === "connecting" && app.connectDelayMs !== null) {
        autoConnect = setTimeout(connect, app.connectDelayMs);
      }
      if (call.status === "reconnecting" && app.reconnectDelayMs !== null) {
        autoRestore = setTimeout(restore, app.reconnectDelayMs);
      }
    },
    get current() {
      return call;
    },
  };
}
